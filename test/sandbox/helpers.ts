import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { StorageManagementClient } from '@azure/arm-storage';
import { type Sandbox, type SandboxIdentity, type SandboxState, parseSandboxState, sandboxCredential } from '../../sandbox/index.js';

export const SUBSCRIPTION_ID = '11111111-2222-4333-8444-555555555555';
/** What the installed @azure/arm-storage (20.1.0) sends; a test fails if an upgrade changes it. */
export const SDK_STORAGE_API_VERSION = '2026-04-01';
export const EXAMPLE_STATE_PATH = new URL('../../../shared/examples/storage-state.json', import.meta.url);

/** A user whose token carries (invented) personal data, like a real portal user. */
export const USER: SandboxIdentity = {
  objectId: '4b8d2f6a-1c3e-45a7-b9d0-e2f4a6c8b1d3',
  appId: '04b07795-8ddb-461a-bbee-02f9e1bf7b46',
  principalType: 'User',
  tenantId: '0f5e8c2a-9b7d-4e31-a6c4-5d8f2e1b3a79',
  name: 'Test Clinician',
  upn: 'test.clinician@example.test',
};

export const SERVICE_PRINCIPAL: SandboxIdentity = {
  objectId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
  appId: '2f4e6d8c-0a1b-4c3d-9e5f-7a6b5c4d3e2f',
  principalType: 'ServicePrincipal',
};

export async function exampleState(): Promise<SandboxState> {
  return parseSandboxState(JSON.parse(await readFile(EXAMPLE_STATE_PATH, 'utf8')));
}

export function storageClient(sandbox: Sandbox, identity: SandboxIdentity = USER): StorageManagementClient {
  return new StorageManagementClient(sandboxCredential(identity), SUBSCRIPTION_ID, {
    endpoint: sandbox.url,
    tlsOptions: { ca: sandbox.ca },
  });
}

export function accountPath(resourceGroup: string, account: string): string {
  return `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${resourceGroup}/providers/Microsoft.Storage/storageAccounts/${account}`;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: unknown;
}

/** A request to the sandbox without the SDK (node:https, trusting the sandbox certificate). */
export async function rawRequest(
  sandbox: Sandbox,
  method: string,
  pathAndQuery: string,
  options: { identity?: SandboxIdentity | null; body?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.identity !== null) {
    const token = await sandboxCredential(options.identity ?? USER).getToken('https://management.azure.com/.default');
    if (token === null) throw new Error('no token');
    headers.authorization = `Bearer ${token.token}`;
  }
  if (options.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = String(Buffer.byteLength(options.body));
  }
  return new Promise((resolve, reject) => {
    const request = https.request(new URL(pathAndQuery, sandbox.url), { method, headers, ca: sandbox.ca, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text === '' ? undefined : JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json });
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

/** What a test webhook received. */
export interface ReceivedRequest {
  method: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface WebhookReply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

export interface TestWebhook {
  readonly url: string;
  readonly received: ReceivedRequest[];
  /** Notification POSTs only (no handshakes). */
  notifications(): ReceivedRequest[];
  /** Resolves once at least `count` notifications have arrived. */
  waitForNotifications(count: number): Promise<void>;
  close(): Promise<void>;
}

/** The answers a well-behaved webhook gives: handshakes echoed, notifications accepted. */
export function politeReply(request: ReceivedRequest): WebhookReply {
  if (request.method === 'OPTIONS') {
    return { status: 200, headers: { 'webhook-allowed-origin': String(request.headers['webhook-request-origin']) } };
  }
  if (request.headers['aeg-event-type'] === 'SubscriptionValidation') {
    const [event] = JSON.parse(request.body) as [{ data: { validationCode: string } }];
    return { status: 200, body: JSON.stringify({ validationResponse: event.data.validationCode }), headers: { 'content-type': 'application/json' } };
  }
  return { status: 200 };
}

/**
 * A real node:http webhook on a free port; `reply` decides each answer (default: polite),
 * `'hang'` never answers.
 */
export async function startWebhook(
  reply: (request: ReceivedRequest, index: number) => WebhookReply | 'hang' = politeReply,
): Promise<TestWebhook> {
  const received: ReceivedRequest[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const notifications = (): ReceivedRequest[] => received.filter((request) => request.headers['aeg-event-type'] === 'Notification');
  const wakeWaiters = (): void => {
    const arrived = notifications().length;
    for (const waiter of waiters.filter((candidate) => candidate.count <= arrived)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry: ReceivedRequest = { method: request.method ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(entry);
      const answer = reply(entry, received.length - 1);
      if (answer !== 'hang') response.writeHead(answer.status, answer.headers ?? {}).end(answer.body);
      wakeWaiters();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/arm-events`,
    received,
    notifications,
    waitForNotifications: (count) =>
      new Promise<void>((resolve) => {
        waiters.push({ count, resolve });
        wakeWaiters();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
