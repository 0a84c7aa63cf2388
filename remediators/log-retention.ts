import type { SnapshotOf } from '../shared/arm/snapshot.js';
import { LOG_TABLE, LOG_WORKSPACE } from '../shared/arm/resourceTypes.js';
import type { Change, EvalContext, Finding, Remediator } from '../shared/remediator.js';

type Snapshot = SnapshotOf<typeof LOG_WORKSPACE> | SnapshotOf<typeof LOG_TABLE>;

const CONTROLS = ['documentation-retention', 'audit-controls'] as const;

/** Workspace interactive retention: 30-730 days (the Free tier is fixed at 7). */
const WORKSPACE_MAX_DAYS = 730;

/**
 * Total retention values Log Analytics accepts: 4-730 days, then whole years up to twelve
 * (1095, 1460, 1826, 2191, ..., 4383 — the service refuses anything between).
 */
export function allowedTotalRetention(minimumDays: number): number {
  if (minimumDays <= WORKSPACE_MAX_DAYS) return Math.max(4, minimumDays);
  for (let years = 3; years <= 12; years++) {
    const days = Math.floor(years * 365.25);
    if (days >= minimumDays) return days;
  }
  return 4383;
}

/**
 * Logs are audit evidence (164.312(b)) and HIPAA documentation kept six years
 * (164.316(b)(2)(i)), while Log Analytics keeps 30-90 days by default. Workspaces are raised to
 * the configured interactive retention; the audit tables' total retention (interactive +
 * archive, where archive is cheap) to at least six years — the next value the service accepts,
 * so 2190 becomes 2191. Nothing is ever lowered.
 */
export const logRetention: Remediator<Snapshot> = {
  id: 'log-retention',
  title: 'Log Analytics retention of audit logs',
  controls: [...CONTROLS],
  resourceTypes: [LOG_WORKSPACE, LOG_TABLE],
  armActions: ['Microsoft.OperationalInsights/workspaces/write', 'Microsoft.OperationalInsights/workspaces/tables/write'],
  defaultMode: 'remediate',

  appliesTo(id, policy) {
    return id.resourceType.toLowerCase() !== LOG_TABLE.toLowerCase() || policy.logRetention.tables.some((t) => t.toLowerCase() === id.name.toLowerCase());
  },

  evaluate(snapshot, ctx: EvalContext) {
    const policy = ctx.policy.logRetention;
    const findings: Finding[] = [];
    if (snapshot.type === LOG_WORKSPACE) {
      const current = snapshot.resource.retentionInDays;
      const wanted = Math.min(policy.workspaceRetentionDays, WORKSPACE_MAX_DAYS);
      if (current !== undefined && current >= wanted) return [];
      const free = snapshot.resource.sku?.name?.toLowerCase() === 'free';
      findings.push({
        controls: [...CONTROLS],
        property: 'properties.retentionInDays',
        actual: current ?? null,
        expected: wanted,
        message: free ? `the Free tier keeps logs ${current ?? 7} days and cannot keep more: move the workspace to a paid tier (PerGB2018)` : `workspace keeps logs ${current ?? 'an unknown number of'} days, less than ${wanted}`,
        ...(free ? { remediable: false } : {}),
      });
      return findings;
    }
    const total = snapshot.resource.totalRetentionInDays;
    const wanted = allowedTotalRetention(policy.tableTotalRetentionDays);
    if (total !== undefined && total >= wanted) return [];
    findings.push({
      controls: [...CONTROLS],
      property: 'properties.totalRetentionInDays',
      actual: total ?? null,
      expected: wanted,
      message: `audit table ${snapshot.id.name} keeps logs ${total ?? 'an unknown number of'} days in total (interactive + archive), less than ${wanted}`,
    });
    return findings;
  },

  plan(snapshot, findings): Change[] {
    const finding = findings.find((f) => f.remediable !== false);
    if (finding === undefined) return [];
    const days = Number(finding.expected);
    return snapshot.type === LOG_WORKSPACE
      ? [{ operation: 'workspaces.update', method: 'PATCH', resourceId: snapshot.id.id, body: { retentionInDays: days } }]
      : [{ operation: 'tables.update', method: 'PATCH', resourceId: snapshot.id.id, body: { totalRetentionInDays: days } }];
  },
};
