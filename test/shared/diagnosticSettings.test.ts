/**
 * diagnostic-settings end to end: a person deletes (or re-points) the required diagnostic setting
 * of a blob service through the real @azure/arm-monitor client, the sandbox's Event Grid delivers
 * the ARM event, the pipeline judges it as the blob service, reads the service with its settings
 * and restores the setting with one exact PUT (api 2021-05-01-preview), confirmed by the re-read;
 * the audit names who did it. Shapes: azure-rest-api-specs Microsoft.Insights/preview/
 * 2021-05-01-preview diagnosticsSettings_API.json (shared/fixtures/arm/insights/).
 */
import { type DiagnosticSettingsResource, MonitorClient } from '@azure/arm-monitor';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSandboxState, sandboxCredential, type ArmResource } from '../../sandbox/index.js';
import { SANDBOX_SERVICE_IDENTITY } from '../../shared/arm/sandboxConnection.js';
import { armWriteEvent, SUB } from '../helpers/events.js';
import { startWorld, type World } from '../helpers/world.js';
import { startWebhook, USER, type TestWebhook } from '../sandbox/helpers.js';

const WORKSPACE = `/subscriptions/${SUB}/resourceGroups/rg-shared-logs/providers/Microsoft.OperationalInsights/workspaces/law-hipaa-audit`;
const ELSEWHERE = `/subscriptions/${SUB}/resourceGroups/rg-sandbox/providers/Microsoft.OperationalInsights/workspaces/law-scratch`;
const accountId = (name: string) => `/subscriptions/${SUB}/resourceGroups/rg-clinical/providers/Microsoft.Storage/storageAccounts/${name}`;
const EHR = accountId('stclinicalehr01');
const IMAGING = accountId('stclinicalimg02');
const blobServiceOf = (account: string) => `${account}/blobServices/default`;
const BLOB = blobServiceOf(EHR);
const SETTING_PATH = `${BLOB}/providers/Microsoft.Insights/diagnosticSettings/hipaa-audit`;
const REQUIRED_LOGS = [
  { category: 'StorageRead', enabled: true },
  { category: 'StorageWrite', enabled: true },
  { category: 'StorageDelete', enabled: true },
];
const POLICY = { policy: { diagnosticSettings: { workspaceId: WORKSPACE } } };

/** Accounts and blob services every other remediator finds compliant: the only write is the setting's. */
function storage(account: string): ArmResource[] {
  const name = account.split('/').at(-1)!;
  return [
    { id: account, name, type: 'Microsoft.Storage/storageAccounts', location: 'eastus2', kind: 'StorageV2', properties: { allowBlobPublicAccess: false, supportsHttpsTrafficOnly: true, minimumTlsVersion: 'TLS1_2' } },
    {
      id: blobServiceOf(account),
      name: 'default',
      type: 'Microsoft.Storage/storageAccounts/blobServices',
      properties: { deleteRetentionPolicy: { enabled: true, days: 30 }, containerDeleteRetentionPolicy: { enabled: true, days: 30 }, isVersioningEnabled: true },
    },
  ];
}

let world: World;
let webhook: TestWebhook | undefined;
afterEach(async () => {
  await webhook?.close();
  webhook = undefined;
  await world.close();
});

/** A person with Contributor rights, through the real client. */
const person = () => new MonitorClient(sandboxCredential(USER), { endpoint: world.sandbox.url, tlsOptions: { ca: world.sandbox.ca } });

async function start(config: Record<string, unknown>, accounts = [EHR], setting?: DiagnosticSettingsResource): Promise<void> {
  world = await startWorld(parseSandboxState({ resources: accounts.flatMap(storage) }), config);
  if (setting !== undefined) await person().diagnosticSettings.createOrUpdate(BLOB, 'hipaa-audit', setting);
  webhook = await startWebhook();
  await world.sandbox.eventGrid.subscribe({ name: 'service', endpoint: webhook.url });
}

/** The ARM events Event Grid has delivered so far (Event Grid schema, one per notification). */
async function delivered(count: number): Promise<Record<string, unknown>[]> {
  await webhook!.waitForNotifications(count);
  return webhook!.notifications().flatMap((request) => JSON.parse(request.body) as Record<string, unknown>[]);
}

/** The service's own requests, with api-version and status. */
const serviceCalls = (method?: string) =>
  world.sandbox.requests.filter((r) => r.callerObjectId === SANDBOX_SERVICE_IDENTITY.objectId && (method === undefined || r.method === method)).map((r) => [r.method, r.path, r.apiVersion, r.status]);

/** The setting as the sandbox holds it: the properties exactly as the PUT sent them (a PUT replaces the whole setting). */
const stored = () => world.sandbox.snapshot().resources.find((r) => r.type === 'Microsoft.Insights/diagnosticSettings' && r.id.toLowerCase() === SETTING_PATH.toLowerCase());

const USER_ACTOR = { objectId: USER.objectId, appId: USER.appId, principalType: 'User' };

describe('diagnostic-settings through the pipeline', () => {
  it('a person deletes the setting: the delete event restores it with one exact PUT, confirmed, and the audit names who deleted it', async () => {
    await start(POLICY, [EHR], { workspaceId: WORKSPACE, logs: REQUIRED_LOGS });
    await person().diagnosticSettings.delete(BLOB, 'hipaa-audit');
    const [deletion] = await delivered(1);
    expect(deletion).toMatchObject({ eventType: 'Microsoft.Resources.ResourceDeleteSuccess', subject: SETTING_PATH, data: { operationName: 'Microsoft.Insights/diagnosticSettings/delete' } });
    world.sandbox.clearRequests();

    const { results } = await world.runtime.pipeline.processBatch([deletion]);
    // Judged as the blob service; only this remediator looks at deletes of it.
    expect(results).toMatchObject([{ remediator: 'diagnostic-settings', resourceId: BLOB, decision: 'remediated', control: 'audit-controls', citation: '45 CFR 164.312(b)' }]);
    expect(results[0]?.findings?.[0]?.message).toMatch(/required diagnostic setting "hipaa-audit" is missing/);

    // Read: the blob service and its account, and the service's settings (one list call); then the
    // PUT; then the re-read that confirms.
    const reads = [
      ['GET', BLOB, '2025-08-01', 200],
      ['GET', EHR, '2025-08-01', 200],
      ['GET', `${BLOB}/providers/Microsoft.Insights/diagnosticSettings`, '2021-05-01-preview', 200],
    ];
    const sorted = (calls: unknown[][]) => [...calls].sort((a, b) => String(a[1]).localeCompare(String(b[1])));
    const calls = serviceCalls();
    expect(sorted(calls.slice(0, 3))).toEqual(sorted(reads));
    expect(calls[3]).toEqual(['PUT', SETTING_PATH, '2021-05-01-preview', 200]);
    expect(sorted(calls.slice(4))).toEqual(sorted(reads));
    expect(stored()?.properties).toEqual({ workspaceId: WORKSPACE, logs: REQUIRED_LOGS });

    // The person sees it back.
    expect(await person().diagnosticSettings.get(BLOB, 'hipaa-audit')).toMatchObject({ name: 'hipaa-audit', workspaceId: WORKSPACE, logs: REQUIRED_LOGS });

    const audit = await world.audit();
    const intent = audit.find((r) => r.kind === 'intent');
    expect(intent).toMatchObject({
      remediator: 'diagnostic-settings',
      resourceId: BLOB,
      actor: USER_ACTOR,
      before: { workspaceId: null, logs: null },
      change: { operation: 'diagnosticSettings.createOrUpdate', method: 'PUT', resourceId: SETTING_PATH, apiVersion: '2021-05-01-preview', body: { workspaceId: WORKSPACE, logs: REQUIRED_LOGS }, target: 'diagnosticSettings' },
    });
    expect(audit.find((r) => r.kind === 'outcome')).toMatchObject({ intentSeq: intent?.seq, outcome: 'succeeded', after: { workspaceId: WORKSPACE, logs: REQUIRED_LOGS } });

    // The restore's own write event comes back: the service's own change, no loop.
    const [, own] = await delivered(2);
    const echoed = (await world.runtime.pipeline.processBatch([own])).results;
    expect(echoed.map((r) => [r.remediator, r.decision, r.reason])).toEqual([
      ['storage-data-protection', 'skipped', "caused by the service's own identity (no loop)"],
      ['diagnostic-settings', 'skipped', "caused by the service's own identity (no loop)"],
    ]);
  });

  it('a re-pointed setting gets the audit workspace back, keeping its metrics and other categories', async () => {
    await start(POLICY, [EHR], { workspaceId: WORKSPACE, logs: REQUIRED_LOGS });
    const repointed = { workspaceId: ELSEWHERE, logs: [{ category: 'StorageRead', enabled: false }, { category: 'StorageWrite', enabled: true }], metrics: [{ category: 'Transaction', enabled: true }] };
    await person().diagnosticSettings.createOrUpdate(BLOB, 'hipaa-audit', repointed);
    const [write] = await delivered(1);
    const { results } = await world.runtime.pipeline.processBatch([write]);
    expect(results.map((r) => [r.remediator, r.decision])).toEqual([
      ['storage-data-protection', 'compliant'],
      ['diagnostic-settings', 'remediated'],
    ]);
    expect(results[1]?.findings?.map((f) => f.property)).toEqual(['diagnosticSettings/hipaa-audit.workspaceId', 'diagnosticSettings/hipaa-audit.logs']);
    expect(serviceCalls('PUT')).toEqual([['PUT', SETTING_PATH, '2021-05-01-preview', 200]]);
    expect(stored()?.properties).toEqual({
      metrics: [{ category: 'Transaction', enabled: true }],
      workspaceId: WORKSPACE,
      logs: [{ category: 'StorageRead', enabled: true }, { category: 'StorageWrite', enabled: true }, { category: 'StorageDelete', enabled: true }],
    });
    const intent = (await world.audit()).find((r) => r.kind === 'intent');
    // The audit keeps what the person had set.
    expect(intent).toMatchObject({ actor: USER_ACTOR, before: { workspaceId: ELSEWHERE, metrics: [{ category: 'Transaction', enabled: true }] } });
  });

  it('a compliant setting: compliant, no write', async () => {
    await start(POLICY, [EHR], { workspaceId: WORKSPACE, logs: [...REQUIRED_LOGS, { category: 'Custom', enabled: false }] });
    const { results } = await world.runtime.pipeline.processBatch([armWriteEvent(SETTING_PATH, { operationName: 'Microsoft.Insights/diagnosticSettings/write' })]);
    expect(results.find((r) => r.remediator === 'diagnostic-settings')?.decision).toBe('compliant');
    expect(serviceCalls('PUT')).toEqual([]);
  });

  it('the sweep lists each blob service’s settings once and restores the missing one', async () => {
    await start(POLICY, [EHR, IMAGING], { workspaceId: WORKSPACE, logs: REQUIRED_LOGS });
    const outcome = await world.runtime.pipeline.sweep('diagnostics');
    const decided = outcome.results.filter((r) => r.remediator === 'diagnostic-settings').map((r) => [r.resourceId, r.decision]);
    expect(decided).toEqual([
      [BLOB, 'compliant'],
      [blobServiceOf(IMAGING), 'remediated'],
    ]);
    const listings = serviceCalls('GET').filter((c) => String(c[1]).endsWith('/providers/Microsoft.Insights/diagnosticSettings'));
    // One listing per blob service in the sweep, one more for the re-read that confirmed the restore.
    expect(listings.map((c) => c[1])).toEqual([`${BLOB}/providers/Microsoft.Insights/diagnosticSettings`, `${blobServiceOf(IMAGING)}/providers/Microsoft.Insights/diagnosticSettings`, `${blobServiceOf(IMAGING)}/providers/Microsoft.Insights/diagnosticSettings`]);
    expect(serviceCalls('PUT')).toEqual([['PUT', `${blobServiceOf(IMAGING)}/providers/Microsoft.Insights/diagnosticSettings/hipaa-audit`, '2021-05-01-preview', 200]]);
  });

  it('no audit workspace configured: alert "no audit workspace configured", no write', async () => {
    await start({}, [EHR]);
    const { results } = await world.runtime.pipeline.processBatch([armWriteEvent(BLOB, { operationName: 'Microsoft.Storage/storageAccounts/blobServices/write' })]);
    const decided = results.find((r) => r.remediator === 'diagnostic-settings');
    expect(decided).toMatchObject({ decision: 'alerted', changes: [], reason: 'no automatic fix' });
    expect(decided?.findings?.[0]?.message).toMatch(/^no audit workspace configured/);
    expect(serviceCalls('PUT')).toEqual([]);
    const alerts = (await world.runtime.alertStore.listAll()).map((a) => a.record);
    expect(alerts).toMatchObject([{ state: 'open', remediator: 'diagnostic-settings', resourceId: BLOB, severity: 'high' }]);
  });

  it('in alert mode the alert names who deleted the setting and what would restore it', async () => {
    await start({ ...POLICY, modes: { 'diagnostic-settings': 'alert' } }, [EHR], { workspaceId: WORKSPACE, logs: REQUIRED_LOGS });
    await person().diagnosticSettings.delete(BLOB, 'hipaa-audit');
    const [deletion] = await delivered(1);
    const { results } = await world.runtime.pipeline.processBatch([deletion]);
    expect(results).toMatchObject([{ remediator: 'diagnostic-settings', decision: 'alerted' }]);
    expect(serviceCalls('PUT')).toEqual([]);
    const [alert] = (await world.runtime.alertStore.listAll()).map((a) => a.record);
    expect(alert).toMatchObject({ state: 'open', actor: USER_ACTOR, plannedChanges: [{ method: 'PUT', resourceId: SETTING_PATH, body: { workspaceId: WORKSPACE, logs: REQUIRED_LOGS } }] });
    expect(alert?.findings[0]?.message).toMatch(/missing/);
  });

  it('a vault: its deleted setting is restored with AuditEvent (whichever family reads vaults, the settings come with it)', async () => {
    const vault = `/subscriptions/${SUB}/resourceGroups/rg-security/providers/Microsoft.KeyVault/vaults/kv-phi-keys`;
    const resources: ArmResource[] = [{ id: vault, name: 'kv-phi-keys', type: 'Microsoft.KeyVault/vaults', location: 'eastus2', properties: { tenantId: USER.tenantId, sku: { family: 'A', name: 'standard' }, accessPolicies: [] } }];
    world = await startWorld(parseSandboxState({ resources }), POLICY);
    await person().diagnosticSettings.createOrUpdate(vault, 'hipaa-audit', { workspaceId: WORKSPACE, logs: [{ category: 'AuditEvent', enabled: true }] });
    webhook = await startWebhook();
    await world.sandbox.eventGrid.subscribe({ name: 'service', endpoint: webhook.url });
    await person().diagnosticSettings.delete(vault, 'hipaa-audit');
    const [deletion] = await delivered(1);
    const { results } = await world.runtime.pipeline.processBatch([deletion]);
    expect(results.find((r) => r.remediator === 'diagnostic-settings')).toMatchObject({ resourceId: vault, decision: 'remediated' });
    expect(serviceCalls('PUT').filter((c) => String(c[1]).includes('diagnosticSettings'))).toEqual([['PUT', `${vault}/providers/Microsoft.Insights/diagnosticSettings/hipaa-audit`, '2021-05-01-preview', 200]]);
    expect(await person().diagnosticSettings.get(vault, 'hipaa-audit')).toMatchObject({ workspaceId: WORKSPACE, logs: [{ category: 'AuditEvent', enabled: true }] });
    expect((await world.audit()).find((r) => r.kind === 'intent' && r.remediator === 'diagnostic-settings')).toMatchObject({ actor: USER_ACTOR });
  });

  it('settings that cannot be listed: 403 alerts "could not read" (no write); 503 fails the event for redelivery', async () => {
    await start(POLICY, [EHR]);
    world.sandbox.faults.inject({ pathPattern: /\/providers\/Microsoft\.Insights\/diagnosticSettings$/i, status: 403, code: 'AuthorizationFailed', times: 10 });
    const denied = (await world.runtime.pipeline.processBatch([armWriteEvent(BLOB, { operationName: 'Microsoft.Storage/storageAccounts/blobServices/write' })])).results;
    expect(denied.map((r) => [r.remediator, r.decision])).toEqual([
      ['storage-data-protection', 'compliant'],
      ['diagnostic-settings', 'alerted'],
    ]);
    expect(denied[1]?.findings?.[0]?.message).toMatch(/^could not read the diagnostic settings/);
    expect(serviceCalls('PUT')).toEqual([]);

    world.sandbox.faults.clear();
    world.sandbox.faults.inject({ pathPattern: /\/providers\/Microsoft\.Insights\/diagnosticSettings$/i, status: 503, times: 10 });
    const { results, summary } = await world.runtime.pipeline.processBatch([armWriteEvent(BLOB, { operationName: 'Microsoft.Storage/storageAccounts/blobServices/write' })]);
    expect(results.every((r) => r.decision === 'failed' && r.retryable === true)).toBe(true);
    expect(summary.retryable).toBe(true);
    expect(serviceCalls('PUT')).toEqual([]);
  });
});
