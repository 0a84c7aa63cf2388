/**
 * Microsoft.OperationalInsights through `@azure/arm-operationalinsights`: Log Analytics
 * workspaces and their tables (retention). Loaded on first use: most events concern neither.
 */
import type { OperationalInsightsManagementClient } from '@azure/arm-operationalinsights';
import type { Change } from '../../remediator.js';
import { childrenUnlessGone } from '../resourceGraph/children.js';
import { resourcesOfType } from '../resourceGraph/queries.js';
import { workspaceFromRow, type GraphRow } from '../resourceGraph/rows.js';
import { parseResourceId, type ArmResourceId } from '../resourceId.js';
import { LOG_TABLE, LOG_WORKSPACE } from '../resourceTypes.js';
import type { ResourceSnapshot } from '../snapshot.js';
import { armClientOptions, LazyClientCache, requireResourceGroup, type AppliedChange, type CallOptions, type ClientSettings, type GraphListing, type ResourceFamily, type SweepItem } from './family.js';

/** What @azure/arm-operationalinsights 11.0.0 sends (its default; 2025-02-01 has the same retention model). */
export const LOG_ANALYTICS_API_VERSION = '2025-07-01';

export class LogAnalyticsFamily implements ResourceFamily {
  readonly types = [LOG_WORKSPACE, LOG_TABLE];
  readonly operationPrefixes = ['workspaces', 'tables'];
  private readonly clients: LazyClientCache<OperationalInsightsManagementClient>;

  /** @param auditTables - the tables a sweep lists (the policy's); other tables are not judged. */
  constructor(
    settings: ClientSettings,
    private readonly auditTables: readonly string[],
  ) {
    this.clients = new LazyClientCache(async (subscriptionId) => {
      const { OperationalInsightsManagementClient: Client } = await import('@azure/arm-operationalinsights');
      return new Client(settings.credential, subscriptionId, armClientOptions(settings));
    });
  }

  async read(id: ArmResourceId, options: CallOptions): Promise<ResourceSnapshot> {
    const client = await this.clients.for(id.subscriptionId);
    const resourceGroup = requireResourceGroup(id);
    const [workspace, table] = id.names;
    if (workspace === undefined) throw new Error(`malformed workspace id ${id.id}`);
    if (id.resourceType.toLowerCase() === LOG_WORKSPACE.toLowerCase()) return { type: LOG_WORKSPACE, id, resource: await client.workspaces.get(resourceGroup, workspace, options) };
    if (table === undefined) throw new Error(`malformed table id ${id.id}`);
    return { type: LOG_TABLE, id, resource: await client.tables.get(resourceGroup, workspace, table, options) };
  }

  async apply(change: Change, options: CallOptions): Promise<AppliedChange> {
    const id = parseResourceId(change.resourceId);
    const client = await this.clients.for(id.subscriptionId);
    const resourceGroup = requireResourceGroup(id);
    const [workspace, table] = id.names;
    if (workspace === undefined) throw new Error(`malformed workspace id ${id.id}`);
    const applied = { apiVersion: LOG_ANALYTICS_API_VERSION };
    switch (change.operation) {
      case 'workspaces.update':
        return { ...applied, after: { type: LOG_WORKSPACE, id, resource: await client.workspaces.update(resourceGroup, workspace, change.body, options) } };
      case 'tables.update': {
        if (table === undefined) throw new Error(`malformed table id ${id.id}`);
        // A long-running operation: awaiting the poller waits for the final table.
        const resource = await client.tables.update(resourceGroup, workspace, table, change.body, options);
        return { ...applied, after: { type: LOG_TABLE, id, resource } };
      }
      default:
        throw new Error(`no Log Analytics writer for ${change.operation}`);
    }
  }

  async *list(subscriptionId: string, options: CallOptions): AsyncIterable<ResourceSnapshot> {
    const client = await this.clients.for(subscriptionId);
    for await (const workspace of client.workspaces.list(options)) {
      if (workspace.id === undefined) continue;
      yield { type: LOG_WORKSPACE, id: parseResourceId(workspace.id), resource: workspace };
      yield* this.auditTablesOf(parseResourceId(workspace.id), options);
    }
  }

  readonly graph: GraphListing = {
    query: resourcesOfType(LOG_WORKSPACE),
    expand: (rows, options) => this.expandRows(rows, options),
  };

  /** Resource Graph's copy of each workspace; its tables are not in Resource Graph and are listed from ARM. */
  private async *expandRows(rows: readonly GraphRow[], options: CallOptions): AsyncIterable<SweepItem> {
    for (const row of rows) {
      const id = parseResourceId(row.id);
      yield { snapshot: { type: LOG_WORKSPACE, id, resource: workspaceFromRow(row) }, fromGraph: true };
      for await (const snapshot of childrenUnlessGone(this.auditTablesOf(id, options), row.id)) yield { snapshot, fromGraph: false };
    }
  }

  /** One paged listing per workspace (never a GET per table), keeping only the audit tables. */
  private async *auditTablesOf(id: ArmResourceId, options: CallOptions): AsyncIterable<ResourceSnapshot> {
    const client = await this.clients.for(id.subscriptionId);
    const wanted = new Set(this.auditTables.map((t) => t.toLowerCase()));
    for await (const table of client.tables.listByWorkspace(requireResourceGroup(id), id.name, options)) {
      if (table.id === undefined || !wanted.has((table.name ?? '').toLowerCase())) continue;
      yield { type: LOG_TABLE, id: parseResourceId(table.id), resource: table };
    }
  }

  apiVersionOf(): string {
    return LOG_ANALYTICS_API_VERSION;
  }

}
