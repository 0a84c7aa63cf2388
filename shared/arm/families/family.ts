import type { TokenCredential } from '@azure/core-auth';
import type { Change } from '../../remediator.js';
import type { GraphQuery } from '../resourceGraph/queries.js';
import type { GraphRow } from '../resourceGraph/rows.js';
import type { ArmResourceId } from '../resourceId.js';
import type { ResourceSnapshot } from '../snapshot.js';

/** One resource a sweep decides on, and whether its own properties came from Resource Graph. */
export interface SweepItem {
  snapshot: ResourceSnapshot;
  /**
   * True: the resource itself is Resource Graph's copy, which can lag ARM. It may be judged
   * compliant from it; anything else is re-read from ARM first. Children and data-plane
   * state ARG does not carry are always read live.
   */
  fromGraph: boolean;
}

/** How a family's top-level resources are found through Resource Graph instead of per-subscription listings. */
export interface GraphListing {
  readonly query: GraphQuery;
  /**
   * The snapshots of every row the query returned in the sweep's scope, completed live where
   * ARG does not carry what remediators judge (children from ARM, data plane, PIM, Graph).
   */
  expand(rows: readonly GraphRow[], options: CallOptions): AsyncIterable<SweepItem>;
}

export interface AppliedChange {
  apiVersion: string;
  /** The resource as ARM returned it from the write; undefined when the response cannot tell. */
  after?: ResourceSnapshot;
  /** ARM acknowledged a DELETE: there is nothing left to re-read. */
  deleted?: boolean;
}

export type CallOptions = { abortSignal?: AbortSignal };

/** How the SDK clients of a family reach ARM: the gateway's connection, shared by all families. */
export interface ClientSettings {
  credential: TokenCredential;
  endpoint?: string;
  ca?: string;
  maxRetries: number;
}

/**
 * The resource types of one Azure service (one SDK client per subscription), behind the
 * gateway: read a live resource, apply a planned change, list a subscription for the sweep.
 * Errors are raw SDK errors; the gateway classifies them.
 */
export interface ResourceFamily {
  /** ARM types it reads (compared case-insensitively). */
  readonly types: readonly string[];
  /** Change operations it applies: `<prefix>.<verb>`, by prefix. */
  readonly operationPrefixes: readonly string[];
  read(id: ArmResourceId, options: CallOptions): Promise<ResourceSnapshot>;
  apply(change: Change, options: CallOptions): Promise<AppliedChange>;
  /** Every resource of its types in a subscription, through list APIs with paging. */
  list(subscriptionId: string, options: CallOptions): AsyncIterable<ResourceSnapshot>;
  /**
   * The resource itself as ARM has it now, keeping what the sweep read live beside it (keys,
   * PIM, the directory): a sweep's doubt is about Resource Graph's copy. Absent: `read`.
   */
  refresh?(indexed: ResourceSnapshot, options: CallOptions): Promise<ResourceSnapshot>;
  /** Absent: ARG does not index the family's types, and the sweep lists them per subscription. */
  readonly graph?: GraphListing;
  apiVersionOf(change: Change): string;
}

export function requireResourceGroup(id: ArmResourceId): string {
  if (id.resourceGroup === undefined) throw new Error(`resource id has no resource group: ${id.id}`);
  return id.resourceGroup;
}

/** The options every ARM client of the gateway takes: endpoint, trusted CA, bounded retries. */
export function armClientOptions(settings: ClientSettings): { endpoint?: string; tlsOptions?: { ca: string }; retryOptions: { maxRetries: number; maxRetryDelayInMs: number } } {
  return {
    ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
    ...(settings.ca === undefined ? {} : { tlsOptions: { ca: settings.ca } }),
    retryOptions: { maxRetries: settings.maxRetries, maxRetryDelayInMs: 10_000 },
  };
}

/**
 * Per-subscription SDK clients whose package is imported on first use: most events never
 * concern a given service, and cold start pays for every import.
 */
export class LazyClientCache<C> {
  private readonly clients = new Map<string, Promise<C>>();

  constructor(private readonly create: (subscriptionId: string) => Promise<C>) {}

  for(subscriptionId: string): Promise<C> {
    let client = this.clients.get(subscriptionId);
    if (client === undefined) {
      client = this.create(subscriptionId);
      this.clients.set(subscriptionId, client);
    }
    return client;
  }
}

/** Per-subscription SDK clients, created once and kept for the process. */
export class ClientCache<C> {
  private readonly clients = new Map<string, C>();

  constructor(private readonly create: (subscriptionId: string) => C) {}

  for(subscriptionId: string): C {
    let client = this.clients.get(subscriptionId);
    if (client === undefined) {
      client = this.create(subscriptionId);
      this.clients.set(subscriptionId, client);
    }
    return client;
  }
}
