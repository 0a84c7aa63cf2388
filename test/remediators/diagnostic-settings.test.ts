import { describe, expect, it } from 'vitest';
import { diagnosticSettings } from '../../remediators/diagnostic-settings.js';
import { parseResourceId } from '../../shared/arm/resourceId.js';
import { buildConfig, ConfigError } from '../../shared/config.js';
import { BLOB_SERVICE, KEY_VAULT } from '../../shared/arm/resourceTypes.js';
import type { ResourceSnapshot } from '../../shared/arm/snapshot.js';
import type { EvalContext } from '../../shared/remediator.js';
import { AUDIT_WORKSPACE_ID, compliantBlobSetting, monitoredBlobService, monitoredVault, OTHER_WORKSPACE_ID, setting, VAULT_ID } from '../helpers/diagnostics.js';
import { applied, BLOB_SERVICE_ID, blobService, CTX } from '../helpers/snapshots.js';

type Snapshot = Parameters<typeof diagnosticSettings.evaluate>[0];
const evaluate = (s: Snapshot, ctx: EvalContext = CTX) => diagnosticSettings.evaluate(s, ctx);
const plan = (s: Snapshot, ctx: EvalContext = CTX) => diagnosticSettings.plan(s, evaluate(s, ctx));
const BLOB_SETTING = `${BLOB_SERVICE_ID}/providers/Microsoft.Insights/diagnosticSettings/hipaa-audit`;
const BLOB_LOGS = [
  { category: 'StorageRead', enabled: true },
  { category: 'StorageWrite', enabled: true },
  { category: 'StorageDelete', enabled: true },
];
const withPolicy = (policy: Partial<EvalContext['policy']['diagnosticSettings']>): EvalContext => ({ ...CTX, policy: { ...CTX.policy, diagnosticSettings: { ...CTX.policy.diagnosticSettings, ...policy } } });

/** plan(applied(plan(x))) = [] and the result is compliant. */
function expectRestored(snapshot: Snapshot, ctx: EvalContext = CTX): void {
  const fixed = applied(snapshot, plan(snapshot, ctx)) as Snapshot;
  expect(evaluate(fixed, ctx)).toEqual([]);
  expect(plan(fixed, ctx)).toEqual([]);
}

describe('diagnostic-settings (164.312(b), 164.308(a)(1)(ii)(D))', () => {
  it('judges blob services and vaults, on writes and on deletes (of the setting, judged as the resource)', () => {
    expect(diagnosticSettings.resourceTypes).toEqual([BLOB_SERVICE, KEY_VAULT]);
    expect(diagnosticSettings.triggers).toEqual(['write', 'delete']);
    expect(diagnosticSettings.defaultMode).toBe('remediate');
    expect(diagnosticSettings.controls).toEqual(['audit-controls', 'activity-review']);
  });

  it('is compliant with the required setting sending the required categories to the audit workspace', () => {
    expect(evaluate(monitoredBlobService([compliantBlobSetting()]))).toEqual([]);
    // Ids and names compare case-insensitively (Azure Monitor answers them partly lower-cased).
    const cased = { ...compliantBlobSetting(), name: 'HIPAA-Audit', workspaceId: AUDIT_WORKSPACE_ID.toLowerCase() };
    expect(evaluate(monitoredBlobService([cased]))).toEqual([]);
    // `allLogs` sends every category.
    expect(evaluate(monitoredBlobService([setting(BLOB_SERVICE_ID, 'hipaa-audit', { workspaceId: AUDIT_WORKSPACE_ID, logs: [{ categoryGroup: 'allLogs', enabled: true }] })]))).toEqual([]);
    expect(evaluate(monitoredVault([setting(VAULT_ID, 'hipaa-audit', { workspaceId: AUDIT_WORKSPACE_ID, logs: [{ category: 'AuditEvent', enabled: true }] })]))).toEqual([]);
  });

  it('a deleted setting is re-created exactly: the audit workspace and the required categories', () => {
    const snapshot = monitoredBlobService([setting(BLOB_SERVICE_ID, 'someone-elses', { storageAccountId: '/x', logs: [] })]);
    expect(evaluate(snapshot)).toEqual([
      {
        controls: ['audit-controls', 'activity-review'],
        property: 'diagnosticSettings/hipaa-audit',
        actual: null,
        expected: { workspaceId: AUDIT_WORKSPACE_ID, logs: BLOB_LOGS },
        message: 'required diagnostic setting "hipaa-audit" is missing (deleted?): this resource\'s audit logs (StorageRead, StorageWrite, StorageDelete) reach no audit workspace',
      },
    ]);
    expect(plan(snapshot)).toEqual([
      { operation: 'diagnosticSettings.createOrUpdate', method: 'PUT', resourceId: BLOB_SETTING, body: { workspaceId: AUDIT_WORKSPACE_ID, logs: BLOB_LOGS }, target: 'diagnosticSettings' },
    ]);
    expectRestored(snapshot);
  });

  it('a vault must send AuditEvent', () => {
    const vault = monitoredVault([]);
    expect(plan(vault)).toEqual([
      {
        operation: 'diagnosticSettings.createOrUpdate',
        method: 'PUT',
        resourceId: `${VAULT_ID}/providers/Microsoft.Insights/diagnosticSettings/hipaa-audit`,
        body: { workspaceId: AUDIT_WORKSPACE_ID, logs: [{ category: 'AuditEvent', enabled: true }] },
        target: 'diagnosticSettings',
      },
    ]);
    expectRestored(vault);
  });

  it('a re-pointed setting gets the audit workspace back, keeping its other destinations, entries and metrics', () => {
    const changed = setting(BLOB_SERVICE_ID, 'hipaa-audit', {
      workspaceId: OTHER_WORKSPACE_ID,
      storageAccountId: '/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg-clinical/providers/Microsoft.Storage/storageAccounts/starchive01',
      logAnalyticsDestinationType: 'Dedicated',
      // As the SDK deserializes them: absent fields present as undefined.
      logs: [
        { category: 'StorageRead', categoryGroup: undefined, enabled: true, retentionPolicy: undefined },
        { category: 'StorageWrite', enabled: true },
        { category: 'StorageDelete', enabled: true },
      ],
      metrics: [{ category: 'Transaction', enabled: true, timeGrain: undefined }],
      eventHubName: undefined,
    });
    const snapshot = monitoredBlobService([changed]);
    expect(evaluate(snapshot)).toMatchObject([{ property: 'diagnosticSettings/hipaa-audit.workspaceId', actual: OTHER_WORKSPACE_ID, expected: AUDIT_WORKSPACE_ID, message: `diagnostic setting "hipaa-audit" sends to workspace ${OTHER_WORKSPACE_ID}, not the audit workspace` }]);
    expect(plan(snapshot)[0]?.body).toEqual({
      storageAccountId: changed.storageAccountId,
      logAnalyticsDestinationType: 'Dedicated',
      metrics: [{ category: 'Transaction', enabled: true }],
      workspaceId: AUDIT_WORKSPACE_ID,
      logs: BLOB_LOGS,
    });
    expectRestored(snapshot);
  });

  it('switches a disabled required category on and adds a missing one, keeping the other categories as they are', () => {
    const snapshot = monitoredBlobService([
      setting(BLOB_SERVICE_ID, 'hipaa-audit', {
        workspaceId: AUDIT_WORKSPACE_ID,
        logs: [
          { category: 'StorageRead', enabled: false, retentionPolicy: { enabled: false, days: 0 } },
          { category: 'StorageWrite', enabled: true },
          { category: 'Custom', enabled: true },
        ],
      }),
    ]);
    expect(evaluate(snapshot)).toMatchObject([
      { property: 'diagnosticSettings/hipaa-audit.logs', actual: ['StorageWrite', 'Custom'], expected: BLOB_LOGS, message: 'diagnostic setting "hipaa-audit" does not send StorageRead, StorageDelete (missing or disabled)' },
    ]);
    expect(plan(snapshot)[0]?.body).toEqual({
      workspaceId: AUDIT_WORKSPACE_ID,
      logs: [
        { category: 'StorageRead', enabled: true, retentionPolicy: { enabled: false, days: 0 } },
        { category: 'StorageWrite', enabled: true },
        { category: 'Custom', enabled: true },
        { category: 'StorageDelete', enabled: true },
      ],
    });
    expectRestored(snapshot);
  });

  it('both at once: one PUT', () => {
    const snapshot = monitoredBlobService([setting(BLOB_SERVICE_ID, 'hipaa-audit', { storageAccountId: '/s', logs: [{ category: 'StorageWrite', enabled: false }] })]);
    expect(evaluate(snapshot).map((f) => f.property)).toEqual(['diagnosticSettings/hipaa-audit.workspaceId', 'diagnosticSettings/hipaa-audit.logs']);
    expect(evaluate(snapshot)[0]?.message).toMatch(/sends to no workspace/);
    expect(plan(snapshot)).toHaveLength(1);
    expectRestored(snapshot);
  });

  it('follows the policy: another name, category groups', () => {
    const ctx = withPolicy({ name: 'audit-to-law', logs: { ...CTX.policy.diagnosticSettings.logs, [BLOB_SERVICE]: { categories: [], categoryGroups: ['audit'] } } });
    const snapshot = monitoredBlobService([compliantBlobSetting()]);
    expect(plan(snapshot, ctx)).toEqual([
      {
        operation: 'diagnosticSettings.createOrUpdate',
        method: 'PUT',
        resourceId: `${BLOB_SERVICE_ID}/providers/Microsoft.Insights/diagnosticSettings/audit-to-law`,
        body: { workspaceId: AUDIT_WORKSPACE_ID, logs: [{ categoryGroup: 'audit', enabled: true }] },
        target: 'diagnosticSettings',
      },
    ]);
    expectRestored(snapshot, ctx);
    // Categories do not stand in for a required group.
    expect(evaluate(monitoredBlobService([setting(BLOB_SERVICE_ID, 'audit-to-law', { workspaceId: AUDIT_WORKSPACE_ID, logs: BLOB_LOGS })]), ctx)).toMatchObject([{ property: 'diagnosticSettings/audit-to-law.logs' }]);
  });

  it('without a configured workspace: alerts "no audit workspace configured", plans nothing', () => {
    const ctx = withPolicy({ workspaceId: undefined });
    for (const snapshot of [monitoredBlobService([]), monitoredBlobService([compliantBlobSetting()]), monitoredVault(undefined)]) {
      const findings = evaluate(snapshot, ctx);
      expect(findings).toMatchObject([{ remediable: false, message: expect.stringMatching(/^no audit workspace configured/) as unknown }]);
      expect(diagnosticSettings.plan(snapshot, findings)).toEqual([]);
    }
  });

  it('settings that could not be read (403): alerts "could not read", plans nothing', () => {
    const snapshot: ResourceSnapshot = blobService({});
    const findings = evaluate(snapshot as Snapshot);
    expect(findings).toMatchObject([{ property: 'diagnosticSettings/hipaa-audit', actual: 'unknown', remediable: false, message: expect.stringMatching(/^could not read the diagnostic settings/) as unknown }]);
    expect(diagnosticSettings.plan(snapshot as Snapshot, findings)).toEqual([]);
  });

  it('names the setting on the id it plans for, under any resource id', () => {
    const other = { ...monitoredVault([]), id: parseResourceId(VAULT_ID.replace('kv-phi-keys', 'kv-other')) };
    expect(plan(other)[0]?.resourceId).toBe(`${VAULT_ID.replace('kv-phi-keys', 'kv-other')}/providers/Microsoft.Insights/diagnosticSettings/hipaa-audit`);
  });
});

describe('policy.diagnosticSettings (config)', () => {
  const WORKSPACE = AUDIT_WORKSPACE_ID;

  it('defaults: hipaa-audit, no workspace, the categories Azure Monitor documents per type', () => {
    expect(buildConfig({}, {}).policy.diagnosticSettings).toEqual({
      name: 'hipaa-audit',
      workspaceId: undefined,
      logs: {
        [BLOB_SERVICE]: { categories: ['StorageRead', 'StorageWrite', 'StorageDelete'], categoryGroups: [] },
        [KEY_VAULT]: { categories: ['AuditEvent'], categoryGroups: [] },
      },
    });
  });

  it('takes the workspace from the file or HIPAA_REMEDIATOR_LOG_WORKSPACE_ID, and refuses two different ones', () => {
    expect(buildConfig({ policy: { diagnosticSettings: { workspaceId: WORKSPACE } } }, {}).policy.diagnosticSettings.workspaceId).toBe(WORKSPACE);
    expect(buildConfig({}, { HIPAA_REMEDIATOR_LOG_WORKSPACE_ID: WORKSPACE }).policy.diagnosticSettings.workspaceId).toBe(WORKSPACE);
    expect(buildConfig({ policy: { diagnosticSettings: { workspaceId: WORKSPACE } } }, { HIPAA_REMEDIATOR_LOG_WORKSPACE_ID: WORKSPACE.toLowerCase() }).policy.diagnosticSettings.workspaceId).toBe(WORKSPACE);
    expect(() => buildConfig({ policy: { diagnosticSettings: { workspaceId: WORKSPACE } } }, { HIPAA_REMEDIATOR_LOG_WORKSPACE_ID: OTHER_WORKSPACE_ID })).toThrow(/name different workspaces/);
  });

  it('refuses what is not a Log Analytics workspace id, a bad name, and a type that must send nothing', () => {
    expect(() => buildConfig({ policy: { diagnosticSettings: { workspaceId: VAULT_ID } } }, {})).toThrow(ConfigError);
    expect(() => buildConfig({}, { HIPAA_REMEDIATOR_LOG_WORKSPACE_ID: 'law-hipaa-audit' })).toThrow(/HIPAA_REMEDIATOR_LOG_WORKSPACE_ID is not a Log Analytics workspace id/);
    expect(() => buildConfig({ policy: { diagnosticSettings: { name: '../x' } } }, {})).toThrow(/policy\.diagnosticSettings\.name/);
    expect(() => buildConfig({ policy: { diagnosticSettings: { logs: { [KEY_VAULT]: { categories: [] } } } } }, {})).toThrow(/at least one log category/);
    expect(() => buildConfig({ policy: { diagnosticSettings: { logs: { 'Microsoft.Sql/servers': { categories: ['SQLSecurityAuditEvents'] } } } } }, {})).toThrow(ConfigError);
  });

  it('category groups instead of categories', () => {
    const logs = buildConfig({ policy: { diagnosticSettings: { logs: { [BLOB_SERVICE]: { categories: [], categoryGroups: ['audit'] } } } } }, {}).policy.diagnosticSettings.logs;
    expect(logs[BLOB_SERVICE]).toEqual({ categories: [], categoryGroups: ['audit'] });
    expect(logs[KEY_VAULT]).toEqual({ categories: ['AuditEvent'], categoryGroups: [] });
  });
});
