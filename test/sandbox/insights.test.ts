import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DiagnosticSettingsResource, MonitorClient, isRestError } from '@azure/arm-monitor';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ArmEvent,
  type ArmResource,
  type Sandbox,
  type SandboxChange,
  type SandboxState,
  loadSandboxState,
  saveSandboxState,
  sandboxCredential,
  startSandbox,
} from '../../sandbox/index.js';
import { diagnosticSettingId } from '../../sandbox/providers/insights.js';
import { SUBSCRIPTION_ID, USER, accountPath, exampleState, rawRequest, startWebhook } from './helpers.js';

// Behaviour after azure-rest-api-specs specification/monitor/resource-manager/Microsoft.Insights/
// preview/2021-05-01-preview/diagnosticsSettings_API.json and its examples (shared/fixtures/arm/insights/).

/** What @azure/arm-monitor 8.0.0 sends for diagnosticSettings; fails if an upgrade changes it. */
const SDK_MONITOR_API_VERSION = '2021-05-01-preview';
const FIXTURES = new URL('../../../shared/fixtures/arm/insights/', import.meta.url);

const RG = 'rg-pharmacy';
const ACCOUNT = accountPath(RG, 'stpharmacyok02');
const BLOB_SERVICE = `${ACCOUNT}/blobServices/default`;
const VAULT = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-security/providers/Microsoft.KeyVault/vaults/kv-phi-keys`;
const WORKSPACE = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-security/providers/Microsoft.OperationalInsights/workspaces/law-audit`;
const AUDIT_ACCOUNT = accountPath(RG, 'stpharmacyrx01');

/** How the service spells the id of a setting on the blob service (see diagnosticSettingId). */
const BLOB_SETTING_ID = `/subscriptions/${SUBSCRIPTION_ID}/resourcegroups/${RG}/providers/microsoft.storage/storageaccounts/stpharmacyok02/blobservices/default/providers/microsoft.insights/diagnosticSettings/audit-to-law`;

/**
 * The modular client takes the endpoint as `endpoint` (createMonitor: `options.endpoint ??
 * getArmEndpoint(options.cloudSetting)`) and TLS through core-rest-pipeline's `tlsOptions`;
 * diagnostic settings need no subscription id, so the two-argument constructor is enough.
 */
function monitorClient(sandbox: Sandbox): MonitorClient {
  return new MonitorClient(sandboxCredential(USER), { endpoint: sandbox.url, tlsOptions: { ca: sandbox.ca } });
}

/** A vault as ARM lists it; the Key Vault provider is not needed to put a setting on it. */
function vault(): ArmResource {
  return {
    id: VAULT,
    name: 'kv-phi-keys',
    type: 'Microsoft.KeyVault/vaults',
    location: 'eastus2',
    properties: { tenantId: USER.tenantId, sku: { family: 'A', name: 'standard' }, accessPolicies: [] },
  };
}

async function stateWithVault(): Promise<SandboxState> {
  const state = await exampleState();
  return { ...state, resources: [...state.resources, vault()] };
}

const AUDIT_SETTING: DiagnosticSettingsResource = {
  workspaceId: WORKSPACE,
  logs: [{ categoryGroup: 'audit', enabled: true }],
  metrics: [{ category: 'Transaction', enabled: true }],
  logAnalyticsDestinationType: 'Dedicated',
};

async function failure(promise: Promise<unknown>): Promise<{ statusCode?: number; code?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isRestError(error)) return { statusCode: error.statusCode, code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected the call to fail');
}

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

describe('Microsoft.Insights/diagnosticSettings through @azure/arm-monitor', () => {
  it('creates, reads, lists and deletes a setting on a blob service with the real client', async () => {
    sandbox = await startSandbox({ state: await exampleState(), throttling: false });
    const client = monitorClient(sandbox);

    const created = await client.diagnosticSettings.createOrUpdate(BLOB_SERVICE, 'audit-to-law', AUDIT_SETTING);
    expect(created).toMatchObject({
      id: BLOB_SETTING_ID,
      name: 'audit-to-law',
      type: 'Microsoft.Insights/diagnosticSettings',
      workspaceId: WORKSPACE,
      logs: [{ categoryGroup: 'audit', enabled: true }],
      metrics: [{ category: 'Transaction', enabled: true }],
      logAnalyticsDestinationType: 'Dedicated',
    });
    expect(await client.diagnosticSettings.get(BLOB_SERVICE, 'audit-to-law')).toEqual(created);

    const listed: DiagnosticSettingsResource[] = [];
    for await (const setting of client.diagnosticSettings.list(BLOB_SERVICE)) listed.push(setting);
    expect(listed).toEqual([created]);

    await client.diagnosticSettings.delete(BLOB_SERVICE, 'audit-to-law');
    await client.diagnosticSettings.delete(BLOB_SERVICE, 'audit-to-law');
    const gone = await failure(client.diagnosticSettings.get(BLOB_SERVICE, 'audit-to-law'));
    expect(gone).toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });

    // The modular client builds `/{+resourceUri}/...` and so sends `//subscriptions/...`; the path is recorded as served.
    expect(sandbox.requests.map((r) => [r.method, r.path, r.apiVersion, r.status])).toEqual([
      ['PUT', `${BLOB_SERVICE}/providers/Microsoft.Insights/diagnosticSettings/audit-to-law`, SDK_MONITOR_API_VERSION, 200],
      ['GET', `${BLOB_SERVICE}/providers/Microsoft.Insights/diagnosticSettings/audit-to-law`, SDK_MONITOR_API_VERSION, 200],
      ['GET', `${BLOB_SERVICE}/providers/Microsoft.Insights/diagnosticSettings`, SDK_MONITOR_API_VERSION, 200],
      ['DELETE', `${BLOB_SERVICE}/providers/Microsoft.Insights/diagnosticSettings/audit-to-law`, SDK_MONITOR_API_VERSION, 200],
      ['DELETE', `${BLOB_SERVICE}/providers/Microsoft.Insights/diagnosticSettings/audit-to-law`, SDK_MONITOR_API_VERSION, 204],
      ['GET', `${BLOB_SERVICE}/providers/Microsoft.Insights/diagnosticSettings/audit-to-law`, SDK_MONITOR_API_VERSION, 404],
    ]);
  });

  it('answers the spec example (createOrUpdateDiagnosticSetting.json) with the example response', async () => {
    const fixture = JSON.parse(await readFile(new URL('diagnosticSettings.createOrUpdate.json', FIXTURES), 'utf8')) as {
      parameters: { parameters: unknown };
      responses: { 200: { body: { type: string; name: string; properties: unknown } } };
    };
    const workflow = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/viruela1/providers/Microsoft.Logic/workflows/viruela6`;
    sandbox = await startSandbox({ state: { resources: [{ id: workflow, name: 'viruela6', type: 'Microsoft.Logic/workflows', location: 'eastus' }] }, throttling: false });
    const response = await rawRequest(sandbox, 'PUT', `${workflow}/providers/Microsoft.Insights/diagnosticSettings/mysetting?api-version=2021-05-01-preview`, {
      body: JSON.stringify(fixture.parameters.parameters),
    });
    expect(response.status).toBe(200);
    const expected = fixture.responses[200].body;
    expect(response.json).toEqual({
      // The example's id shape: lower-cased keywords, namespaces and types, names as given.
      id: `/subscriptions/${SUBSCRIPTION_ID}/resourcegroups/viruela1/providers/microsoft.logic/workflows/viruela6/providers/microsoft.insights/diagnosticSettings/mysetting`,
      type: expected.type,
      name: expected.name,
      properties: expected.properties,
    });
  });

  it('serves settings on a Key Vault and on a storage account, each listing only its own', async () => {
    sandbox = await startSandbox({ state: await stateWithVault(), throttling: false });
    const client = monitorClient(sandbox);
    const onVault = await client.diagnosticSettings.createOrUpdate(VAULT, 'kv-audit', {
      workspaceId: WORKSPACE,
      logs: [{ category: 'AuditEvent', enabled: true }],
    });
    expect(onVault.id).toBe(
      `/subscriptions/${SUBSCRIPTION_ID}/resourcegroups/rg-security/providers/microsoft.keyvault/vaults/kv-phi-keys/providers/microsoft.insights/diagnosticSettings/kv-audit`,
    );
    await client.diagnosticSettings.createOrUpdate(ACCOUNT, 'account-metrics', { storageAccountId: AUDIT_ACCOUNT, metrics: [{ category: 'Transaction', enabled: true }] });
    await client.diagnosticSettings.createOrUpdate(BLOB_SERVICE, 'audit-to-law', AUDIT_SETTING);

    const names = async (scope: string): Promise<string[]> => {
      const found: string[] = [];
      for await (const setting of client.diagnosticSettings.list(scope)) found.push(setting.name ?? '');
      return found;
    };
    expect(await names(VAULT)).toEqual(['kv-audit']);
    // The account's listing holds the account's setting, not the one on its blob service.
    expect(await names(ACCOUNT)).toEqual(['account-metrics']);
    expect(await names(BLOB_SERVICE)).toEqual(['audit-to-law']);
    expect(await names(accountPath(RG, 'stpharmacyrx01'))).toEqual([]);
    // The id is found whatever casing the caller uses, the service's included.
    expect((await client.diagnosticSettings.get(VAULT.toLowerCase(), 'KV-AUDIT')).id).toBe(onVault.id);
  });

  it('a PUT replaces the whole setting', async () => {
    sandbox = await startSandbox({ state: await exampleState(), throttling: false });
    const client = monitorClient(sandbox);
    await client.diagnosticSettings.createOrUpdate(BLOB_SERVICE, 'audit-to-law', AUDIT_SETTING);
    const replaced = await client.diagnosticSettings.createOrUpdate(BLOB_SERVICE, 'audit-to-law', {
      storageAccountId: AUDIT_ACCOUNT,
      logs: [{ category: 'StorageDelete', enabled: true }],
    });
    expect(replaced.id).toBe(BLOB_SETTING_ID);
    expect(replaced.storageAccountId).toBe(AUDIT_ACCOUNT);
    expect(replaced.workspaceId).toBeUndefined();
    expect(replaced.metrics).toBeUndefined();
    expect(replaced.logs).toEqual([{ category: 'StorageDelete', enabled: true }]);
    expect(sandbox.requests.map((r) => r.status)).toEqual([200, 200]);
  });

  it('refuses what the service refuses, and changes nothing', async () => {
    sandbox = await startSandbox({ state: await exampleState(), throttling: false });
    const client = monitorClient(sandbox);
    const before = sandbox.snapshot();

    expect(await failure(client.diagnosticSettings.createOrUpdate(BLOB_SERVICE, 'none', { logs: [{ categoryGroup: 'allLogs', enabled: true }] }))).toMatchObject({
      statusCode: 400,
      code: 'BadRequest',
      message: expect.stringContaining('at least one destination') as unknown,
    });
    const emptyWorkspace = await failure(client.diagnosticSettings.createOrUpdate(BLOB_SERVICE, 'empty', { workspaceId: '', logs: [{ categoryGroup: 'allLogs', enabled: true }] }));
    expect(emptyWorkspace.code).toBe('BadRequest');

    const retention = await failure(
      client.diagnosticSettings.createOrUpdate(BLOB_SERVICE, 'retained', {
        workspaceId: WORKSPACE,
        logs: [{ categoryGroup: 'allLogs', enabled: true, retentionPolicy: { enabled: true, days: 365 } }],
      }),
    );
    expect(retention).toMatchObject({ statusCode: 400, code: 'BadRequest', message: 'Diagnostic settings does not support retention for new diagnostic settings.' });

    const both = await failure(
      client.diagnosticSettings.createOrUpdate(BLOB_SERVICE, 'both', { workspaceId: WORKSPACE, logs: [{ category: 'StorageRead', categoryGroup: 'audit', enabled: true }] }),
    );
    expect(both).toMatchObject({ statusCode: 400, message: expect.stringContaining("exactly one of 'category' and 'categoryGroup'") as unknown });

    const wrongSink = await failure(client.diagnosticSettings.createOrUpdate(BLOB_SERVICE, 'sink', { workspaceId: AUDIT_ACCOUNT, logs: [{ categoryGroup: 'audit', enabled: true }] }));
    expect(wrongSink).toMatchObject({ statusCode: 400, message: expect.stringContaining('workspaceId') as unknown });

    // The resource the setting is on must exist (its blob service too: the account is missing).
    const missing = await failure(client.diagnosticSettings.createOrUpdate(`${accountPath(RG, 'stmissing01')}/blobServices/default`, 'x', AUDIT_SETTING));
    expect(missing).toMatchObject({ statusCode: 404, code: 'ParentResourceNotFound' });
    expect(await failure(client.diagnosticSettings.get(accountPath(RG, 'stmissing01'), 'x'))).toMatchObject({ statusCode: 404 });

    const typed = await rawRequest(sandbox, 'PUT', `${BLOB_SERVICE}/providers/Microsoft.Insights/diagnosticSettings/typed?api-version=2021-05-01-preview`, {
      body: JSON.stringify({ properties: { workspaceId: WORKSPACE, logs: [{ categoryGroup: 'audit', enabled: 'yes' }] } }),
    });
    expect(typed.status).toBe(400);
    expect((typed.json as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'InvalidRequestContent',
      message: expect.stringContaining('properties.logs[0].enabled') as unknown,
    });

    // Activity-log settings at subscription scope have another schema: not modelled, and said so.
    const subscriptionLevel = await rawRequest(sandbox, 'PUT', `/subscriptions/${SUBSCRIPTION_ID}/providers/Microsoft.Insights/diagnosticSettings/activity?api-version=2021-05-01-preview`, {
      body: JSON.stringify({ properties: { workspaceId: WORKSPACE, logs: [{ category: 'Administrative', enabled: true }] } }),
    });
    expect(subscriptionLevel.status).toBe(400);
    expect(sandbox.snapshot()).toEqual(before);
  });

  it('accepts up to five settings on one resource', async () => {
    sandbox = await startSandbox({ state: await exampleState(), throttling: false });
    const client = monitorClient(sandbox);
    for (let i = 1; i <= 5; i++) await client.diagnosticSettings.createOrUpdate(BLOB_SERVICE, `s${i}`, AUDIT_SETTING);
    expect(await failure(client.diagnosticSettings.createOrUpdate(BLOB_SERVICE, 's6', AUDIT_SETTING))).toMatchObject({ statusCode: 400, code: 'BadRequest' });
    // Updating one of the five is not a sixth; another resource has its own five.
    await client.diagnosticSettings.createOrUpdate(BLOB_SERVICE, 's5', { ...AUDIT_SETTING, metrics: [] });
    await client.diagnosticSettings.createOrUpdate(ACCOUNT, 's6', AUDIT_SETTING);
  });

  it('spells ids like the service: keywords, namespaces and types lower-cased, names kept', () => {
    expect(diagnosticSettingId(`/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/RG-Clinical/providers/Microsoft.Storage/storageAccounts/StEhr01/blobServices/default`, 'Audit')).toBe(
      `/subscriptions/${SUBSCRIPTION_ID}/resourcegroups/RG-Clinical/providers/microsoft.storage/storageaccounts/StEhr01/blobservices/default/providers/microsoft.insights/diagnosticSettings/Audit`,
    );
  });

  it('checks api-versions for diagnostic settings only, and serves no other Insights type', async () => {
    sandbox = await startSandbox({ state: await exampleState(), throttling: false });
    const old = await rawRequest(sandbox, 'GET', `${BLOB_SERVICE}/providers/Microsoft.Insights/diagnosticSettings?api-version=2017-05-01-preview`);
    expect(old.status).toBe(400);
    expect((old.json as { error: { code: string } }).error.code).toBe('InvalidApiVersionParameter');
    const alerts = await rawRequest(sandbox, 'GET', `/subscriptions/${SUBSCRIPTION_ID}/providers/Microsoft.Insights/metricAlerts?api-version=2021-05-01-preview`);
    expect(alerts.status).toBe(404);
    expect((alerts.json as { error: { code: string } }).error.code).toBe('InvalidResourceType');
    const filtered = await rawRequest(sandbox, 'GET', `/subscriptions/${SUBSCRIPTION_ID}/providers/Microsoft.Insights/diagnosticSettings?api-version=2021-05-01-preview&$filter=x`);
    expect((filtered.json as { error: { code: string } }).error.code).toBe('UnsupportedQuery');
  });

  it('emits ARM write and delete events and change notifications', async () => {
    sandbox = await startSandbox({ state: await stateWithVault(), throttling: false });
    const webhook = await startWebhook();
    try {
      await sandbox.eventGrid.subscribe({ name: 'diagnostics', endpoint: webhook.url });
      const changes: SandboxChange[] = [];
      sandbox.onChange((change) => changes.push(change));
      const client = monitorClient(sandbox);
      await client.diagnosticSettings.createOrUpdate(VAULT, 'kv-audit', { workspaceId: WORKSPACE, logs: [{ category: 'AuditEvent', enabled: true }] });
      await client.diagnosticSettings.delete(VAULT, 'kv-audit');
      await webhook.waitForNotifications(1);
      await sandbox.eventGrid.idle();

      expect(changes.map((c) => [c.operation, c.resourceType])).toEqual([
        ['write', 'Microsoft.Insights/diagnosticSettings'],
        ['delete', 'Microsoft.Insights/diagnosticSettings'],
      ]);
      const events = webhook.notifications().flatMap((request) => JSON.parse(request.body) as ArmEvent[]);
      const requested = `${VAULT}/providers/Microsoft.Insights/diagnosticSettings/kv-audit`;
      expect(events.map((e) => [e.eventType, e.subject, e.data.operationName, e.data.resourceProvider])).toEqual([
        ['Microsoft.Resources.ResourceWriteSuccess', requested, 'Microsoft.Insights/diagnosticSettings/write', 'Microsoft.Insights'],
        ['Microsoft.Resources.ResourceDeleteSuccess', requested, 'Microsoft.Insights/diagnosticSettings/delete', 'Microsoft.Insights'],
      ]);
    } finally {
      await webhook.close();
    }
  });

  it('round-trips settings through a saved state', async () => {
    sandbox = await startSandbox({ state: await stateWithVault(), throttling: false });
    const created = await monitorClient(sandbox).diagnosticSettings.createOrUpdate(BLOB_SERVICE, 'audit-to-law', AUDIT_SETTING);
    const directory = await mkdtemp(join(tmpdir(), 'sandbox-insights-'));
    try {
      const file = join(directory, 'state.json');
      await saveSandboxState(file, sandbox.snapshot());
      await sandbox.close();
      sandbox = await startSandbox({ state: await loadSandboxState(file), throttling: false });
      const client = monitorClient(sandbox);
      expect(await client.diagnosticSettings.get(BLOB_SERVICE, 'audit-to-law')).toEqual(created);
      const listed: DiagnosticSettingsResource[] = [];
      for await (const setting of client.diagnosticSettings.list(BLOB_SERVICE)) listed.push(setting);
      expect(listed).toEqual([created]);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
