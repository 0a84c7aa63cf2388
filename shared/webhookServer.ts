/**
 * The service's own webhook host (`serve`): a bare node:http server speaking Event Grid's
 * webhook contract, for where the Azure Functions host is not available. Same handler
 * logic as the Functions entry: both end in Pipeline.processBatch.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ADMIN_PREFIX, type AdminRequest, type AdminResponse } from './admin/api.js';
import type { Logger } from './log.js';
import type { BatchOutcome } from './pipeline.js';
import { BodyTooLargeError, readBody } from './httpBody.js';
import { handleWebhook, MAX_BODY_BYTES } from './webhook.js';

export const WEBHOOK_PATH = '/api/events';

export interface WebhookServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function startWebhookServer(options: {
  port: number;
  host?: string;
  processBatch: (body: unknown) => Promise<BatchOutcome>;
  log: Logger;
  /** When set, every request must carry it as `?code=` or `x-functions-key`. */
  key?: string;
  /** The admin API (modes, audit verify), under /api/admin; it authenticates its callers itself. */
  admin?: (request: AdminRequest) => Promise<AdminResponse>;
}): Promise<WebhookServer> {
  const server = createServer((request, response) => {
    const send = (status: number, headers: Record<string, string> = {}, body?: unknown): void => {
      const text = body === undefined ? '' : JSON.stringify(body);
      response.writeHead(status, { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }) });
      response.end(text);
    };
    const url = new URL(request.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const code = url.searchParams.get('code') ?? undefined;
    if (path === '/healthz' && request.method === 'GET') return send(200, {}, { status: 'ok' });
    const admin = options.admin;
    // The operator console's short address.
    if (admin !== undefined && (path === '/console' || path === '/console/') && request.method === 'GET') return send(303, { location: `${ADMIN_PREFIX}/console` });
    if (admin !== undefined && (path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`))) {
      readBody(request, MAX_BODY_BYTES)
        .then(async (body) => {
          const headers: Record<string, string | undefined> = {};
          for (const [name, value] of Object.entries(request.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
          // Plain HTTP here; a TLS-terminating proxy in front says so (the console's cookie is then Secure).
          const protocol = request.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http';
          const reply = await admin({ method: request.method ?? 'GET', path, query: url.searchParams, body, headers, protocol, ...(request.headers.authorization === undefined ? {} : { authorization: request.headers.authorization }) });
          if (reply.contentType === undefined) return send(reply.status, reply.headers ?? {}, reply.body);
          response.writeHead(reply.status, { ...reply.headers, 'content-type': reply.contentType });
          response.end(String(reply.body));
        })
        .catch((error: unknown) => {
          options.log.error({ err: error }, 'admin request failed');
          send(500, {}, { error: 'internal error' });
        });
      return;
    }
    if (path !== WEBHOOK_PATH) return send(404, {}, { error: 'not found' });
    readBody(request, MAX_BODY_BYTES)
      .then(async (body) => {
        const headers: Record<string, string | undefined> = {};
        for (const [name, value] of Object.entries(request.headers)) headers[name] = Array.isArray(value) ? value.join(',') : value;
        const reply = await handleWebhook({ method: request.method ?? 'GET', headers, body, ...(code === undefined ? {} : { code }) }, options.processBatch, options.log, options.key);
        send(reply.status, reply.headers, reply.body);
      })
      .catch((error: unknown) => {
        if (error instanceof BodyTooLargeError) return send(413, {}, { error: `body larger than ${MAX_BODY_BYTES} bytes` });
        options.log.error({ err: error }, 'webhook request failed');
        send(500, {}, { error: 'internal error' });
      });
  });
  // Event Grid waits 30 s; keep sockets a little longer than that so a slow batch is not cut off.
  server.requestTimeout = 35_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    url: `http://${address.address}:${address.port}${WEBHOOK_PATH}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
  };
}
