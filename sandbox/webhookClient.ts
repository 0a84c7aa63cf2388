import http from 'node:http';
import https from 'node:https';

/** A webhook's answer, body read up to a limit (Event Grid only looks at the start of it). */
export interface WebhookResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface WebhookRequest {
  method: 'POST' | 'OPTIONS';
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  signal: AbortSignal;
}

/** Raised when the endpoint did not answer in time, so callers can tell it from other failures. */
export class WebhookTimeoutError extends Error {
  override readonly name = 'WebhookTimeoutError';
}

const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * Sends one request to a webhook over http or https. Connections are not kept alive:
 * every delivery stands alone, and nothing lingers once the sandbox closes.
 */
export function sendWebhookRequest(endpoint: string, request: WebhookRequest): Promise<WebhookResponse> {
  const url = new URL(endpoint);
  const transport = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
  if (transport === undefined) return Promise.reject(new Error(`Unsupported webhook scheme in ${endpoint}`));
  const headers: Record<string, string> = { ...request.headers, connection: 'close' };
  if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));

  return new Promise((resolve, reject) => {
    const outgoing = transport.request(url, { method: request.method, headers, agent: false, signal: request.signal }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        if (size < MAX_RESPONSE_BYTES) chunks.push(chunk);
        size += chunk.length;
      });
      response.on('end', () => {
        clearTimeout(timer);
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString('utf8').slice(0, MAX_RESPONSE_BYTES),
        });
      });
      response.on('error', fail);
    });
    const timer = setTimeout(() => {
      outgoing.destroy(new WebhookTimeoutError(`No response from ${url.origin} within ${request.timeoutMs} ms`));
    }, request.timeoutMs);
    function fail(error: Error): void {
      clearTimeout(timer);
      reject(error);
    }
    outgoing.on('error', fail);
    outgoing.end(request.body);
  });
}
