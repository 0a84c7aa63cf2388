/**
 * A real HTTPS webhook receiver for alert tests: its own self-signed certificate, an answer
 * the test controls (to simulate an outage), and its own HMAC check written with node:crypto
 * alone, so the sink's signing is verified independently of the code that signs.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createSelfSignedCertificate } from '../../sandbox/certificate.js';

export interface ReceivedAlert {
  body: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  /** The signature header matched the raw body under the shared secret, within five minutes. */
  signatureValid: boolean;
  status: number;
}

export interface AlertReceiver {
  url: string;
  ca: string;
  /** Every request, answered or not. */
  readonly requests: ReceivedAlert[];
  /** Only the requests answered 2xx. */
  accepted(): ReceivedAlert[];
  /** The status the next requests get (200 by default). */
  answer(status: number): void;
  close(): Promise<void>;
}

export async function startAlertReceiver(secret: string): Promise<AlertReceiver> {
  const tls = await createSelfSignedCertificate();
  let status = 200;
  const requests: ReceivedAlert[] = [];
  const server: Server = createServer({ key: tls.key, cert: tls.cert }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      requests.push({ body: JSON.parse(raw) as Record<string, unknown>, headers: request.headers, signatureValid: verify(secret, request.headers['x-hipaa-remediator-signature'], raw), status });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}/hooks/oncall`,
    ca: tls.cert,
    requests,
    accepted: () => requests.filter((r) => r.status >= 200 && r.status < 300),
    answer(next) {
      status = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function verify(secret: string, header: string | string[] | undefined, raw: string): boolean {
  const match = typeof header === 'string' ? /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header) : null;
  if (match?.[1] === undefined || match[2] === undefined) return false;
  if (Math.abs(Date.now() / 1000 - Number(match[1])) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${match[1]}.${raw}`).digest();
  return timingSafeEqual(expected, Buffer.from(match[2], 'hex'));
}
