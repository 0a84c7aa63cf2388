import { randomUUID } from 'node:crypto';
import { armTimestamp } from './armTime.js';
import type { EventGridEvent } from './armEvents.js';
import { WebhookTimeoutError, sendWebhookRequest, type WebhookResponse } from './webhookClient.js';

/** A CloudEvents 1.0 event as Event Grid delivers it to CloudEvents subscriptions. */
export interface CloudEvent<TData = unknown> {
  specversion: '1.0';
  type: string;
  source: string;
  subject: string;
  id: string;
  time: string;
  datacontenttype: string;
  data: TData;
}

/** An event subscription with a webhook destination on the sandbox's ARM system topic. */
export interface EventSubscriptionOptions {
  /** 3-64 letters, digits and hyphens, as Event Grid requires. */
  name: string;
  /** http or https URL of the webhook. */
  endpoint: string;
  /** Delivery schema (default `EventGridSchema`). */
  schema?: 'EventGridSchema' | 'CloudEventSchemaV1_0';
  /** Most events per POST, 1-5000 (default 1). */
  maxEventsPerBatch?: number;
  /** Attempts before dead-lettering, 1-30 (default 5). */
  maxDeliveryAttempts?: number;
  /** Wait before retry n (the last value repeats); default [200, 1000, 5000], short for a local demo. */
  retryDelaysMs?: number[];
  /** How long a webhook may take to answer (default 30 000, like Event Grid). */
  deliveryTimeoutMs?: number;
}

/** One delivery attempt of one batch. */
export interface DeliveryRecord {
  subscription: string;
  eventIds: string[];
  /** 1 for the first attempt (the `aeg-delivery-count` header is this minus one). */
  attempt: number;
  /** HTTP status, or 0 when there was no answer (timeout, connection error). */
  status: number;
  error?: string;
}

/** An event Event Grid gave up on, with the fields a dead-letter blob carries. */
export interface DeadLetteredEvent {
  subscription: string;
  /** The event in the subscription's schema. */
  event: EventGridEvent | CloudEvent;
  deadLetterReason: 'MaxDeliveryAttemptsExceeded' | 'NoRetryStatus';
  deliveryAttempts: number;
  lastDeliveryOutcome: string;
  lastHttpStatusCode?: number;
  publishTime: string;
  lastDeliveryAttemptTime: string;
}

/** Event Grid as the sandbox runs it: one system topic for ARM events, webhook subscriptions. */
export interface EventGridEmulator {
  /** Validates the endpoint the way Event Grid does, then starts delivering; rejects when validation fails. */
  subscribe(subscription: EventSubscriptionOptions): Promise<void>;
  /** Stops delivering to a subscription and drops what it still had queued. */
  unsubscribe(name: string): void;
  /** Resolves when no event is waiting for a batch, a retry or an answer. */
  idle(): Promise<void>;
  readonly deliveries: readonly DeliveryRecord[];
  readonly deadLetters: readonly DeadLetteredEvent[];
  /** Publishes events to every subscription (the sandbox calls this for ARM writes; tests and demos may too). */
  publish(events: readonly EventGridEvent[]): void;
}

interface Subscription {
  readonly name: string;
  readonly endpoint: string;
  readonly schema: 'EventGridSchema' | 'CloudEventSchemaV1_0';
  readonly maxEventsPerBatch: number;
  readonly maxDeliveryAttempts: number;
  readonly retryDelaysMs: readonly number[];
  readonly deliveryTimeoutMs: number;
  queue: QueuedEvent[];
  window?: NodeJS.Timeout;
}

interface QueuedEvent {
  readonly event: EventGridEvent;
  readonly publishTime: string;
}

interface Delivery {
  readonly subscription: Subscription;
  readonly events: readonly QueuedEvent[];
  attempts: number;
  timer?: NodeJS.Timeout;
  abort?: AbortController;
}

type AttemptOutcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'retry' | 'noRetry'; status: number; outcome: string; error?: string };

const DEFAULT_RETRY_DELAYS_MS = [200, 1000, 5000];
const DEFAULT_TIMEOUT_MS = 30_000;
const SUBSCRIPTION_NAME = /^[A-Za-z0-9-]{3,64}$/;
// Webhook answers Event Grid does not retry (delivery-and-retry.md).
const NO_RETRY_STATUSES = new Set([400, 401, 403, 413]);
const OUTCOMES: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  413: 'PayloadTooLarge',
  429: 'Busy',
  503: 'Busy',
};

export interface EventGridOptions {
  /** How long events are collected into a batch before delivery starts. */
  batchWindowMs: number;
  /** The system topic named in validation events, `/subscriptions/<id>`. */
  topic: string;
}

/** Converts an Event Grid schema event to CloudEvents 1.0, as Event Grid does for CloudEvents subscriptions. */
export function toCloudEvent(event: EventGridEvent): CloudEvent {
  return {
    specversion: '1.0',
    type: event.eventType,
    source: event.topic,
    subject: event.subject,
    id: event.id,
    time: event.eventTime,
    datacontenttype: 'application/json',
    data: event.data,
  };
}

function resolveOptions(options: EventSubscriptionOptions): Subscription {
  const where = `Event Grid subscription ${JSON.stringify(options.name)}`;
  if (!SUBSCRIPTION_NAME.test(options.name)) throw new Error(`${where}: name must be 3-64 letters, digits or hyphens`);
  let url: URL;
  try {
    url = new URL(options.endpoint);
  } catch {
    throw new Error(`${where}: endpoint ${JSON.stringify(options.endpoint)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${where}: endpoint must be http or https`);
  const integerIn = (value: number | undefined, fallback: number, min: number, max: number, field: string): number => {
    const result = value ?? fallback;
    if (!Number.isInteger(result) || result < min || result > max) throw new Error(`${where}: ${field} must be an integer ${min}-${max}`);
    return result;
  };
  const retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  if (retryDelaysMs.some((delay) => !Number.isFinite(delay) || delay < 0)) throw new Error(`${where}: retryDelaysMs must be non-negative`);
  return {
    name: options.name,
    endpoint: options.endpoint,
    schema: options.schema ?? 'EventGridSchema',
    maxEventsPerBatch: integerIn(options.maxEventsPerBatch, 1, 1, 5000, 'maxEventsPerBatch'),
    maxDeliveryAttempts: integerIn(options.maxDeliveryAttempts, 5, 1, 30, 'maxDeliveryAttempts'),
    retryDelaysMs: [...retryDelaysMs],
    deliveryTimeoutMs: integerIn(options.deliveryTimeoutMs, DEFAULT_TIMEOUT_MS, 1, 600_000, 'deliveryTimeoutMs'),
    queue: [],
  };
}

function describeFailure(error: unknown): { outcome: string; error: string } {
  if (error instanceof WebhookTimeoutError) return { outcome: 'TimedOut', error: error.message };
  return { outcome: 'GenericError', error: error instanceof Error ? error.message : String(error) };
}

/**
 * Delivers published events to webhook subscriptions like Event Grid: validation
 * handshake on subscribe, batches, retries with a schedule, dead-lettering. All delivery
 * happens on timers, never inside the caller of `publish`.
 */
export class EventGrid implements EventGridEmulator {
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly inFlight = new Set<Delivery>();
  private readonly handshakes = new Set<AbortController>();
  private readonly idleWaiters: (() => void)[] = [];
  private readonly deliveryLog: DeliveryRecord[] = [];
  private readonly deadLetterLog: DeadLetteredEvent[] = [];
  private closed = false;

  constructor(private readonly options: EventGridOptions) {}

  get deliveries(): readonly DeliveryRecord[] {
    return this.deliveryLog.map((record) => ({ ...record, eventIds: [...record.eventIds] }));
  }

  get deadLetters(): readonly DeadLetteredEvent[] {
    return structuredClone(this.deadLetterLog);
  }

  async subscribe(options: EventSubscriptionOptions): Promise<void> {
    if (this.closed) throw new Error('Event Grid is closed');
    const subscription = resolveOptions(options);
    await this.handshake(subscription);
    if (this.closed) throw new Error('Event Grid is closed');
    // Like an ARM PUT on an event subscription: the same name replaces the old one.
    this.unsubscribe(subscription.name);
    this.subscriptions.set(subscription.name, subscription);
  }

  unsubscribe(name: string): void {
    const subscription = this.subscriptions.get(name);
    if (subscription === undefined) return;
    this.subscriptions.delete(name);
    clearTimeout(subscription.window);
    subscription.queue = [];
    for (const delivery of this.inFlight) if (delivery.subscription === subscription) this.cancel(delivery);
    this.settle();
  }

  publish(events: readonly EventGridEvent[]): void {
    if (this.closed || events.length === 0) return;
    const publishTime = armTimestamp(new Date());
    for (const subscription of this.subscriptions.values()) {
      subscription.queue.push(...events.map((event) => ({ event: structuredClone(event), publishTime })));
      // A full batch goes out at once, but still on a timer: publishing never does I/O itself.
      if (subscription.queue.length >= subscription.maxEventsPerBatch) this.scheduleFlush(subscription, 0);
      else if (subscription.window === undefined) this.scheduleFlush(subscription, this.options.batchWindowMs);
    }
  }

  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Cancels everything queued, waiting or in flight; later publishes are ignored. */
  close(): void {
    this.closed = true;
    for (const name of [...this.subscriptions.keys()]) this.unsubscribe(name);
    for (const handshake of this.handshakes) handshake.abort();
    this.settle();
  }

  private isIdle(): boolean {
    if (this.inFlight.size > 0) return false;
    for (const subscription of this.subscriptions.values()) if (subscription.queue.length > 0) return false;
    return true;
  }

  private settle(): void {
    if (!this.isIdle()) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private scheduleFlush(subscription: Subscription, delayMs: number): void {
    clearTimeout(subscription.window);
    subscription.window = setTimeout(() => this.flush(subscription), delayMs);
  }

  private flush(subscription: Subscription): void {
    clearTimeout(subscription.window);
    subscription.window = undefined;
    const queued = subscription.queue.splice(0);
    for (let start = 0; start < queued.length; start += subscription.maxEventsPerBatch) {
      const delivery: Delivery = { subscription, events: queued.slice(start, start + subscription.maxEventsPerBatch), attempts: 0 };
      this.inFlight.add(delivery);
      void this.attempt(delivery);
    }
  }

  private cancel(delivery: Delivery): void {
    clearTimeout(delivery.timer);
    delivery.abort?.abort();
    this.inFlight.delete(delivery);
  }

  private async attempt(delivery: Delivery): Promise<void> {
    const { subscription } = delivery;
    delivery.attempts += 1;
    delivery.abort = new AbortController();
    const outcome = await this.post(delivery, delivery.abort.signal);
    if (!this.inFlight.has(delivery)) return; // cancelled while the request was out
    const attemptTime = armTimestamp(new Date());
    this.deliveryLog.push({
      subscription: subscription.name,
      eventIds: delivery.events.map(({ event }) => event.id),
      attempt: delivery.attempts,
      status: outcome.status,
      ...(outcome.kind !== 'delivered' && outcome.error !== undefined ? { error: outcome.error } : {}),
    });

    if (outcome.kind === 'retry' && delivery.attempts < subscription.maxDeliveryAttempts) {
      const delays = subscription.retryDelaysMs;
      const delay = delays[Math.min(delivery.attempts - 1, delays.length - 1)] ?? 0;
      delivery.timer = setTimeout(() => void this.attempt(delivery), delay);
      return;
    }
    if (outcome.kind !== 'delivered') {
      const reason = outcome.kind === 'noRetry' ? 'NoRetryStatus' : 'MaxDeliveryAttemptsExceeded';
      for (const { event, publishTime } of delivery.events) {
        this.deadLetterLog.push({
          subscription: subscription.name,
          event: subscription.schema === 'CloudEventSchemaV1_0' ? toCloudEvent(event) : event,
          deadLetterReason: reason,
          deliveryAttempts: delivery.attempts,
          lastDeliveryOutcome: outcome.outcome,
          ...(outcome.status !== 0 ? { lastHttpStatusCode: outcome.status } : {}),
          publishTime,
          lastDeliveryAttemptTime: attemptTime,
        });
      }
    }
    this.inFlight.delete(delivery);
    this.settle();
  }

  private async post(delivery: Delivery, signal: AbortSignal): Promise<AttemptOutcome> {
    const { subscription, events } = delivery;
    const cloudEvents = subscription.schema === 'CloudEventSchemaV1_0';
    const first = events[0]?.event;
    const headers: Record<string, string> = {
      'content-type': cloudEvents ? 'application/cloudevents-batch+json; charset=utf-8' : 'application/json; charset=utf-8',
      'aeg-event-type': 'Notification',
      // Event Grid sends the subscription name upper-cased.
      'aeg-subscription-name': subscription.name.toUpperCase(),
      'aeg-delivery-count': String(delivery.attempts - 1),
      ...(!cloudEvents && first !== undefined
        ? { 'aeg-data-version': first.dataVersion, 'aeg-metadata-version': first.metadataVersion }
        : {}),
    };
    const body = JSON.stringify(events.map(({ event }) => (cloudEvents ? toCloudEvent(event) : event)));
    let response: WebhookResponse;
    try {
      response = await sendWebhookRequest(subscription.endpoint, {
        method: 'POST',
        headers,
        body,
        timeoutMs: subscription.deliveryTimeoutMs,
        signal,
      });
    } catch (error) {
      return { kind: 'retry', status: 0, ...describeFailure(error) };
    }
    const { status } = response;
    if (status >= 200 && status <= 204) return { kind: 'delivered', status };
    const outcome = OUTCOMES[status] ?? 'GenericError';
    const error = `HTTP ${status}`;
    return { kind: NO_RETRY_STATUSES.has(status) ? 'noRetry' : 'retry', status, outcome, error };
  }

  private async handshake(subscription: Subscription): Promise<void> {
    const abort = new AbortController();
    this.handshakes.add(abort);
    try {
      if (subscription.schema === 'CloudEventSchemaV1_0') await this.abuseProtectionHandshake(subscription, abort.signal);
      else await this.validationHandshake(subscription, abort.signal);
    } finally {
      this.handshakes.delete(abort);
    }
  }

  /** Event Grid schema: POST a SubscriptionValidationEvent, expect 200 `{"validationResponse": code}`. */
  private async validationHandshake(subscription: Subscription, signal: AbortSignal): Promise<void> {
    const validationCode = randomUUID();
    const now = new Date();
    const event = {
      id: randomUUID(),
      topic: this.options.topic,
      subject: '',
      data: {
        validationCode,
        validationUrl: `https://rp-sandbox.eventgrid.azure.net:553/eventsubscriptions/${subscription.name}/validate?id=${validationCode}&t=${armTimestamp(now)}&apiVersion=2025-02-15&token=sandbox`,
      },
      eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
      eventTime: armTimestamp(now),
      metadataVersion: '1',
      dataVersion: '1',
    };
    const response = await this.handshakeRequest(subscription, signal, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'aeg-event-type': 'SubscriptionValidation',
        'aeg-subscription-name': subscription.name.toUpperCase(),
        'aeg-delivery-count': '0',
        'aeg-data-version': '1',
        'aeg-metadata-version': '1',
      },
      body: JSON.stringify([event]),
    });
    const expected = `HTTP 200 with {"validationResponse": "${validationCode}"}`;
    if (response.status !== 200) {
      throw this.handshakeError(subscription, `endpoint answered HTTP ${response.status}; Event Grid needs ${expected}`);
    }
    let answer: unknown;
    try {
      answer = JSON.parse(response.body);
    } catch {
      throw this.handshakeError(subscription, `endpoint answered 200 without JSON; Event Grid needs ${expected}`);
    }
    const code = typeof answer === 'object' && answer !== null ? (answer as Record<string, unknown>).validationResponse : undefined;
    if (code !== validationCode) {
      throw this.handshakeError(subscription, `endpoint answered validationResponse ${JSON.stringify(code)}; Event Grid needs ${expected}`);
    }
  }

  /** CloudEvents schema: OPTIONS with WebHook-Request-Origin, expect 200 with a matching WebHook-Allowed-Origin. */
  private async abuseProtectionHandshake(subscription: Subscription, signal: AbortSignal): Promise<void> {
    const origin = 'eventgrid.azure.net';
    const response = await this.handshakeRequest(subscription, signal, {
      method: 'OPTIONS',
      headers: { 'webhook-request-origin': origin, 'webhook-request-rate': '*' },
    });
    const allowed = response.headers['webhook-allowed-origin'];
    const allowedOrigins = (Array.isArray(allowed) ? allowed.join(',') : (allowed ?? '')).split(',').map((value) => value.trim());
    if (response.status !== 200 || !(allowedOrigins.includes(origin) || allowedOrigins.includes('*'))) {
      throw this.handshakeError(
        subscription,
        `OPTIONS answered HTTP ${response.status} with WebHook-Allowed-Origin ${JSON.stringify(allowed ?? null)}; Event Grid needs 200 with WebHook-Allowed-Origin "${origin}" or "*"`,
      );
    }
  }

  private async handshakeRequest(
    subscription: Subscription,
    signal: AbortSignal,
    request: { method: 'POST' | 'OPTIONS'; headers: Record<string, string>; body?: string },
  ): Promise<WebhookResponse> {
    try {
      return await sendWebhookRequest(subscription.endpoint, { ...request, timeoutMs: subscription.deliveryTimeoutMs, signal });
    } catch (error) {
      throw this.handshakeError(subscription, `endpoint unreachable (${describeFailure(error).error})`);
    }
  }

  private handshakeError(subscription: Subscription, reason: string): Error {
    return new Error(`Event Grid subscription ${JSON.stringify(subscription.name)} failed webhook validation at ${subscription.endpoint}: ${reason}`);
  }
}
