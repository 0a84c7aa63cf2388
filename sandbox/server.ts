import { BodyTooLargeError, readBody } from '../shared/httpBody.js';
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { Delays } from './loopback.js';
import { buildArmEvent } from './armEvents.js';
import { idKey, parseArmPath, subscriptionOf } from './armPath.js';
import { createSelfSignedCertificate } from './certificate.js';
import { SANDBOX_TENANT_ID, type SandboxCaller, decodeSandboxToken } from './credential.js';
import { ArmEngine, type ArmResult } from './engine.js';
import {
  ArmError,
  invalidRequestContent,
  missingApiVersion,
  noRegisteredProvider,
  throttled,
} from './errors.js';
import { EventGrid, type EventGridEmulator } from './eventgrid.js';
import { EventGridTopic, type SandboxTopic } from './eventgridTopic.js';
import { type FaultInjector, type FaultSpec, FaultTable, defaultFaultCode, defaultFaultMessage } from './faults.js';
import { KeyVault, type SandboxKeySpec } from './keyvault.js';
import { isGraphPath, serveGraph } from './graph.js';
import { ResourceGraph, type ResourceGraphQuotaLimits, type SandboxResourceGraph, isResourceGraphPath } from './resourceGraph.js';
import { serveTenantRoleDefinition } from './providers/authorization.js';
import { PROVIDERS } from './providers/index.js';
import { KEY_VAULT_VAULTS, createKeyVaultProvider, keyVaultProvider } from './providers/keyVault.js';
import { HEALTHCARE_SUBSCRIPTION_ID } from './seed.js';
import { type ArmResource, type ManagementGroup, type SandboxState, parseSandboxState } from './state.js';
import { ResourceStore } from './store.js';
import { ARM_THROTTLE_LIMITS, type RequestCategory, Throttle, type ThrottleLimits, categoryOf } from './throttle.js';

/** How to start a sandbox. */
export interface SandboxOptions {
  /** Initial resources (DESIGN §9 format); empty when absent. */
  state?: SandboxState;
  /** Port on 127.0.0.1 (default 0: any free port). */
  port?: number;
  /** Items per list page before a nextLink (default 100). */
  pageSize?: number;
  /** How long Event Grid collects events into a batch (default 10 ms). */
  eventBatchWindowMs?: number;
  /** ARM's per-caller token buckets (default on, ARM's sizes); `false` turns throttling off. */
  throttling?: Partial<ThrottleLimits> | false;
  /** Keys the sandbox's Key Vault holds from the start (EC P-256, sign/verify). */
  keys?: SandboxKeySpec[];
  /**
   * The `Microsoft.KeyVault/vaults` resource whose data plane `keyVaultUrl` is: its `vaultUri`
   * points there. Default: the first vault the state holds, else the first one created.
   */
  keyVaultName?: string;
  /** Access key of the custom Event Grid topic (base64); a fresh random 32-byte key when absent. */
  topicKey?: string;
  /** Resource Graph's per-user quota (default 15 queries per 5 s window); `false` turns it off. */
  resourceGraphQuota?: ResourceGraphQuotaLimits | false;
}

/** One ARM or Key Vault request the sandbox answered (Key Vault paths start with `/keys/`). */
export interface ArmRequestRecord {
  method: string;
  /** Path without query. */
  path: string;
  apiVersion?: string;
  /** Status sent, or 0 when the connection was dropped by a fault. */
  status: number;
  callerObjectId?: string;
}

/**
 * A resource written or deleted through ARM (a delete reports each cascaded child too, a write
 * the parent it shows on, such as a container showing its immutability policy).
 */
export interface SandboxChange {
  operation: 'write' | 'delete';
  /** The POST action that made the write (`lock`, `extend`). */
  action?: string;
  resourceId: string;
  resourceType: string;
  caller: SandboxCaller;
  before?: ArmResource;
  after?: ArmResource;
}

/** A running local Azure: ARM over HTTPS plus Event Grid, a Key Vault and a custom Event Grid topic. */
export interface Sandbox {
  /** e.g. `https://127.0.0.1:54321`. */
  readonly url: string;
  /** PEM certificate clients must trust (`tlsOptions: { ca }`); the Key Vault listener uses it too. */
  readonly ca: string;
  /**
   * The sandbox's one Key Vault, on its own port: `https://127.0.0.1:54322`. Key Vault
   * clients need `disableChallengeResourceVerification: true` (FACTS.md). The ARM vault it
   * belongs to (`SandboxOptions.keyVaultName`) has this as its `vaultUri`.
   */
  readonly keyVaultUrl: string;
  /**
   * The custom Event Grid topic's endpoint, on its own port: `https://127.0.0.1:54323/api/events`,
   * what `EventGridPublisherClient` is given (with `tlsOptions: { ca }`).
   */
  readonly topicEndpoint: string;
  /** The topic's access key: for `AzureKeyCredential`, or to sign SAS tokens with `generateSharedAccessSignature`. */
  readonly topicKey: string;
  /** What the topic accepted and was asked, and its faults (separate from the ARM `faults`). */
  readonly topic: SandboxTopic;
  /** Current state in DESIGN §9 format: a deep copy in stable order. */
  snapshot(): SandboxState;
  readonly requests: readonly ArmRequestRecord[];
  clearRequests(): void;
  readonly faults: FaultInjector;
  readonly eventGrid: EventGridEmulator;
  /** Resource Graph's query endpoint on the ARM host: freeze it to see its lag, count its queries. */
  readonly resourceGraph: SandboxResourceGraph;
  /** Calls `listener` for every change, before the response is sent; returns an unsubscribe function. */
  onChange(listener: (change: SandboxChange) => void): () => void;
  /** Stops listening, drops open connections and cancels pending event deliveries. */
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** ARM's own limit, answered as ARM answers it. */
async function readArmBody(request: IncomingMessage): Promise<string> {
  try {
    return await readBody(request, MAX_BODY_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw new ArmError(413, 'RequestEntityTooLarge', 'The request content size exceeds the maximum allowed size of 4 MB.');
    throw error;
  }
}

function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalidRequestContent(error instanceof Error ? error.message : 'malformed JSON');
  }
}

function authenticate(header: string | undefined): SandboxCaller {
  const token = bearerToken(header);
  const challenge = {
    'www-authenticate': 'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="The authentication failed."',
  };
  if (token === undefined) {
    throw new ArmError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.", challenge);
  }
  const decoded = decodeSandboxToken(token);
  if (decoded === 'expired') {
    throw new ArmError(401, 'ExpiredAuthenticationToken', 'The access token expiry UTC time is earlier than current UTC time.', challenge);
  }
  if (decoded === 'invalid') throw new ArmError(401, 'InvalidAuthenticationToken', 'The access token is invalid.', challenge);
  return decoded;
}

function faultError(fault: FaultSpec, category: RequestCategory): ArmError {
  const retryAfter: Record<string, string> =
    fault.status === 429 || fault.status === 503 ? { 'retry-after': String(fault.retryAfterSeconds ?? 1) } : {};
  if (fault.status === 429 && fault.code === undefined) {
    const error = throttled(category, fault.retryAfterSeconds ?? 1);
    return new ArmError(error.status, error.code, error.message, retryAfter);
  }
  return new ArmError(fault.status, fault.code ?? defaultFaultCode(fault.status), defaultFaultMessage(fault.status), retryAfter);
}

/** Per-request bookkeeping: ARM's ids and headers, and the record of what was answered. */
class Exchange {
  readonly requestId = randomUUID();
  readonly correlationId: string;
  readonly clientRequestId: string;
  readonly headers: Record<string, string> = {};
  caller: SandboxCaller | undefined;

  constructor(
    readonly request: IncomingMessage,
    readonly response: ServerResponse,
    readonly method: string,
    readonly url: URL,
    private readonly record: (entry: ArmRequestRecord) => void,
  ) {
    this.correlationId = firstHeader(request.headers['x-ms-correlation-request-id']) ?? randomUUID();
    this.clientRequestId = firstHeader(request.headers['x-ms-client-request-id']) ?? randomUUID();
    // Recorded even when authentication fails later, so tests can see who tried.
    const token = bearerToken(request.headers.authorization);
    const decoded = token === undefined ? undefined : decodeSandboxToken(token);
    this.caller = typeof decoded === 'object' ? decoded : undefined;
  }

  get apiVersion(): string | undefined {
    return this.url.searchParams.get('api-version') ?? undefined;
  }

  send(status: number, body: unknown, extraHeaders: Readonly<Record<string, string>> = {}): void {
    this.log(status);
    const headers: Record<string, string> = {
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      'x-ms-request-id': this.requestId,
      'x-ms-correlation-request-id': this.correlationId,
      ...this.headers,
      ...extraHeaders,
    };
    if (body === undefined) {
      this.response.writeHead(status, headers).end();
      return;
    }
    const text = JSON.stringify(body);
    headers['content-type'] = 'application/json; charset=utf-8';
    headers['content-length'] = String(Buffer.byteLength(text));
    this.response.writeHead(status, headers).end(text);
  }

  sendError(error: ArmError): void {
    this.send(error.status, error.toBody(), error.headers);
  }

  drop(): void {
    this.log(0);
    this.request.socket.destroy();
  }

  private log(status: number): void {
    const { apiVersion } = this;
    this.record({
      method: this.method,
      path: this.url.pathname,
      ...(apiVersion !== undefined ? { apiVersion } : {}),
      status,
      ...(this.caller !== undefined ? { callerObjectId: this.caller.objectId } : {}),
    });
  }
}

class SandboxServer implements Sandbox {
  readonly faults = new FaultTable();
  readonly eventGrid: EventGrid;
  private readonly records: ArmRequestRecord[] = [];
  private readonly listeners = new Set<(change: SandboxChange) => void>();
  private readonly delays = new Delays();
  private readonly engine: ArmEngine;
  readonly resourceGraph: ResourceGraph;
  private readonly throttle: Throttle | undefined;
  private readonly server: https.Server;
  private readonly keyVault: KeyVault;
  /** Name of the ARM vault whose data plane `keyVault` serves, once there is one. */
  private dataPlaneVault: string | undefined;
  private readonly eventGridTopic: EventGridTopic;
  readonly topicKey: string;
  private baseUrl = '';
  private closed = false;

  constructor(
    private readonly store: ResourceStore,
    private readonly directory: SandboxState['directory'],
    readonly ca: string,
    key: string,
    options: SandboxOptions,
    private readonly managementGroups: ManagementGroup[] | undefined = undefined,
  ) {
    this.dataPlaneVault = options.keyVaultName ?? store.viewOfType(KEY_VAULT_VAULTS)[0]?.name;
    // Vaults learn their vaultUri from the sandbox, which knows the data plane's port.
    const providers = PROVIDERS.map((provider) =>
      provider === keyVaultProvider ? createKeyVaultProvider({ urlFor: (name) => this.dataPlaneUrlFor(name) }) : provider,
    );
    this.engine = new ArmEngine(store, providers, { pageSize: options.pageSize ?? 100 });
    this.resourceGraph = new ResourceGraph({ store, engine: this.engine, providers, managementGroups, quota: options.resourceGraphQuota });
    this.throttle = options.throttling === false ? undefined : new Throttle({ ...ARM_THROTTLE_LIMITS, ...options.throttling });
    // Event Grid's system topic is per subscription; an empty sandbox stands for the demo's.
    const firstSubscription = store.all().map((resource) => subscriptionOf(resource.id)).find((id) => id !== undefined);
    this.eventGrid = new EventGrid({
      batchWindowMs: options.eventBatchWindowMs ?? 10,
      topic: `/subscriptions/${firstSubscription ?? HEALTHCARE_SUBSCRIPTION_ID}`,
    });
    this.keyVault = new KeyVault({ tls: { key, cert: ca }, tenantId: SANDBOX_TENANT_ID, record: (record) => this.records.push(record) });
    for (const spec of options.keys ?? []) this.keyVault.createKey(spec.name);
    this.topicKey = options.topicKey ?? randomBytes(32).toString('base64');
    this.eventGridTopic = new EventGridTopic({ tls: { key, cert: ca }, key: this.topicKey, tenantId: SANDBOX_TENANT_ID });
    this.server = https.createServer({ key, cert: ca }, (request, response) => {
      this.serve(request, response).catch((error: unknown) => {
        // Only reached if answering itself failed (socket already gone); nothing left to tell the client.
        if (!response.headersSent) response.destroy(error instanceof Error ? error : undefined);
      });
    });
  }

  get url(): string {
    return this.baseUrl;
  }

  get keyVaultUrl(): string {
    return this.keyVault.url;
  }

  get topicEndpoint(): string {
    return this.eventGridTopic.endpoint;
  }

  get topic(): SandboxTopic {
    return this.eventGridTopic;
  }

  get requests(): readonly ArmRequestRecord[] {
    return this.records.map((record) => ({ ...record }));
  }

  clearRequests(): void {
    this.records.length = 0;
  }

  snapshot(): SandboxState {
    return {
      resources: this.store.all(),
      ...(this.directory !== undefined ? { directory: structuredClone(this.directory) } : {}),
      ...(this.managementGroups !== undefined ? { managementGroups: structuredClone(this.managementGroups) } : {}),
    };
  }

  onChange(listener: (change: SandboxChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    this.baseUrl = `https://127.0.0.1:${address.port}`;
    try {
      await this.keyVault.listen();
      await this.eventGridTopic.listen();
      this.pointVaultAtDataPlane();
    } catch (error) {
      // startSandbox fails as a whole: no half-started sandbox keeps a port.
      this.server.close();
      await Promise.all([this.keyVault.close(), this.eventGridTopic.close()]);
      throw error;
    }
  }

  /** The data-plane URL when `vaultName` is the served vault; the first vault written claims it if none has. */
  private dataPlaneUrlFor(vaultName: string): string | undefined {
    this.dataPlaneVault ??= vaultName;
    return idKey(this.dataPlaneVault) === idKey(vaultName) ? this.keyVault.url : undefined;
  }

  /** A vault from the state file carries the vaultUri it had; the served one gets this run's port. */
  private pointVaultAtDataPlane(): void {
    const served = this.dataPlaneVault;
    if (served === undefined) return;
    for (const vault of this.store.ofType(KEY_VAULT_VAULTS, (resource) => idKey(resource.name) === idKey(served))) {
      this.store.put({ ...vault, properties: { ...vault.properties, vaultUri: this.keyVault.url } });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.eventGrid.close();
    this.delays.wakeAll();
    const closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await Promise.all([closing, this.keyVault.close(), this.eventGridTopic.close()]);
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = (request.method ?? 'GET').toUpperCase();
    // Clients that build `/{scope}/...` from a scope with a leading slash send `//subscriptions/...`;
    // ARM accepts it, and URL parsing would otherwise read "subscriptions" as a host.
    const url = new URL((request.url ?? '/').replace(/^\/{2,}/, '/'), this.baseUrl);
    const exchange = new Exchange(request, response, method, url, (record) => this.records.push(record));

    // Faults stand for failures in front of ARM's own checks, so they come before authentication.
    const fault = this.faults.take(method, url.pathname);
    if (fault !== undefined) {
      if (fault.delayMs !== undefined) await this.delays.sleep(fault.delayMs);
      if (this.closed) return exchange.drop();
      if (fault.resetConnection === true) return exchange.drop();
      if (fault.status !== 0) return exchange.sendError(faultError(fault, categoryOf(method)));
    }

    try {
      const body = await readArmBody(request);
      exchange.caller = authenticate(request.headers.authorization);
      // Graph shares the host but not ARM's api-version rule or ARM's throttling buckets.
      if (isGraphPath(url.pathname)) {
        const answer = serveGraph(method, url.pathname, parseJsonBody(body), this.directory);
        return exchange.send(answer.status, answer.body);
      }
      // Resource Graph too, with its own per-user quota instead.
      if (isResourceGraphPath(url.pathname)) {
        const { caller, correlationId, apiVersion } = exchange;
        const answer = this.resourceGraph.serve({ method, apiVersion, body, callerObjectId: caller.objectId, correlationId });
        return exchange.send(answer.status, answer.body, answer.headers);
      }
      this.applyThrottle(exchange, exchange.caller, categoryOf(method), url.pathname);
      const apiVersion = exchange.apiVersion;
      if (apiVersion === undefined) throw missingApiVersion();
      const tenantRole = serveTenantRoleDefinition(method, url.pathname, apiVersion);
      if (tenantRole !== undefined) return exchange.send(tenantRole.status, tenantRole.body);
      const path = parseArmPath(url.pathname);
      if (path === undefined) throw noRegisteredProvider(url.pathname);
      const result = this.engine.execute({
        method,
        path,
        rawPath: url.pathname,
        apiVersion,
        query: url.searchParams,
        body: method === 'PUT' || method === 'PATCH' || method === 'POST' ? parseJsonBody(body) : undefined,
        preconditions: {
          ...(request.headers['if-match'] !== undefined ? { ifMatch: request.headers['if-match'] } : {}),
          ...(request.headers['if-none-match'] !== undefined ? { ifNoneMatch: request.headers['if-none-match'] } : {}),
        },
        baseUrl: this.baseUrl,
        callerObjectId: exchange.caller.objectId,
        callerTenantId: exchange.caller.tenantId,
      });
      this.announce(result, exchange, exchange.caller, path.path);
      exchange.send(result.status, result.body, result.etag !== undefined ? { etag: result.etag } : {});
    } catch (error) {
      if (error instanceof ArmError) return exchange.sendError(error);
      // A sandbox bug: answer like ARM would, and make it visible to whoever runs the sandbox.
      console.error('sandbox: internal error while serving', method, url.pathname, error);
      exchange.sendError(new ArmError(500, 'InternalServerError', `The sandbox failed: ${error instanceof Error ? error.message : String(error)}`));
    }
  }

  /** ARM's buckets are per principal and subscription (tenant-level requests share the tenant's). */
  private applyThrottle(exchange: Exchange, caller: SandboxCaller, category: RequestCategory, pathname: string): void {
    if (this.throttle === undefined) return;
    const subscription = /^\/subscriptions\/([^/]+)/i.exec(pathname)?.[1]?.toLowerCase();
    const decision = this.throttle.take(caller.objectId, category, subscription ?? 'tenant');
    const header = `x-ms-ratelimit-remaining-${subscription === undefined ? 'tenant' : 'subscription'}-${category}`;
    if (!decision.allowed) {
      exchange.headers[header] = '0';
      throw throttled(category, decision.retryAfterSeconds);
    }
    exchange.headers[header] = String(decision.remaining);
  }

  /** Tells listeners about every change and publishes ARM's event for the request's target. */
  private announce(result: ArmResult, exchange: Exchange, caller: SandboxCaller, requestedId: string): void {
    for (const change of result.changes) {
      this.notify({
        operation: change.operation,
        ...(change.action !== undefined ? { action: change.action } : {}),
        resourceId: change.resourceId,
        resourceType: change.resourceType,
        caller,
        ...(change.before !== undefined ? { before: change.before } : {}),
        ...(change.after !== undefined ? { after: change.after } : {}),
      });
    }
    const target = result.changes[0];
    if (target === undefined) return;
    const remote = exchange.request.socket.remoteAddress ?? '127.0.0.1';
    this.eventGrid.publish([
      buildArmEvent({
        operation: target.operation,
        ...(target.action !== undefined ? { action: target.action } : {}),
        // An action's event names the resource it acted on, not the `/lock` URL (event-schema-subscriptions.md).
        resourceId: target.action === undefined ? requestedId : requestedId.slice(0, requestedId.lastIndexOf('/')),
        resourceType: target.resourceType,
        resourceProvider: result.namespace,
        created: target.operation === 'write' && target.before === undefined,
        caller,
        request: {
          method: exchange.method,
          url: `${this.baseUrl}${exchange.request.url ?? ''}`,
          clientRequestId: exchange.clientRequestId,
          correlationId: exchange.correlationId,
          clientIpAddress: remote.replace(/^::ffff:/, ''),
        },
        now: new Date(),
      }),
    ]);
  }

  private notify(change: SandboxChange): void {
    for (const listener of this.listeners) {
      try {
        listener(structuredClone(change));
      } catch (error) {
        // The write already happened; a failing listener must not turn it into an error
        // answer, but it must not go unnoticed either: rethrow outside the request.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }


}

/** Starts a sandbox on 127.0.0.1 with a fresh self-signed certificate. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const state = parseSandboxState(structuredClone(options.state ?? { resources: [] }));
  const { key, cert } = await createSelfSignedCertificate();
  const sandbox = new SandboxServer(new ResourceStore(state.resources), state.directory, cert, key, options, state.managementGroups);
  await sandbox.listen(options.port ?? 0);
  return sandbox;
}
