/**
 * Event Grid's webhook contract, independent of any HTTP server: the validation handshake
 * (Event Grid schema) and abuse-protection handshake (CloudEvents), notification batches,
 * and the status codes that tell Event Grid whether to redeliver.
 * Docs: MicrosoftDocs azure-docs articles/event-grid/webhook-event-delivery.md, delivery-and-retry.md.
 */
import { timingSafeEqual } from 'node:crypto';
import { BadBatchError, SUBSCRIPTION_VALIDATION_EVENT } from './events.js';
import type { Logger } from './log.js';
import type { BatchOutcome } from './pipeline.js';

export interface WebhookRequest {
  method: string;
  headers: Record<string, string | undefined>;
  /** The `code` query parameter (Event Grid endpoint URLs carry the key there, as for Azure Functions). */
  code?: string;
  body: string;
}

export interface WebhookResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** Event Grid delivers at most 1 MB per event; a batch is bounded by the subscription's preferred size. */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;

/** Constant-time comparison, so the key cannot be guessed a byte at a time. */
function keyMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function handleWebhook(
  request: WebhookRequest,
  processBatch: (body: unknown) => Promise<BatchOutcome>,
  log: Logger,
  key?: string,
): Promise<WebhookResponse> {
  if (key !== undefined && !keyMatches(key, request.code ?? request.headers['x-functions-key'])) {
    // 401 is not retried by Event Grid: a wrong key stays wrong.
    log.warn({ method: request.method }, 'webhook request without a valid key refused');
    return { status: 401, body: { error: 'missing or invalid key' } };
  }
  if (request.method === 'OPTIONS') {
    const origin = request.headers['webhook-request-origin'];
    if (origin === undefined) return { status: 400, body: { error: 'missing WebHook-Request-Origin' } };
    return { status: 200, headers: { 'WebHook-Allowed-Origin': origin, 'WebHook-Allowed-Rate': '*' } };
  }
  if (request.method !== 'POST') return { status: 405, headers: { Allow: 'POST, OPTIONS' }, body: { error: 'method not allowed' } };

  let body: unknown;
  try {
    body = JSON.parse(request.body);
  } catch {
    // 400 is not retried by Event Grid: a body that does not parse never will.
    log.warn({ bytes: request.body.length }, 'webhook body is not JSON');
    return { status: 400, body: { error: 'body is not JSON' } };
  }

  const validationCode = validationCodeOf(body);
  if (request.headers['aeg-event-type'] === 'SubscriptionValidation' || validationCode !== undefined) {
    if (validationCode === undefined) return { status: 400, body: { error: 'validation request without a validation code' } };
    log.info('Event Grid subscription validation handshake answered');
    return { status: 200, body: { validationResponse: validationCode } };
  }

  try {
    const outcome = await processBatch(body);
    if (outcome.summary.retryable) {
      // 5xx makes Event Grid redeliver the batch; results already applied are idempotent on replay.
      return { status: 503, headers: { 'Retry-After': '10' }, body: { summary: outcome.summary } };
    }
    return { status: 200, body: { summary: outcome.summary } };
  } catch (error) {
    if (error instanceof BadBatchError) return { status: 400, body: { error: error.message } };
    log.error({ err: error }, 'batch processing failed unexpectedly');
    return { status: 500, body: { error: 'internal error' } };
  }
}

function validationCodeOf(body: unknown): string | undefined {
  const first: unknown = Array.isArray(body) ? body[0] : body;
  if (typeof first !== 'object' || first === null) return undefined;
  const event = first as { eventType?: unknown; data?: { validationCode?: unknown } };
  if (event.eventType !== SUBSCRIPTION_VALIDATION_EVENT) return undefined;
  return typeof event.data?.validationCode === 'string' ? event.data.validationCode : undefined;
}
