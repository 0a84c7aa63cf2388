/**
 * The sandbox's custom Event Grid topic: the publish endpoint the real
 * `EventGridPublisherClient` (`@azure/eventgrid` 5.12) sends to, so alerts go through the
 * real client in tests and in the demo.
 *
 * It listens on its own port (same certificate as the ARM listener) because a topic endpoint
 * is a host of its own, `https://<topic>.<region>-1.eventgrid.azure.net/api/events`, and the
 * SAS resource the client signs is that URL. The client POSTs to the endpoint exactly as
 * given, with `?api-version=2018-01-01` (generated/generatedClient.js: `path: ""`,
 * `endpoint: "{topicHostname}"`; constants.js DEFAULT_API_VERSION).
 *
 * Authentication, as the service takes it (azure-docs authenticate-with-access-keys-shared-access-signatures.md;
 * the client's eventGridAuthenticationPolicy.js): `aeg-sas-key` header or query parameter,
 * `aeg-sas-token` header or `Authorization: SharedAccessSignature <token>`, and
 * `Authorization: Bearer <token>` (the client asks for `https://eventgrid.azure.net/.default`).
 * Bearer tokens are sandbox tokens (credential.ts) from the sandbox's tenant; their audience
 * and the caller's "EventGrid Data Sender" role are not checked.
 *
 * Answers: 200 with an empty body (`Content-Length: 0`, `api-supported-versions: 2018-01-01`,
 * as recorded in azure-sdk-for-js sdk/eventgrid/eventgrid/recordings/node/
 * eventgridpublisherclient_send_cloudevent_schema/recording_sends_a_single_event.json).
 * Errors: `{"error":{"code","message","details":[{"code","message"}]}}` with Event Grid's
 * "Report '<request id>:<time> (UTC)' …" suffix — the shape of post-to-custom-topic.md and of
 * a recorded 404 (same recordings, eventgridpublisherclient_send_error_cases_cloudevent_schema/
 * recording_does_not_append_apievents.json). The 401 code and the "not authorized for <HOST>.
 * This is due to the reason: …" wording come from a live 401 body quoted in a public project's
 * README and from azure-sdk-for-python's live tests (`match="The request authorization key is
 * not authorized for*"`); the other messages, the 401/400/413 detail codes and the order of the
 * checks are approximated (the missing-credential and schema wording follows the third-party
 * pm7y/AzureEventGridSimulator).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import { Delays, listenOnLoopback } from './loopback.js';
import { BodyTooLargeError, readBody } from '../shared/httpBody.js';
import { type SandboxCaller, type TokenProblem, decodeSandboxToken } from './credential.js';
import {
  EVENT_GRID_TOPIC_LIMITS,
  type ParsedPublish,
  type PublishedCloudEvent,
  type PublishedEventGridEvent,
  PublishRejected,
  type TopicLimits,
  bodyModeOf,
  parsePublish,
  unsupportedContentType,
} from './eventgridTopic/events.js';
import { formatServiceTime, keyMatches, verifySharedAccessSignature } from './eventgridTopic/sas.js';
import { type FaultInjector, type FaultSpec, FaultTable, defaultFaultCode, defaultFaultMessage } from './faults.js';

export { EVENT_GRID_TOPIC_LIMITS } from './eventgridTopic/events.js';
export type { PublishedCloudEvent, PublishedEventGridEvent, TopicInputSchema, TopicLimits } from './eventgridTopic/events.js';

/** The only api-version the publish API has (post-to-custom-topic.md; what the client sends). */
export const EVENT_GRID_PUBLISH_API_VERSION = '2018-01-01';
/** The topic's path; the client is given the full endpoint including it. */
export const EVENT_GRID_TOPIC_PATH = '/api/events';

/** The credential a request presented: the header (or query parameter) it came in. */
export type TopicCredentialKind = 'key' | 'sas' | 'bearer' | 'none';

/** One request the topic answered. */
export interface TopicRequestRecord {
  method: string;
  /** Path without query. */
  path: string;
  apiVersion?: string;
  /** Status sent, or 0 when the connection was dropped by a fault. */
  status: number;
  auth: TopicCredentialKind;
  /** Bearer requests whose token could be read, accepted or not. */
  callerObjectId?: string;
}

/** The credential a publish was accepted with; bearer callers are known by object id, like ARM callers. */
interface Accepted {
  auth: Exclude<TopicCredentialKind, 'none'>;
  callerObjectId?: string;
}

interface ReceivedBase extends Accepted {
  /** `x-ms-request-id` of the publish it came in: events of one `send` share it. */
  requestId: string;
}

/** An event the topic accepted, as it was published. */
export type TopicReceivedEvent =
  | (ReceivedBase & { schema: 'CloudEventSchemaV1_0'; event: PublishedCloudEvent })
  | (ReceivedBase & { schema: 'EventGridSchema'; event: PublishedEventGridEvent });

/** What tests see of the topic, and how they make it fail. */
export interface SandboxTopic {
  /** Accepted events in arrival order (deep copies). */
  readonly received: readonly TopicReceivedEvent[];
  /** Every request answered or dropped, in order. */
  readonly requests: readonly TopicRequestRecord[];
  /** Forgets `received` and `requests` (armed faults stay; `faults.clear()` removes them). */
  clear(): void;
  /** Faults applied before authentication, as a front end failing would. */
  readonly faults: FaultInjector;
  /** Calls `listener` with each accepted event (the demo console); returns an unsubscribe function. */
  onReceive(listener: (received: TopicReceivedEvent) => void): () => void;
}

export interface EventGridTopicOptions {
  /** PEM key and certificate; the sandbox shares its ARM listener's, so one `ca` covers all. */
  tls: { key: string; cert: string };
  /** The topic's access key (base64), as `az eventgrid topic key list` shows key1. */
  key: string;
  /** The only tenant whose bearer tokens the topic takes. */
  tenantId: string;
  limits?: Partial<TopicLimits>;
}

/** An answer the topic gives instead of accepting. */
class TopicError extends Error {
  override readonly name = 'TopicError';
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detailCode: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** `code` is .NET's HttpStatusCode name, as in the recorded `NotFound`. */
const STATUS_CODES: Readonly<Record<PublishRejected['status'], string>> = {
  400: 'BadRequest',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
};

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

type Presented =
  | { kind: 'key'; key: string }
  | { kind: 'sas'; token: string }
  | { kind: 'bearer'; token: string }
  | { kind: 'none'; unsupportedScheme?: boolean };

/** Which credential a request carries; the first of key, SAS, Authorization, query key wins. */
function presentedCredential(request: IncomingMessage, url: URL): Presented {
  const key = firstHeader(request.headers['aeg-sas-key']);
  if (key !== undefined) return { kind: 'key', key };
  const sas = firstHeader(request.headers['aeg-sas-token']);
  if (sas !== undefined) return { kind: 'sas', token: sas };
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const match = /^(\S+)\s+(.+)$/.exec(authorization.trim());
    const scheme = match?.[1]?.toLowerCase();
    const value = match?.[2] ?? '';
    if (scheme === 'sharedaccesssignature') return { kind: 'sas', token: value };
    if (scheme === 'bearer') return { kind: 'bearer', token: value };
    return { kind: 'none', unsupportedScheme: true };
  }
  const queryKey = url.searchParams.get('aeg-sas-key');
  if (queryKey !== null) return { kind: 'key', key: queryKey };
  return { kind: 'none' };
}

/** One custom topic: its HTTPS listener, what it accepted, its faults. */
export class EventGridTopic implements SandboxTopic {
  readonly faults = new FaultTable();
  private readonly events: TopicReceivedEvent[] = [];
  private readonly records: TopicRequestRecord[] = [];
  private readonly delays = new Delays();
  private readonly listeners = new Set<(received: TopicReceivedEvent) => void>();
  private readonly server: https.Server;
  private readonly limits: TopicLimits;
  private baseUrl = '';
  private closed = false;

  constructor(private readonly options: EventGridTopicOptions) {
    if (options.key === '' || Buffer.from(options.key, 'base64').toString('base64') !== options.key) {
      throw new Error('The Event Grid topic key must be base64 (Event Grid keys are 32 random bytes, base64), like the one the sandbox generates.');
    }
    this.limits = { ...EVENT_GRID_TOPIC_LIMITS, ...options.limits };
    this.server = https.createServer(options.tls, (request, response) => {
      this.serve(request, response).catch((error: unknown) => {
        // Only reached if answering itself failed (socket already gone); nothing left to tell the client.
        if (!response.headersSent) response.destroy(error instanceof Error ? error : undefined);
      });
    });
  }

  /** `https://127.0.0.1:<port>/api/events`: what `EventGridPublisherClient` is given. */
  get endpoint(): string {
    return `${this.baseUrl}${EVENT_GRID_TOPIC_PATH}`;
  }

  get received(): readonly TopicReceivedEvent[] {
    return structuredClone(this.events);
  }

  onReceive(listener: (received: TopicReceivedEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get requests(): readonly TopicRequestRecord[] {
    return this.records.map((record) => ({ ...record }));
  }

  clear(): void {
    this.events.length = 0;
    this.records.length = 0;
  }

  async listen(): Promise<void> {
    this.baseUrl = await listenOnLoopback(this.server);
  }

  /** Stops listening, drops open connections and answers nothing more to requests held by a delay fault. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.delays.wakeAll();
    if (!this.server.listening) return;
    const closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closing;
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = (request.method ?? 'GET').toUpperCase();
    const url = new URL(request.url ?? '/', this.baseUrl);
    const apiVersion = url.searchParams.get('api-version') ?? undefined;
    const requestId = randomUUID();
    const presented = presentedCredential(request, url);
    const bearerCaller = presented.kind === 'bearer' ? decodeSandboxToken(presented.token) : undefined;
    const callerObjectId = typeof bearerCaller === 'object' ? bearerCaller.objectId : undefined;
    const record = (status: number): void => {
      this.records.push({
        method,
        path: url.pathname,
        ...(apiVersion !== undefined ? { apiVersion } : {}),
        status,
        auth: presented.kind,
        ...(callerObjectId !== undefined ? { callerObjectId } : {}),
      });
    };
    const drop = (): void => {
      record(0);
      request.socket.destroy();
    };
    const send = (status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void => {
      record(status);
      const text = body === undefined ? '' : JSON.stringify(body);
      response
        .writeHead(status, {
          'api-supported-versions': EVENT_GRID_PUBLISH_API_VERSION,
          'x-ms-request-id': requestId,
          ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
          'content-length': String(Buffer.byteLength(text)),
          ...headers,
        })
        .end(text);
    };
    const sendError = (error: TopicError): void => {
      // Event Grid repeats the error as its one detail, with a finer code (recorded 404).
      const message = `${error.message} Report '${requestId}:${formatServiceTime(new Date())} (UTC)' to our forums for assistance or raise a support ticket.`;
      send(error.status, { error: { code: error.code, message, details: [{ code: error.detailCode, message }] } }, error.headers);
    };

    // Faults stand for failures in front of the topic's own checks, so they come first.
    const fault = this.faults.take(method, url.pathname);
    if (fault !== undefined) {
      if (fault.delayMs !== undefined) await this.delays.sleep(fault.delayMs);
      if (this.closed || fault.resetConnection === true) return drop();
      if (fault.status !== 0) return sendError(faultError(fault));
    }

    try {
      // Read whole before answering (an answer mid-upload resets the client's socket).
      const body = await readBody(request, this.limits.maxBatchBytes).catch((error: unknown) => {
        if (error instanceof BodyTooLargeError) return undefined;
        throw error;
      });
      if (url.pathname.toLowerCase() !== EVENT_GRID_TOPIC_PATH) throw this.notFound(url);
      if (method !== 'POST') {
        throw new TopicError(405, 'MethodNotAllowed', 'MethodNotAllowed', `The requested resource does not support http method '${method}'.`, { allow: 'POST' });
      }
      const accepted = this.authenticate(presented, bearerCaller);
      if (body === undefined) {
        throw new TopicError(413, 'RequestEntityTooLarge', 'PayloadTooLarge', `The maximum size (${this.limits.maxBatchBytes}) has been exceeded.`);
      }
      if (apiVersion === undefined) throw badRequest('InvalidApiVersion', `The api-version query parameter is required. Supported versions: ${EVENT_GRID_PUBLISH_API_VERSION}.`);
      if (apiVersion !== EVENT_GRID_PUBLISH_API_VERSION) {
        throw badRequest('InvalidApiVersion', `The api-version '${apiVersion}' is not supported. Supported versions: ${EVENT_GRID_PUBLISH_API_VERSION}.`);
      }
      const mode = bodyModeOf(request.headers['content-type']);
      if (mode === undefined) throw unsupportedContentType();
      this.accept(parsePublish(body, mode, this.limits), accepted, requestId);
      send(200, undefined);
    } catch (error) {
      if (error instanceof TopicError) return sendError(error);
      if (error instanceof PublishRejected) {
        return sendError(new TopicError(error.status, STATUS_CODES[error.status], error.detailCode, error.message));
      }
      // A sandbox bug: answer like the service would, and make it visible to whoever runs the sandbox.
      console.error('sandbox: Event Grid topic internal error while serving', method, url.pathname, error);
      sendError(new TopicError(500, 'InternalServerError', 'InternalServerError', `The sandbox failed: ${error instanceof Error ? error.message : String(error)}`));
    }
  }

  private notFound(url: URL): TopicError {
    // Recorded wording (recording_does_not_append_apievents.json).
    return new TopicError(404, 'NotFound', 'ResourceNotFound', `No HTTP resource was found that matches the request URI '${this.baseUrl}${url.pathname}${url.search}'.`);
  }

  /** The accepted credential, or a 401 in Event Grid's words. */
  private authenticate(presented: Presented, bearerCaller: SandboxCaller | TokenProblem | undefined): Accepted {
    // Event Grid names the topic's host in upper case ("… not authorized for MYTOPIC.EASTUS-1.EVENTGRID.AZURE.NET").
    const host = new URL(this.baseUrl).host.toUpperCase();
    const notAuthorized = (reason: string): TopicError =>
      new TopicError(401, 'Unauthorized', 'Unauthorized', `The request authorization key is not authorized for ${host}. This is due to the reason: ${reason}`);
    switch (presented.kind) {
      case 'key':
        if (!keyMatches(presented.key, this.options.key)) throw notAuthorized('The key does not match the topic key.');
        return { auth: 'key' };
      case 'sas': {
        const check = verifySharedAccessSignature(presented.token, { key: this.options.key, topicUrl: this.endpoint });
        if (check.ok) return { auth: 'sas' };
        const reasons = {
          malformed: "The SAS token is malformed: expected 'r=<resource>&e=<expiry>&s=<signature>'.",
          resource: `The SAS token's resource is not ${this.endpoint} or a prefix of it.`,
          signature: 'The SAS token signature does not match the topic key.',
          expired: 'The SAS token has expired.',
        } as const;
        throw notAuthorized(reasons[check.problem]);
      }
      case 'bearer': {
        if (bearerCaller === undefined || bearerCaller === 'invalid') throw notAuthorized('The access token is invalid.');
        if (bearerCaller === 'expired') throw notAuthorized('The access token has expired.');
        if (bearerCaller.tenantId !== this.options.tenantId) {
          throw notAuthorized(`The access token is from tenant '${bearerCaller.tenantId}'; this topic belongs to tenant '${this.options.tenantId}'.`);
        }
        return { auth: 'bearer', callerObjectId: bearerCaller.objectId };
      }
      case 'none':
        if (presented.unsupportedScheme === true) {
          throw new TopicError(401, 'Unauthorized', 'Unauthorized', 'Request has an unsupported Authorization scheme (must be SharedAccessSignature or Bearer).');
        }
        throw new TopicError(401, 'Unauthorized', 'Unauthorized', 'Request must contain one of the following authorization signature: aeg-sas-token, aeg-sas-key.');
    }
  }

  private accept(parsed: ParsedPublish, accepted: Accepted, requestId: string): void {
    const base: ReceivedBase = { ...accepted, requestId };
    // Two loops so each event keeps the type its schema gives it.
    const from = this.events.length;
    if (parsed.schema === 'CloudEventSchemaV1_0') {
      for (const event of parsed.events) this.events.push({ ...base, schema: parsed.schema, event });
    } else {
      for (const event of parsed.events) this.events.push({ ...base, schema: parsed.schema, event });
    }
    for (const received of this.events.slice(from)) for (const listener of this.listeners) listener(structuredClone(received));
  }


}

function badRequest(detailCode: string, message: string): TopicError {
  return new TopicError(400, 'BadRequest', detailCode, message);
}

function faultError(fault: FaultSpec): TopicError {
  const retryAfter: Record<string, string> =
    fault.status === 429 || fault.status === 503 ? { 'retry-after': String(fault.retryAfterSeconds ?? 1) } : {};
  const code = fault.code ?? defaultFaultCode(fault.status);
  return new TopicError(fault.status, code, code, defaultFaultMessage(fault.status), retryAfter);
}
