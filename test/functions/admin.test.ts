/**
 * functions/admin.ts with a real HttpRequest and real Entra-style tokens: RS256 keys generated
 * here, their JWKS served over local HTTP, tokens signed with jose. Refusals are 401/403 and
 * recorded; an operator's change reaches the pipeline.
 */
import { HttpRequest, InvocationContext } from '@azure/functions';
import { createServer, type Server } from 'node:http';
import { mkdtemp, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSandboxState, startSandbox, type Sandbox } from '../../sandbox/index.js';
import { armWriteEvent, PRESCRIPTIONS } from '../helpers/events.js';
import { sharedPath } from '../helpers/fixtures.js';
import { readAuditRecords } from '../helpers/world.js';

const TENANT = '0f5e8c2a-9b7d-4e31-a6c4-5d8f2e1b3a79';
const AUDIENCE = 'api://hipaa-remediator';
const OPERATOR_OID = '3c9d2a71-5e4f-4b8a-9d1c-7e6f5a4b3c2d';

let sandbox: Sandbox;
let jwks: Server;
let privateKey: CryptoKey;
let home: string;

beforeAll(async () => {
  sandbox = await startSandbox({ state: await loadSandboxState(sharedPath('examples', 'storage-state.json')) });
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwks = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [publicJwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', () => resolve()));
  const dir = await mkdtemp(join(tmpdir(), 'hipaa-fn-admin-'));
  home = join(dir, 'home');
  await writeFile(join(dir, 'ca.pem'), sandbox.ca);
  delete process.env['AZURE_SUBSCRIPTION_ID'];
  process.env['LOG_LEVEL'] = 'silent';
  Object.assign(process.env, {
    HIPAA_REMEDIATOR_SANDBOX_URL: sandbox.url,
    HIPAA_REMEDIATOR_SANDBOX_CA: join(dir, 'ca.pem'),
    HIPAA_REMEDIATOR_HOME: home,
    HIPAA_REMEDIATOR_ADMIN_TENANT_ID: TENANT,
    HIPAA_REMEDIATOR_ADMIN_AUDIENCE: AUDIENCE,
    HIPAA_REMEDIATOR_ADMIN_JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/keys`,
  });
});
afterAll(async () => {
  await sandbox.close();
  await new Promise<void>((resolve) => jwks.close(() => resolve()));
});

async function token(roles: string[], overrides: { audience?: string } = {}): Promise<string> {
  return new SignJWT({ oid: OPERATOR_OID, roles, idtyp: 'user', scp: 'user_impersonation', tid: TENANT })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(`https://login.microsoftonline.com/${TENANT}/v2.0`)
    .setAudience(overrides.audience ?? AUDIENCE)
    .setIssuedAt()
    .setNotBefore('0s')
    .setExpirationTime('10m')
    .sign(privateKey);
}

async function call(method: string, path: string, bearer?: string, body?: unknown) {
  const { admin } = await import('../../functions/admin.js');
  const request = new HttpRequest({
    method,
    url: `http://localhost:7071${path}`,
    headers: bearer === undefined ? {} : { authorization: `Bearer ${bearer}` },
    ...(body === undefined ? {} : { body: { string: JSON.stringify(body) } }),
  });
  const reply = await admin(request, new InvocationContext({ functionName: 'admin' }));
  return { status: reply.status, body: reply.jsonBody as Record<string, unknown> };
}

describe('functions/admin with Entra ID tokens', () => {
  it('refuses missing, foreign-audience and role-less tokens (401/403) and records every refusal', async () => {
    expect((await call('GET', '/api/admin/modes')).status).toBe(401);
    expect((await call('GET', '/api/admin/modes', await token(['Remediator.Operator'], { audience: 'api://someone-else' }))).status).toBe(401);
    expect((await call('PUT', '/api/admin/modes/storage-public-access', await token([]), { mode: 'off' })).status).toBe(403);
    expect((await call('PUT', '/api/admin/modes/storage-public-access', await token(['Remediator.Reader']), { mode: 'off' })).status).toBe(403);
    const refusals = (await readAuditRecords(home)).filter((r) => r.kind === 'rejection');
    expect(refusals.map((r) => r.reason?.slice(0, 14))).toEqual(['admin API 401:', 'admin API 401:', 'admin API 403:', 'admin API 403:']);
  });

  it('lets a reader read and an operator change, recording the operator object id', async () => {
    expect((await call('GET', '/api/admin/modes', await token(['Remediator.Reader']))).status).toBe(200);
    const put = await call('PUT', '/api/admin/modes/storage-public-access?resourceGroup=rg-pharmacy', await token(['Remediator.Operator']), { mode: 'alert', reason: 'investigation' });
    expect(put).toMatchObject({ status: 200, body: { after: 'alert' } });
    const change = (await readAuditRecords(home)).find((r) => r.kind === 'mode-change');
    expect(change).toMatchObject({ operator: OPERATOR_OID, scope: 'rg:rg-pharmacy', after: { mode: 'alert' } });

    const { onResourceChange } = await import('../../functions/onResourceChange.js');
    const logged: string[] = [];
    await onResourceChange(armWriteEvent(PRESCRIPTIONS), new InvocationContext({ functionName: 'onResourceChange', logHandler: (_l, ...a) => logged.push(a.join(' ')) }));
    expect(logged.some((l) => l.startsWith('alerted storage-public-access'))).toBe(true);
  });
});
