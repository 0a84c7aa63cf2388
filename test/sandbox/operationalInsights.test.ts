import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OperationalInsightsManagementClient, type Table, type Workspace, isRestError } from '@azure/arm-operationalinsights';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ArmEvent,
  type Sandbox,
  type SandboxChange,
  loadSandboxState,
  saveSandboxState,
  sandboxCredential,
  startSandbox,
} from '../../sandbox/index.js';
import { SUBSCRIPTION_ID, USER, rawRequest, startWebhook } from './helpers.js';

// Behaviour after azure-rest-api-specs specification/operationalinsights/resource-manager/
// Microsoft.OperationalInsights/OperationalInsights/stable/2025-02-01/{Workspaces,Tables}.json, their
// examples (shared/fixtures/arm/operationalinsights/) and the retention rules of the Azure Monitor docs.

/** What @azure/arm-operationalinsights 11.0.0 sends; fails if an upgrade changes it. */
const SDK_OPERATIONAL_INSIGHTS_API_VERSION = '2025-07-01';
const FIXTURES = new URL('../../../shared/fixtures/arm/operationalinsights/', import.meta.url);

const RG = 'rg-security';
const WORKSPACE_PATH = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${RG}/providers/Microsoft.OperationalInsights/workspaces/law-audit`;
const STANDARD_TABLES = ['AzureActivity', 'AzureDiagnostics', 'AzureMetrics', 'StorageBlobLogs', 'AZKVAuditLogs', 'AuditLogs', 'SigninLogs', 'Usage'];
/** Six years of HIPAA documentation retention, as the service accepts it (whole years past two). */
const SIX_YEARS = 2191;

/**
 * The modular client takes `endpoint` and core-rest-pipeline's `tlsOptions` like the classic
 * ones; it also honours `apiVersion` (context.apiVersion ?? "2025-07-01"), which the tests leave alone.
 */
function insightsClient(sandbox: Sandbox): OperationalInsightsManagementClient {
  return new OperationalInsightsManagementClient(sandboxCredential(USER), SUBSCRIPTION_ID, { endpoint: sandbox.url, tlsOptions: { ca: sandbox.ca } });
}

async function failure(promise: PromiseLike<unknown>): Promise<{ statusCode?: number; code?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isRestError(error)) return { statusCode: error.statusCode, code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected the call to fail');
}

async function withWorkspace(properties: Partial<Workspace> = {}): Promise<{ sandbox: Sandbox; client: OperationalInsightsManagementClient; workspace: Workspace }> {
  const started = await startSandbox({ throttling: false });
  sandbox = started;
  const client = insightsClient(started);
  const workspace = await client.workspaces.createOrUpdate(RG, 'law-audit', { location: 'eastus2', sku: { name: 'PerGB2018' }, ...properties });
  started.clearRequests();
  return { sandbox: started, client, workspace };
}

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

describe('Microsoft.OperationalInsights/workspaces through @azure/arm-operationalinsights', () => {
  it('creates a workspace with the long-running PUT, answered at once, and the service defaults', async () => {
    sandbox = await startSandbox({ throttling: false });
    const client = insightsClient(sandbox);
    const created = await client.workspaces.createOrUpdate(RG, 'law-audit', { location: 'eastus2', tags: { 'data-classification': 'phi' } });
    expect(created).toMatchObject({
      id: WORKSPACE_PATH,
      name: 'law-audit',
      type: 'Microsoft.OperationalInsights/workspaces',
      location: 'eastus2',
      tags: { 'data-classification': 'phi' },
      provisioningState: 'Succeeded',
      sku: { name: 'PerGB2018' },
      retentionInDays: 30,
      publicNetworkAccessForIngestion: 'Enabled',
      publicNetworkAccessForQuery: 'Enabled',
      workspaceCapping: { dailyQuotaGb: -1, dataIngestionStatus: 'RespectQuota' },
    });
    expect(created.customerId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(created.createdDate).toBeInstanceOf(Date);
    // One PUT: a 200 with provisioningState Succeeded and no polling header completes the poller.
    expect(sandbox.requests.map((r) => [r.method, r.path, r.apiVersion, r.status])).toEqual([['PUT', WORKSPACE_PATH, SDK_OPERATIONAL_INSIGHTS_API_VERSION, 200]]);
    expect(await client.workspaces.get(RG, 'law-audit')).toEqual(created);
  });

  it('PATCHes retention and keeps the rest; a PUT keeps the customer id', async () => {
    const { client, workspace } = await withWorkspace();
    const updated = await client.workspaces.update(RG, 'law-audit', { retentionInDays: 365 });
    expect(updated.retentionInDays).toBe(365);
    expect(updated.customerId).toBe(workspace.customerId);
    expect(updated.sku?.name).toBe('PerGB2018');
    expect(updated.createdDate).toEqual(workspace.createdDate);

    const replaced = await client.workspaces.createOrUpdate(RG, 'law-audit', { location: 'eastus2', sku: { name: 'PerGB2018' } });
    expect(replaced.customerId).toBe(workspace.customerId);
    // A PUT is the whole workspace: what it leaves out goes back to the default.
    expect(replaced.retentionInDays).toBe(30);
  });

  it('answers the spec example (WorkspacesUpdate.json) like the example', async () => {
    const fixture = JSON.parse(await readFile(new URL('workspaces.patch.json', FIXTURES), 'utf8')) as {
      parameters: { parameters: unknown };
      responses: { 200: { body: { properties: Record<string, unknown> } } };
    };
    const { sandbox: started } = await withWorkspace();
    const response = await rawRequest(started, 'PATCH', `${WORKSPACE_PATH}?api-version=2025-02-01`, { body: JSON.stringify(fixture.parameters.parameters) });
    expect(response.status).toBe(200);
    const expected = fixture.responses[200].body.properties;
    expect((response.json as { properties: Record<string, unknown> }).properties).toMatchObject({
      sku: expected.sku,
      retentionInDays: expected.retentionInDays,
      publicNetworkAccessForQuery: expected.publicNetworkAccessForQuery,
      publicNetworkAccessForIngestion: expected.publicNetworkAccessForIngestion,
      workspaceCapping: { dailyQuotaGb: -1, quotaNextResetTime: expect.stringMatching(/^\w{3}, \d{2} \w{3} \d{4} 00:00:00 GMT$/) as unknown, dataIngestionStatus: 'RespectQuota' },
    });
  });

  it('refuses retention outside what the pricing tier allows, with the service’s answer', async () => {
    const { sandbox: started, client } = await withWorkspace();
    const before = started.snapshot();
    for (const days of [7, 29, 731]) {
      const error = await failure(client.workspaces.update(RG, 'law-audit', { retentionInDays: days }));
      expect(error).toMatchObject({ statusCode: 400, code: 'BadRequest', message: expect.stringContaining('the expected value should be between 30 to 730') as unknown });
    }
    const free = await failure(client.workspaces.createOrUpdate(RG, 'law-free', { location: 'eastus2', sku: { name: 'Free' }, retentionInDays: 30 }));
    expect(free).toMatchObject({ statusCode: 400, code: 'BadRequest' });
    expect(started.snapshot()).toEqual(before);
    // The legacy Free tier keeps seven days, and defaults to them.
    const freeWorkspace = await client.workspaces.createOrUpdate(RG, 'law-free', { location: 'eastus2', sku: { name: 'Free' } });
    expect(freeWorkspace.retentionInDays).toBe(7);

    const name = await rawRequest(started, 'PUT', `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${RG}/providers/Microsoft.OperationalInsights/workspaces/-bad?api-version=2025-07-01`, {
      body: JSON.stringify({ location: 'eastus2' }),
    });
    expect(name.status).toBe(400);
    const sku = await rawRequest(started, 'PATCH', `${WORKSPACE_PATH}?api-version=2025-07-01`, { body: JSON.stringify({ properties: { sku: { name: 'Gold' } } }) });
    expect((sku.json as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'InvalidValuesForRequestParameters',
      message: expect.stringContaining('properties.sku.name') as unknown,
    });
    const noLocation = await rawRequest(started, 'PUT', `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${RG}/providers/Microsoft.OperationalInsights/workspaces/law-nowhere?api-version=2025-07-01`, {
      body: JSON.stringify({ properties: {} }),
    });
    expect((noLocation.json as { error: { code: string } }).error.code).toBe('InvalidRequestContent');
  });

  // Workspaces.json declares no nextLink for these listings (Azure answers in one page); the
  // sandbox pages every listing at its pageSize, and this checks that the SDK follows it.
  it('lists by subscription (following nextLink) and by resource group', async () => {
    sandbox = await startSandbox({ throttling: false, pageSize: 2 });
    const client = insightsClient(sandbox);
    for (const [group, name] of [['rg-security', 'law-a1'], ['rg-clinical', 'law-b1'], ['rg-security', 'law-a2'], ['rg-clinical', 'law-b2'], ['rg-security', 'law-a3']] as const) {
      await client.workspaces.createOrUpdate(group, name, { location: 'eastus2' });
    }
    sandbox.clearRequests();
    const all: string[] = [];
    for await (const workspace of client.workspaces.list()) all.push(workspace.name ?? '');
    expect(all.sort()).toEqual(['law-a1', 'law-a2', 'law-a3', 'law-b1', 'law-b2']);
    expect(sandbox.requests.map((r) => [r.path, r.apiVersion])).toEqual(
      Array.from({ length: 3 }, () => [`/subscriptions/${SUBSCRIPTION_ID}/providers/Microsoft.OperationalInsights/workspaces`, SDK_OPERATIONAL_INSIGHTS_API_VERSION]),
    );
    const security: string[] = [];
    for await (const workspace of client.workspaces.listByResourceGroup('rg-security')) security.push(workspace.name ?? '');
    expect(security).toEqual(['law-a1', 'law-a2', 'law-a3']);
  });

  it('accepts 2025-07-01 and 2025-02-01 only', async () => {
    const { sandbox: started } = await withWorkspace();
    expect((await rawRequest(started, 'GET', `${WORKSPACE_PATH}?api-version=2025-02-01`)).status).toBe(200);
    const old = await rawRequest(started, 'GET', `${WORKSPACE_PATH}?api-version=2020-08-01`);
    expect(old.status).toBe(400);
    expect((old.json as { error: { code: string } }).error.code).toBe('InvalidApiVersionParameter');
  });
});

describe('Microsoft.OperationalInsights/workspaces/tables through @azure/arm-operationalinsights', () => {
  it('every workspace has the standard tables, following the workspace retention', async () => {
    const { sandbox: started, client } = await withWorkspace();
    const listed: Table[] = [];
    for await (const table of client.tables.listByWorkspace(RG, 'law-audit')) listed.push(table);
    expect(listed.map((t) => t.name)).toEqual(STANDARD_TABLES);
    const diagnostics = listed.find((t) => t.name === 'AzureDiagnostics');
    expect(diagnostics).toMatchObject({
      id: `${WORKSPACE_PATH}/tables/AzureDiagnostics`,
      type: 'Microsoft.OperationalInsights/workspaces/tables',
      retentionInDays: 30,
      totalRetentionInDays: 30,
      archiveRetentionInDays: 0,
      retentionInDaysAsDefault: true,
      totalRetentionInDaysAsDefault: true,
      plan: 'Analytics',
      provisioningState: 'Succeeded',
      schema: { name: 'AzureDiagnostics', tableType: 'Microsoft', source: 'microsoft', columns: [] },
    });
    // AzureActivity (and Usage) keep at least 90 days whatever the workspace keeps (docs: tables with unique retention).
    expect(listed.find((t) => t.name === 'AzureActivity')?.retentionInDays).toBe(90);

    await client.workspaces.update(RG, 'law-audit', { retentionInDays: 180 });
    expect((await client.tables.get(RG, 'law-audit', 'AzureDiagnostics')).retentionInDays).toBe(180);
    expect((await client.tables.get(RG, 'law-audit', 'AzureActivity')).retentionInDays).toBe(180);
    // Nothing was written for the tables: they are implicit, like blobServices/default.
    expect(started.snapshot().resources.map((r) => r.type)).toEqual(['Microsoft.OperationalInsights/workspaces']);
  });

  it('PATCH sets total retention and the long-running update completes from the 200 alone', async () => {
    const { sandbox: started, client } = await withWorkspace();
    const table = await client.tables.update(RG, 'law-audit', 'AzureActivity', { totalRetentionInDays: SIX_YEARS });
    expect(table).toMatchObject({
      name: 'AzureActivity',
      retentionInDays: 90,
      totalRetentionInDays: SIX_YEARS,
      archiveRetentionInDays: SIX_YEARS - 90,
      retentionInDaysAsDefault: true,
      totalRetentionInDaysAsDefault: false,
      provisioningState: 'Succeeded',
    });
    expect(started.requests.map((r) => [r.method, r.apiVersion, r.status])).toEqual([['PATCH', SDK_OPERATIONAL_INSIGHTS_API_VERSION, 200]]);
    expect(await client.tables.get(RG, 'law-audit', 'AzureActivity')).toEqual(table);

    // PATCH keeps what it does not name; -1 goes back to the default.
    const interactive = await client.tables.update(RG, 'law-audit', 'AzureActivity', { retentionInDays: 365 });
    expect(interactive).toMatchObject({ retentionInDays: 365, totalRetentionInDays: SIX_YEARS, archiveRetentionInDays: SIX_YEARS - 365, retentionInDaysAsDefault: false });
    const reset = await client.tables.update(RG, 'law-audit', 'AzureActivity', { retentionInDays: -1, totalRetentionInDays: -1 });
    expect(reset).toMatchObject({ retentionInDays: 90, totalRetentionInDays: 90, archiveRetentionInDays: 0, retentionInDaysAsDefault: true, totalRetentionInDaysAsDefault: true });
  });

  it('PUT of the spec example (TablesUpsert.json) answers the example’s retention; a bare PUT resets retention only', async () => {
    const fixture = JSON.parse(await readFile(new URL('tables.upsert.json', FIXTURES), 'utf8')) as {
      parameters: { parameters: { properties: { retentionInDays: number; totalRetentionInDays: number; schema: { columns: { name: string; type: 'guid' }[] } } } };
      responses: { 200: { body: { properties: Record<string, unknown> & { schema: { columns: unknown[] } } } } };
    };
    const { sandbox: started, client } = await withWorkspace();
    const request = fixture.parameters.parameters.properties;
    // The example's table (AzureNetworkFlow) is not one of the sandbox's; StorageBlobLogs stands in for it.
    const upserted = await client.tables.createOrUpdate(RG, 'law-audit', 'StorageBlobLogs', {
      retentionInDays: request.retentionInDays,
      totalRetentionInDays: request.totalRetentionInDays,
      schema: { name: 'StorageBlobLogs', columns: request.schema.columns },
    });
    const expected = fixture.responses[200].body.properties;
    expect(upserted).toMatchObject({
      retentionInDays: expected.retentionInDays,
      totalRetentionInDays: expected.totalRetentionInDays,
      archiveRetentionInDays: expected.archiveRetentionInDays,
      retentionInDaysAsDefault: expected.retentionInDaysAsDefault,
      totalRetentionInDaysAsDefault: expected.totalRetentionInDaysAsDefault,
      plan: expected.plan,
      provisioningState: expected.provisioningState,
    });
    expect(upserted.schema?.columns).toEqual(expected.schema.columns);
    expect(upserted.schema?.standardColumns?.some((c) => c.name === 'TimeGenerated')).toBe(true);
    expect(started.requests.map((r) => [r.method, r.status])).toEqual([['PUT', 200]]);

    const bare = await client.tables.createOrUpdate(RG, 'law-audit', 'StorageBlobLogs', {});
    expect(bare).toMatchObject({ retentionInDays: 30, totalRetentionInDays: 30, retentionInDaysAsDefault: true, totalRetentionInDaysAsDefault: true });
    // A PUT without a schema leaves the custom columns (and the plan) as they are.
    expect(bare.schema?.columns?.map((c) => c.name)).toEqual(['MyNewColumn']);
  });

  it('refuses retention the service refuses, and changes nothing', async () => {
    const { sandbox: started, client } = await withWorkspace();
    const before = started.snapshot();
    for (const days of [3, 731]) {
      expect(await failure(client.tables.update(RG, 'law-audit', 'AuditLogs', { retentionInDays: days }))).toMatchObject({ statusCode: 400, code: 'InvalidParameter' });
    }
    // Six years is 2191 days; 2192 (6 x 365.25, rounded up) is refused like in Azure.
    const notAYear = await failure(client.tables.update(RG, 'law-audit', 'AuditLogs', { totalRetentionInDays: SIX_YEARS + 1 }));
    expect(notAYear).toMatchObject({ statusCode: 400, code: 'InvalidParameter', message: expect.stringContaining('restricted to full years') as unknown });
    expect(await failure(client.tables.update(RG, 'law-audit', 'AuditLogs', { totalRetentionInDays: 4384 }))).toMatchObject({ statusCode: 400 });
    const shorter = await failure(client.tables.update(RG, 'law-audit', 'AuditLogs', { retentionInDays: 90, totalRetentionInDays: 60 }));
    expect(shorter).toMatchObject({ statusCode: 400, message: expect.stringContaining("can't be shorter") as unknown });
    expect(await failure(client.tables.update(RG, 'law-audit', 'AuditLogs', { plan: 'Auxiliary' }))).toMatchObject({ statusCode: 400 });
    const typed = await rawRequest(started, 'PATCH', `${WORKSPACE_PATH}/tables/AuditLogs?api-version=2025-07-01`, { body: JSON.stringify({ properties: { retentionInDays: 'long' } }) });
    expect((typed.json as { error: { code: string } }).error.code).toBe('InvalidRequestContent');
    expect(started.snapshot()).toEqual(before);

    // The longest total retention is twelve years.
    expect((await client.tables.update(RG, 'law-audit', 'AuditLogs', { totalRetentionInDays: 4383 })).archiveRetentionInDays).toBe(4383 - 30);
  });

  it('Basic tables keep 30 interactive days; Free workspaces take no table retention', async () => {
    const { client } = await withWorkspace();
    const basic = await client.tables.update(RG, 'law-audit', 'StorageBlobLogs', { plan: 'Basic', totalRetentionInDays: 365 });
    expect(basic).toMatchObject({ plan: 'Basic', retentionInDays: 30, totalRetentionInDays: 365, archiveRetentionInDays: 335 });
    expect(basic.lastPlanModifiedDate).toBeDefined();
    expect(await failure(client.tables.update(RG, 'law-audit', 'StorageBlobLogs', { retentionInDays: 90 }))).toMatchObject({ statusCode: 400 });

    await client.workspaces.createOrUpdate(RG, 'law-free', { location: 'eastus2', sku: { name: 'Free' } });
    expect((await client.tables.get(RG, 'law-free', 'AuditLogs')).retentionInDays).toBe(7);
    expect(await failure(client.tables.update(RG, 'law-free', 'AuditLogs', { totalRetentionInDays: 365 }))).toMatchObject({ statusCode: 400 });
  });

  it('creates custom _CL tables only, with a TimeGenerated column; unknown tables are 404', async () => {
    const { sandbox: started, client } = await withWorkspace();
    const created = await client.tables.createOrUpdate(RG, 'law-audit', 'PhiAccess_CL', {
      totalRetentionInDays: SIX_YEARS,
      schema: { name: 'PhiAccess_CL', columns: [{ name: 'TimeGenerated', type: 'dateTime' }, { name: 'Patient', type: 'string' }] },
    });
    expect(created).toMatchObject({ retentionInDays: 30, totalRetentionInDays: SIX_YEARS, schema: { tableType: 'CustomLog', source: 'customer' } });
    const names: string[] = [];
    for await (const table of client.tables.listByWorkspace(RG, 'law-audit')) names.push(table.name ?? '');
    expect(names).toEqual(['PhiAccess_CL', ...STANDARD_TABLES]);

    expect(await failure(client.tables.createOrUpdate(RG, 'law-audit', 'NoTime_CL', { schema: { columns: [{ name: 'Patient', type: 'string' }] } }))).toMatchObject({ statusCode: 400 });
    expect(await failure(client.tables.createOrUpdate(RG, 'law-audit', 'Invented', { schema: { columns: [{ name: 'TimeGenerated', type: 'dateTime' }] } }))).toMatchObject({
      statusCode: 400,
    });
    expect(await failure(client.tables.get(RG, 'law-audit', 'Invented'))).toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
    expect(await failure(client.tables.get(RG, 'law-missing', 'AuditLogs'))).toMatchObject({ statusCode: 404, code: 'ParentResourceNotFound' });
    expect(started.snapshot().resources.map((r) => r.name)).toEqual(['law-audit', 'PhiAccess_CL']);
  });

  it('emits ARM write events for workspaces and tables', async () => {
    sandbox = await startSandbox({ throttling: false });
    const webhook = await startWebhook();
    try {
      await sandbox.eventGrid.subscribe({ name: 'log-analytics', endpoint: webhook.url });
      const changes: SandboxChange[] = [];
      sandbox.onChange((change) => changes.push(change));
      const client = insightsClient(sandbox);
      await client.workspaces.createOrUpdate(RG, 'law-audit', { location: 'eastus2' });
      await client.workspaces.update(RG, 'law-audit', { retentionInDays: 90 });
      await client.tables.update(RG, 'law-audit', 'AuditLogs', { totalRetentionInDays: SIX_YEARS });
      await webhook.waitForNotifications(1);
      await sandbox.eventGrid.idle();

      expect(changes.map((c) => [c.operation, c.resourceType, c.before === undefined])).toEqual([
        ['write', 'Microsoft.OperationalInsights/workspaces', true],
        ['write', 'Microsoft.OperationalInsights/workspaces', false],
        // The table existed before its first write (implicitly), so the change has a `before`.
        ['write', 'Microsoft.OperationalInsights/workspaces/tables', false],
      ]);
      const events = webhook.notifications().flatMap((request) => JSON.parse(request.body) as ArmEvent[]);
      expect(events.map((e) => [e.eventType, e.subject, e.data.operationName, e.data.resourceProvider])).toEqual([
        ['Microsoft.Resources.ResourceWriteSuccess', WORKSPACE_PATH, 'Microsoft.OperationalInsights/workspaces/write', 'Microsoft.OperationalInsights'],
        ['Microsoft.Resources.ResourceWriteSuccess', WORKSPACE_PATH, 'Microsoft.OperationalInsights/workspaces/write', 'Microsoft.OperationalInsights'],
        [
          'Microsoft.Resources.ResourceWriteSuccess',
          `${WORKSPACE_PATH}/tables/AuditLogs`,
          'Microsoft.OperationalInsights/workspaces/tables/write',
          'Microsoft.OperationalInsights',
        ],
      ]);
    } finally {
      await webhook.close();
    }
  });

  it('round-trips workspaces and tables through a saved state', async () => {
    const { client } = await withWorkspace({ retentionInDays: 90 });
    const table = await client.tables.update(RG, 'law-audit', 'AzureDiagnostics', { totalRetentionInDays: SIX_YEARS });
    const workspace = await client.workspaces.get(RG, 'law-audit');
    const directory = await mkdtemp(join(tmpdir(), 'sandbox-law-'));
    try {
      const file = join(directory, 'state.json');
      await saveSandboxState(file, (sandbox as Sandbox).snapshot());
      await sandbox?.close();
      sandbox = await startSandbox({ state: await loadSandboxState(file), throttling: false });
      const reloaded = insightsClient(sandbox);
      expect(await reloaded.workspaces.get(RG, 'law-audit')).toEqual(workspace);
      expect(await reloaded.tables.get(RG, 'law-audit', 'AzureDiagnostics')).toEqual(table);
      expect((await reloaded.tables.get(RG, 'law-audit', 'AuditLogs')).retentionInDays).toBe(90);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
