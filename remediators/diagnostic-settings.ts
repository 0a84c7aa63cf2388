import type { DiagnosticSettingsResource, LogSettings, MetricSettings } from '@azure/arm-monitor';
import { BLOB_SERVICE, KEY_VAULT } from '../shared/arm/resourceTypes.js';
import type { SnapshotOf } from '../shared/arm/snapshot.js';
import type { Change, EvalContext, Finding, Policy, Remediator } from '../shared/remediator.js';

type Snapshot = SnapshotOf<typeof BLOB_SERVICE | typeof KEY_VAULT>;
type Body = Extract<Change, { operation: 'diagnosticSettings.createOrUpdate' }>['body'];

const CONTROLS = ['audit-controls', 'activity-review'] as const;

/** The category group that is every log category of the resource type: it sends whatever is required. */
const ALL_LOGS = 'allLogs';

/** Destinations and options of a setting a restore keeps as they are (a PUT replaces the whole setting). */
const KEPT = ['storageAccountId', 'eventHubAuthorizationRuleId', 'eventHubName', 'marketplacePartnerId', 'serviceBusRuleId', 'logAnalyticsDestinationType'] as const;

/** Findings name the setting by property: `diagnosticSettings/<name>` (missing), then `.workspaceId` or `.logs`. */
const PROPERTY_PREFIX = 'diagnosticSettings/';

/**
 * Audit controls (164.312(b)) and information system activity review (164.308(a)(1)(ii)(D)) need
 * the record of who read, wrote and deleted ePHI: a blob service's StorageRead/Write/Delete logs,
 * a vault's AuditEvent. They exist only as long as a diagnostic setting sends them somewhere, and
 * deleting (or re-pointing) that setting is the classic way to hide tracks. The required setting is
 * restored to the configured workspace, keeping whatever else the setting sends; without a
 * configured workspace, or when the settings cannot be read, it alerts rather than guess.
 */
export const diagnosticSettings: Remediator<Snapshot> = {
  id: 'diagnostic-settings',
  title: 'Required diagnostic setting sending audit logs to the audit workspace',
  controls: [...CONTROLS],
  resourceTypes: [BLOB_SERVICE, KEY_VAULT],
  // Deleting the setting is the change that matters most (the event is judged as the resource it was on).
  triggers: ['write', 'delete'],
  armActions: ['Microsoft.Insights/diagnosticSettings/write'],
  defaultMode: 'remediate',

  evaluate(snapshot, ctx: EvalContext) {
    const policy = ctx.policy.diagnosticSettings;
    const required = requiredLogs(policy, snapshot.type);
    const wanted = describeLogs(required);
    const property = `${PROPERTY_PREFIX}${policy.name}`;
    const workspaceId = policy.workspaceId;
    if (workspaceId === undefined) {
      return [
        {
          controls: [...CONTROLS],
          property: `${property}.workspaceId`,
          actual: null,
          expected: 'the Log Analytics workspace id of policy.diagnosticSettings.workspaceId (or HIPAA_REMEDIATOR_LOG_WORKSPACE_ID)',
          message: `no audit workspace configured: where this resource's audit logs (${wanted}) must go is not known, so diagnostic setting "${policy.name}" is neither checked nor restored`,
          remediable: false,
        },
      ];
    }
    const settings = snapshot.diagnosticSettings;
    if (settings === undefined) {
      return [
        {
          controls: [...CONTROLS],
          property,
          actual: 'unknown',
          expected: { workspaceId, logs: required },
          message: `could not read the diagnostic settings of this resource (ARM refused to list them): whether its audit logs (${wanted}) reach the audit workspace is unknown`,
          remediable: false,
        },
      ];
    }
    const setting = settingNamed(settings, policy.name);
    if (setting === undefined) {
      return [
        {
          controls: [...CONTROLS],
          property,
          actual: null,
          expected: { workspaceId, logs: required },
          message: `required diagnostic setting "${policy.name}" is missing (deleted?): this resource's audit logs (${wanted}) reach no audit workspace`,
        },
      ];
    }
    const findings: Finding[] = [];
    if (!sameName(setting.workspaceId, workspaceId)) {
      findings.push({
        controls: [...CONTROLS],
        property: `${property}.workspaceId`,
        actual: setting.workspaceId ?? null,
        expected: workspaceId,
        message: `diagnostic setting "${policy.name}" sends to ${given(setting.workspaceId) ? `workspace ${setting.workspaceId}` : 'no workspace'}, not the audit workspace`,
      });
    }
    const missing = required.filter((log) => !(setting.logs ?? []).some((entry) => covers(entry, log)));
    if (missing.length > 0) {
      findings.push({
        controls: [...CONTROLS],
        property: `${property}.logs`,
        actual: (setting.logs ?? []).filter((entry) => entry.enabled).map(logName),
        expected: required,
        message: `diagnostic setting "${policy.name}" does not send ${describeLogs(missing)} (missing or disabled)`,
      });
    }
    return findings;
  },

  plan(snapshot, findings): Change[] {
    const fixable = findings.filter((f) => f.remediable !== false && f.property.startsWith(PROPERTY_PREFIX));
    const first = fixable[0];
    if (first === undefined) return [];
    const name = first.property.slice(PROPERTY_PREFIX.length).replace(/\.(workspaceId|logs)$/, '');
    const resourceId = `${snapshot.id.id}/providers/Microsoft.Insights/diagnosticSettings/${name}`;
    const existing = settingNamed(snapshot.diagnosticSettings ?? [], name);
    let body: Body;
    if (existing === undefined) {
      // Missing: created exactly as policy requires.
      const expected = first.expected as { workspaceId: string; logs: LogSettings[] };
      body = { workspaceId: expected.workspaceId, logs: expected.logs.map((log) => ({ ...log })) };
    } else {
      // Changed: the required workspace and categories, and everything else the setting sends kept.
      const workspace = fixable.find((f) => f.property.endsWith('.workspaceId'));
      const logs = fixable.find((f) => f.property.endsWith('.logs'));
      body = {
        ...kept(existing),
        ...(existing.metrics === undefined ? {} : { metrics: existing.metrics.map(defined) }),
        workspaceId: workspace === undefined ? (existing.workspaceId ?? '') : String(workspace.expected),
        logs: restoredLogs(existing.logs ?? [], logs === undefined ? [] : (logs.expected as LogSettings[])),
      };
    }
    return [{ operation: 'diagnosticSettings.createOrUpdate', method: 'PUT', resourceId, body, target: 'diagnosticSettings' }];
  },
};

/** The entries a monitored type must send, each enabled: categories first, then category groups. */
function requiredLogs(policy: Policy['diagnosticSettings'], type: Snapshot['type']): LogSettings[] {
  const logs = policy.logs[type] ?? { categories: [], categoryGroups: [] };
  return [...logs.categories.map((category) => ({ category, enabled: true })), ...logs.categoryGroups.map((categoryGroup) => ({ categoryGroup, enabled: true }))];
}

/** Existing entries kept (required ones switched on), then the required ones the setting lacks entirely. */
function restoredLogs(existing: readonly LogSettings[], required: readonly LogSettings[]): LogSettings[] {
  const restored = existing.map((entry) => (required.some((log) => sameLog(entry, log)) ? { ...defined(entry), enabled: true } : defined(entry)));
  const absent = required.filter((log) => !existing.some((entry) => sameLog(entry, log)));
  return [...restored, ...absent.map((log) => ({ ...log }))];
}

function kept(setting: DiagnosticSettingsResource): Partial<Body> {
  const result: Record<string, unknown> = {};
  for (const key of KEPT) if (setting[key] !== undefined && setting[key] !== null) result[key] = setting[key];
  return result as Partial<Body>;
}

/** The SDK's deserializer sets every known key, absent ones to undefined: the body carries only what is there. */
function defined<T extends LogSettings | MetricSettings>(entry: T): T {
  return Object.fromEntries(Object.entries(entry).filter(([, value]) => value !== undefined)) as T;
}

/** An enabled entry sends the required log: the same category or group, or every log (`allLogs`). */
function covers(entry: LogSettings, log: LogSettings): boolean {
  return entry.enabled === true && (sameLog(entry, log) || sameName(entry.categoryGroup, ALL_LOGS));
}

function sameLog(entry: LogSettings, log: LogSettings): boolean {
  return log.category !== undefined ? sameName(entry.category, log.category) : sameName(entry.categoryGroup, log.categoryGroup);
}

function settingNamed(settings: readonly DiagnosticSettingsResource[], name: string): DiagnosticSettingsResource | undefined {
  return settings.find((setting) => sameName(setting.name, name));
}

/** Names and ARM ids compare case-insensitively (Azure Monitor answers ids lower-cased in parts). */
function sameName(a: string | undefined, b: string | undefined): boolean {
  return given(a) && given(b) && a.toLowerCase() === b.toLowerCase();
}

function given(value: string | undefined | null): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function logName(entry: LogSettings): string {
  return entry.category ?? `group ${entry.categoryGroup ?? '?'}`;
}

function describeLogs(logs: readonly LogSettings[]): string {
  return logs.length === 0 ? 'none required' : logs.map(logName).join(', ');
}
