import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, scrubSecrets } from '../../shared/log.js';

const CANARIES = {
  connectionString: 'DefaultEndpointsProtocol=https;AccountName=stcanary;AccountKey=Q2FuYXJ5S2V5Q2FuYXJ5S2V5Q2FuYXJ5S2V5Q2FuYXJ5S2V5Q2FuYXJ5S2V5Q2FuYXJ5S2V5Q2FuYXJ5S2V5Q2FuYQ==;EndpointSuffix=core.windows.net',
  sas: 'https://stcanary.blob.core.windows.net/c/b?sv=2024-08-04&se=2026-12-01&sp=r&sig=CANARYSIGNATUREabc%2Bdef%3D',
  bearer: 'Bearer eyJhbGciOiJSUzI1NiJ9.eyJvaWQiOiJjYW5hcnkifQ.c2lnbmF0dXJlY2FuYXJ5',
  accountKey: 'Q2FuYXJ5S2V5Q2FuYXJ5S2V5Q2FuYXJ5S2V5Q2FuYXJ5S2V5Q2FuYXJ5S2V5Q2FuYXJ5S2V5Q2FuYXJ5S2V5Q2FuYQ==',
  upn: 'dana.canaryfield@northwind-health.example',
};
const SECRET_FRAGMENTS = ['Q2FuYXJ5S2V5', 'CANARYSIGNATURE', 'eyJvaWQiOiJjYW5hcnkifQ', 'dana.canaryfield'];

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { lines, stream };
}

describe('logging redaction', () => {
  it('keeps planted secrets and personal data out of every log line, wherever they are', () => {
    const { lines, stream } = capture();
    const log = createLogger({ level: 'debug', destination: stream });
    log.info({ connectionString: CANARIES.connectionString }, 'at a known path');
    log.info({ request: { headers: { authorization: CANARIES.bearer } } }, 'nested header');
    log.info({ note: `uploading with ${CANARIES.sas}` }, 'inside a free-text field');
    log.warn(`message interpolates ${CANARIES.connectionString} and ${CANARIES.bearer}`);
    log.error({ err: new Error(`failed with key ${CANARIES.accountKey}`) }, 'error message');
    log.info({ event: { claims: { upn: CANARIES.upn, name: 'Dana Canaryfield' } } }, 'event claims');
    log.info({ list: [CANARIES.sas, { deeper: CANARIES.connectionString }] }, 'arrays');
    expect(lines).toHaveLength(7);
    const all = lines.join('\n');
    for (const fragment of SECRET_FRAGMENTS) expect(all).not.toContain(fragment);
    expect(all).toContain('[REDACTED]');
    // What is not secret survives, so the log stays useful.
    expect(all).toContain('AccountName=stcanary');
    expect(all).toContain('inside a free-text field');
  });

  it('scrubSecrets leaves ordinary text unchanged', () => {
    const text = '/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st01';
    expect(scrubSecrets(text)).toBe(text);
  });
});
