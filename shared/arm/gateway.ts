/**
 * The pipeline's only door to ARM: read a live resource, apply a planned change, sweep
 * subscriptions. Backed by the real Azure SDK clients, one family of resource types per Azure
 * service (families/); the sandbox and Azure differ only in the endpoint and credential.
 */
import type { TokenCredential } from '@azure/core-auth';
import { mapAhead } from '../concurrency.js';
import { classifyArmError, PermanentError } from '../errors.js';
import type { Change } from '../remediator.js';
import { GraphDirectory } from './directory.js';
import { AuthorizationFamily } from './families/authorization.js';
import { DiagnosticSettingsFamily, DiagnosticsReader, withDiagnosticSettings } from './families/diagnostics.js';
import type { AppliedChange, CallOptions, ClientSettings, ResourceFamily, SweepItem } from './families/family.js';
import { KeyVaultFamily } from './families/keyVault.js';
import { LogAnalyticsFamily } from './families/logAnalytics.js';
import { StorageFamily } from './families/storage.js';
import { SUBSCRIPTIONS_QUERY } from './resourceGraph/queries.js';
import { GRAPH_PAGE_SIZE, ResourceGraphReader, type GraphStats } from './resourceGraph/reader.js';
import type { GraphRow } from './resourceGraph/rows.js';
import { parseResourceId, type ArmResourceId } from './resourceId.js';
import type { ResourceSnapshot } from './snapshot.js';

export type { AppliedChange, SweepItem } from './families/family.js';

export interface ArmGateway {
  /** Types this gateway can read: the router skips events for anything else (0 ARM calls). */
  canRead(id: ArmResourceId): boolean;
  /** Throws ResourceGoneError (404), TransientError or PermanentError. */
  read(id: ArmResourceId, signal?: AbortSignal): Promise<ResourceSnapshot>;
  /**
   * A swept resource as ARM has it now (Resource Graph's copy may lag), keeping what the sweep
   * read live beside it (keys, PIM, settings). Throws like `read`.
   */
  refresh(indexed: ResourceSnapshot, signal?: AbortSignal): Promise<ResourceSnapshot>;
  apply(change: Change, signal?: AbortSignal): Promise<AppliedChange>;
  /** The api-version the SDK sends for a change; recorded in the audit intent before the write. */
  apiVersionOf(change: Change): string;
  /**
   * What a sweep decides on across many subscriptions. `resource-graph`: one paged Resource
   * Graph query per family ARG indexes, across all of them at once (children and data-plane
   * state still read from ARM); `list-apis`: `list` per subscription.
   */
  sweep(subscriptions: readonly string[], source: SweepSource, signal?: AbortSignal): AsyncIterable<SweepItem>;
  /** The subscriptions under management groups, through Resource Graph. */
  subscriptionsUnder(managementGroups: readonly string[], signal?: AbortSignal): Promise<ReadonlySet<string>>;
  /** Resource Graph requests so far (throttled included), for the sweep's record and benchmarks. */
  readonly graphStats: Readonly<GraphStats>;
}

export type SweepSource = 'resource-graph' | 'list-apis' | 'auto';

/**
 * `auto`: a family goes through Resource Graph only when its pages are at most this share of
 * the per-subscription listings they replace. Resource Graph's quota is per user for the whole
 * tenant (15 queries per 5 s, 3 a second), while each subscription has its own ARM budget
 * (250 reads at once, 25 a second): a query must save several listings to be worth its quota.
 * Measured: 88 pages of role assignments for 100 subscriptions wait ~20 s on the quota where 100
 * listings do not wait at all (README, benchmark).
 */
export const AUTO_GRAPH_PAGES_PER_SUBSCRIPTION = 0.25;

/** Subscriptions whose listings of one family a sweep keeps in flight. */
const SUBSCRIPTIONS_LISTED_AHEAD = 4;

export interface ArmConnection {
  credential: TokenCredential;
  /** Microsoft Graph, for whether a role assignment's principal still exists; the sandbox serves it too. */
  graphEndpoint?: string;
  /** ARM endpoint; the sandbox's https URL locally. */
  endpoint?: string;
  /** Extra CA to trust (the sandbox's self-signed certificate). */
  ca?: string;
  /** SDK retries for 429/5xx (honouring Retry-After) before the pipeline gives up. */
  maxRetries?: number;
}

export class SdkArmGateway implements ArmGateway {
  private readonly families: readonly ResourceFamily[];
  private readonly graph: ResourceGraphReader;

  /** @param scope - what the sweep lists beyond whole resource types: the audit tables of each workspace. */
  constructor(connection: ArmConnection, scope: { auditTables?: readonly string[] } = {}) {
    const settings: ClientSettings = {
      credential: connection.credential,
      maxRetries: connection.maxRetries ?? 3,
      ...(connection.endpoint === undefined ? {} : { endpoint: connection.endpoint }),
      ...(connection.ca === undefined ? {} : { ca: connection.ca }),
    };
    // Snapshots of monitored types (resourceTypes.ts) carry their diagnostic settings, whichever family reads them.
    const diagnostics = new DiagnosticsReader(settings);
    this.families = [
      new StorageFamily(settings),
      new AuthorizationFamily(settings, new GraphDirectory(connection.credential, connection.graphEndpoint, connection.ca)),
      new LogAnalyticsFamily(settings, scope.auditTables ?? []),
      new DiagnosticSettingsFamily(diagnostics),
      new KeyVaultFamily(settings),
      // (more families: insert above this line)
    ].map((family) => withDiagnosticSettings(family, diagnostics));
    this.graph = new ResourceGraphReader(settings);
  }

  get graphStats(): Readonly<GraphStats> {
    return this.graph.stats;
  }

  canRead(id: ArmResourceId): boolean {
    return this.familyOfType(id.resourceType) !== undefined;
  }

  async read(id: ArmResourceId, signal?: AbortSignal): Promise<ResourceSnapshot> {
    try {
      const family = this.familyOfType(id.resourceType);
      if (family === undefined) throw new Error(`no reader for resource type ${id.resourceType}`);
      return await family.read(id, signal === undefined ? {} : { abortSignal: signal });
    } catch (error) {
      throw classifyArmError(error, id.id);
    }
  }

  async refresh(indexed: ResourceSnapshot, signal?: AbortSignal): Promise<ResourceSnapshot> {
    const options = signal === undefined ? {} : { abortSignal: signal };
    try {
      const family = this.familyOfType(indexed.id.resourceType);
      if (family === undefined) throw new Error(`no reader for resource type ${indexed.id.resourceType}`);
      return await (family.refresh === undefined ? family.read(indexed.id, options) : family.refresh(indexed, options));
    } catch (error) {
      throw classifyArmError(error, indexed.id.id);
    }
  }

  async apply(change: Change, signal?: AbortSignal): Promise<AppliedChange> {
    try {
      return await this.familyOfChange(change).apply(change, signal === undefined ? {} : { abortSignal: signal });
    } catch (error) {
      throw classifyArmError(error, parseResourceId(change.resourceId).id);
    }
  }

  apiVersionOf(change: Change): string {
    return this.familyOfChange(change).apiVersionOf(change);
  }

  async *sweep(subscriptions: readonly string[], source: SweepSource, signal?: AbortSignal): AsyncIterable<SweepItem> {
    const fetching = new AbortController();
    const options = { abortSignal: signal === undefined ? fetching.signal : AbortSignal.any([signal, fetching.signal]) };
    const rowsOf = source === 'list-apis' ? new Map<ResourceFamily, Promise<GraphRow[] | undefined>>() : this.prefetchRows(subscriptions, source, options);
    try {
      for (const family of this.families) {
        const graph = family.graph;
        const fetched = rowsOf.get(family);
        try {
          const rows = await fetched;
          if (graph !== undefined && rows !== undefined) {
            yield* graph.expand(rows, options);
          } else {
            for await (const snapshot of this.listEach(family, subscriptions, options)) yield { snapshot, fromGraph: false };
          }
        } catch (error) {
          throw classifyArmError(error, fetched === undefined ? `/subscriptions/${subscriptions.join(',')}` : '/providers/Microsoft.ResourceGraph/resources');
        }
      }
    } finally {
      fetching.abort();
    }
  }

  /**
   * A family's list APIs over the subscriptions. One subscription streams; several are listed a
   * few at a time (each has its own ARM budget), each subscription's listing kept whole until its
   * turn, in order.
   */
  private async *listEach(family: ResourceFamily, subscriptions: readonly string[], options: CallOptions): AsyncIterable<ResourceSnapshot> {
    if (subscriptions.length === 1) {
      yield* family.list(subscriptions[0]!, options);
      return;
    }
    const listed = mapAhead(subscriptions, SUBSCRIPTIONS_LISTED_AHEAD, async (subscriptionId) => {
      const snapshots: ResourceSnapshot[] = [];
      for await (const snapshot of family.list(subscriptionId, options)) snapshots.push(snapshot);
      return snapshots;
    });
    for await (const snapshots of listed) yield* snapshots;
  }

  /**
   * Every row of every family Resource Graph indexes, one query at a time (its quota is per
   * user) and ahead of the decisions: while one family's children are read and judged, the next
   * family's pages (and the quota's waits) are already under way. A family's decisions start
   * only once all its pages are in: the sweep's own writes (a revoked assignment) change the
   * result set, and pages fetched after them could skip rows.
   */
  private prefetchRows(subscriptions: readonly string[], source: 'resource-graph' | 'auto', options: { abortSignal: AbortSignal }): Map<ResourceFamily, Promise<GraphRow[] | undefined>> {
    const rowsOf = new Map<ResourceFamily, Promise<GraphRow[] | undefined>>();
    const worthIt = (totalRecords: number): boolean => source === 'resource-graph' || Math.ceil(totalRecords / GRAPH_PAGE_SIZE) <= Math.max(1, subscriptions.length * AUTO_GRAPH_PAGES_PER_SUBSCRIPTION);
    let previous: Promise<unknown> = Promise.resolve();
    for (const family of this.families) {
      const graph = family.graph;
      if (graph === undefined) continue;
      // Undefined: the family is listed per subscription after all (auto, too many pages).
      const rows = previous.then(async (): Promise<GraphRow[] | undefined> => {
        const all: GraphRow[] = [];
        try {
          for await (const page of this.graph.pages(graph.query, { subscriptions }, options)) {
            if (all.length === 0 && !worthIt(page.totalRecords)) return undefined;
            all.push(...page.rows);
          }
        } catch (error) {
          // Refused for good (403 without Microsoft.ResourceGraph/resources/read, a 400): the list
          // APIs still see everything, and the sweep's record says so. Transient: the sweep fails.
          if (!(error instanceof PermanentError)) throw error;
          this.graph.stats.fallbacks.push({ type: graph.query.type, reason: error.message });
          return undefined;
        }
        return all;
      });
      // Awaited when its family's turn comes; until then a failure must not count as unhandled.
      rows.catch(() => undefined);
      rowsOf.set(family, rows);
      previous = rows.catch(() => undefined);
    }
    return rowsOf;
  }

  async subscriptionsUnder(managementGroups: readonly string[], signal?: AbortSignal): Promise<ReadonlySet<string>> {
    const found = new Set<string>();
    for await (const page of this.graph.pages(SUBSCRIPTIONS_QUERY, { managementGroups }, signal === undefined ? {} : { abortSignal: signal })) {
      for (const row of page.rows) {
        const id = /^\/subscriptions\/([0-9a-f-]{36})$/i.exec(row.id)?.[1];
        if (id !== undefined) found.add(id.toLowerCase());
      }
    }
    return found;
  }

  private familyOfType(type: string): ResourceFamily | undefined {
    const key = type.toLowerCase();
    return this.families.find((family) => family.types.some((t) => t.toLowerCase() === key));
  }

  private familyOfChange(change: Change): ResourceFamily {
    const prefix = change.operation.split('.')[0] ?? '';
    const family = this.families.find((f) => f.operationPrefixes.includes(prefix));
    if (family === undefined) throw new Error(`no family applies ${change.operation}`);
    return family;
  }
}
