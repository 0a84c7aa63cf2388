/**
 * The pipeline's only door to ARM: read a live resource, apply a planned change, list a
 * subscription. Backed by the real Azure SDK clients, one family of resource types per Azure
 * service (families/); the sandbox and Azure differ only in the endpoint and credential.
 */
import type { TokenCredential } from '@azure/core-auth';
import { classifyArmError } from '../errors.js';
import type { Change } from '../remediator.js';
import { GraphDirectory } from './directory.js';
import { AuthorizationFamily } from './families/authorization.js';
import { DiagnosticSettingsFamily, DiagnosticsReader, withDiagnosticSettings } from './families/diagnostics.js';
import type { AppliedChange, ClientSettings, ResourceFamily, SweepItem } from './families/family.js';
import { KeyVaultFamily } from './families/keyVault.js';
import { LogAnalyticsFamily } from './families/logAnalytics.js';
import { StorageFamily } from './families/storage.js';
import { SUBSCRIPTIONS_QUERY } from './resourceGraph/queries.js';
import { ResourceGraphReader, type GraphStats } from './resourceGraph/reader.js';
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
   * Every resource of the readable types in a subscription, through list APIs with paging (one
   * call per page, and one child listing per parent, never one GET per resource).
   */
  list(subscriptionId: string, signal?: AbortSignal): AsyncIterable<ResourceSnapshot>;
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

export type SweepSource = 'resource-graph' | 'list-apis';

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

  async *list(subscriptionId: string, signal?: AbortSignal): AsyncIterable<ResourceSnapshot> {
    try {
      for (const family of this.families) yield* family.list(subscriptionId, signal === undefined ? {} : { abortSignal: signal });
    } catch (error) {
      throw classifyArmError(error, `/subscriptions/${subscriptionId}`);
    }
  }

  async *sweep(subscriptions: readonly string[], source: SweepSource, signal?: AbortSignal): AsyncIterable<SweepItem> {
    const options = signal === undefined ? {} : { abortSignal: signal };
    for (const family of this.families) {
      const graph = source === 'resource-graph' ? family.graph : undefined;
      try {
        if (graph !== undefined) {
          // Every page first, then the decisions: the sweep's own writes (a revoked assignment)
          // change the result set, and pages fetched after them could skip rows.
          const rows: GraphRow[] = [];
          for await (const page of this.graph.pages(graph.query, { subscriptions }, options)) rows.push(...page);
          yield* graph.expand(rows, options);
        } else {
          for (const subscriptionId of subscriptions) {
            for await (const snapshot of family.list(subscriptionId, options)) yield { snapshot, fromGraph: false };
          }
        }
      } catch (error) {
        throw classifyArmError(error, graph === undefined ? `/subscriptions/${subscriptions.join(',')}` : '/providers/Microsoft.ResourceGraph/resources');
      }
    }
  }

  async subscriptionsUnder(managementGroups: readonly string[], signal?: AbortSignal): Promise<ReadonlySet<string>> {
    const found = new Set<string>();
    for await (const rows of this.graph.pages(SUBSCRIPTIONS_QUERY, { managementGroups }, signal === undefined ? {} : { abortSignal: signal })) {
      for (const row of rows) {
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
