/**
 * log-retention end to end: the real @azure/arm-operationalinsights client against the
 * sandbox's Log Analytics (azure-rest-api-specs OperationalInsights stable/2025-02-01
 * Workspaces_Get / Workspaces_Update / Tables_Update examples): exact PATCHes, the table's
 * long-running update awaited, the allowed six-year value, and the sweep over the audit tables only.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseSandboxState } from '../../sandbox/index.js';
import { armWriteEvent, SUB } from '../helpers/events.js';
import { startWorld, type World } from '../helpers/world.js';

const WORKSPACE = `/subscriptions/${SUB}/resourceGroups/rg-shared-logs/providers/Microsoft.OperationalInsights/workspaces/law-hipaa-audit`;
const state = () =>
  parseSandboxState({
    resources: [
      {
        id: WORKSPACE,
        name: 'law-hipaa-audit',
        type: 'Microsoft.OperationalInsights/workspaces',
        location: 'eastus2',
        // The spec example's properties (Workspaces_Get): a paid workspace on the 30-day default.
        properties: { customerId: '5b02755b-5bf4-430c-9487-45502a2a7e62', provisioningState: 'Succeeded', sku: { name: 'PerGB2018' }, retentionInDays: 30, publicNetworkAccessForQuery: 'Enabled', publicNetworkAccessForIngestion: 'Enabled' },
      },
    ],
  });

let world: World;
afterEach(async () => {
  await world.close();
});
const requests = (method: string) => world.serviceRequests(method).map((r) => r.path.replace(WORKSPACE, '<ws>'));
const stored = (id: string) => world.sandbox.snapshot().resources.find((r) => r.id.toLowerCase() === id.toLowerCase())?.properties;

describe('log-retention through the pipeline', () => {
  it('raises the workspace to 90 days with one PATCH, confirmed from its response', async () => {
    world = await startWorld(state());
    const { results } = await world.runtime.pipeline.processBatch([armWriteEvent(WORKSPACE, { operationName: 'Microsoft.OperationalInsights/workspaces/write' })]);
    expect(results.map((r) => [r.remediator, r.decision, r.citation])).toEqual([['log-retention', 'remediated', '45 CFR 164.316(b)(2)(i)']]);
    expect(requests('PATCH')).toEqual(['<ws>']);
    expect(world.sandbox.requests.find((r) => r.method === 'PATCH')?.apiVersion).toBe('2025-07-01');
    expect(stored(WORKSPACE)).toMatchObject({ retentionInDays: 90 });
    const intent = (await world.audit()).find((r) => r.kind === 'intent');
    expect(intent).toMatchObject({ before: { retentionInDays: 30 }, change: { operation: 'workspaces.update', method: 'PATCH', body: { retentionInDays: 90 } } });
  });

  it('raises an audit table to six years in total (2191), leaves the interactive part, ignores tables the policy does not name', async () => {
    world = await startWorld(state());
    const { results } = await world.runtime.pipeline.processBatch([
      armWriteEvent(`${WORKSPACE}/tables/AzureActivity`, { operationName: 'Microsoft.OperationalInsights/workspaces/tables/write' }),
      armWriteEvent(`${WORKSPACE}/tables/Usage`, { operationName: 'Microsoft.OperationalInsights/workspaces/tables/write' }),
    ]);
    expect(results.map((r) => [r.resourceId?.split('/').at(-1), r.remediator, r.decision])).toEqual([
      ['AzureActivity', 'log-retention', 'remediated'],
      ['Usage', null, 'skipped'],
    ]);
    expect(requests('PATCH')).toEqual(['<ws>/tables/AzureActivity']);
    expect(stored(`${WORKSPACE}/tables/AzureActivity`)).toMatchObject({ totalRetentionInDays: 2191 });
    const table = await world.runtime.arm.read((await import('../../shared/arm/resourceId.js')).parseResourceId(`${WORKSPACE}/tables/AzureActivity`));
    expect(table.resource).toMatchObject({ totalRetentionInDays: 2191, archiveRetentionInDays: 2191 - Number((table.resource as { retentionInDays?: number }).retentionInDays) });
  });

  it('the sweep lists workspaces and, per workspace, its tables in one listing, and fixes the audit tables only', async () => {
    world = await startWorld(state());
    const { results } = await world.runtime.pipeline.sweep('logs');
    const decided = results.filter((r) => r.remediator === 'log-retention').map((r) => [r.resourceId?.split('/').at(-1), r.decision]);
    expect(decided).toEqual([
      ['law-hipaa-audit', 'remediated'],
      ['AzureActivity', 'remediated'],
      ['AzureDiagnostics', 'remediated'],
      ['StorageBlobLogs', 'remediated'],
      ['AZKVAuditLogs', 'remediated'],
      ['AuditLogs', 'remediated'],
      ['SigninLogs', 'remediated'],
    ]);
    expect(requests('GET').filter((p) => p.endsWith('/tables'))).toHaveLength(1);
    expect(requests('PATCH')).toHaveLength(7);
  });
});
