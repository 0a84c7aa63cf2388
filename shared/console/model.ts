/**
 * What the console shows, computed from the stores (pure apart from the resolver): the grid of
 * remediators × resource groups with the effective mode and where it comes from, open alerts from
 * the alert store, and the last audit decisions and outcomes. The audit is read with the evidence
 * report's own reader and model (shared/report), so both pages say the same about the chain.
 */
import { tryParseResourceId } from '../arm/resourceId.js';
import type { AlertRecord } from '../alerts/record.js';
import type { AuditRecord } from '../audit/record.js';
import type { ModeResolution, ModeResolver } from '../modes/resolver.js';
import { resourceGroupScope, type ModeSetting } from '../modes/store.js';
import type { Remediator } from '../remediator.js';

export interface GridCell {
  remediator: string;
  /** The effective mode for a resource in this row, and why (resolver.resolve: the `explain` answer). */
  resolution: ModeResolution;
  /** The setting stored at exactly this row's scope (what "clear" removes), if any. */
  own?: ModeSetting;
}

export interface GridRow {
  /** Undefined: the subscription default row. */
  resourceGroup?: string;
  scope: '*' | `rg:${string}`;
  cells: GridCell[];
}

export interface Grid {
  remediators: { id: string; defaultMode: string; configMode: string | null }[];
  rows: GridRow[];
  dryRun: boolean;
  /** Set when the mode store could not be read: every cell is then the fail-safe `alert`. */
  storeError?: string;
}

const PLACEHOLDER_SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';

function resourceGroupOf(resourceId: string | undefined): { subscriptionId: string; resourceGroup?: string } | undefined {
  if (resourceId === undefined) return undefined;
  const parsed = tryParseResourceId(resourceId);
  if (!parsed.ok) return undefined;
  return { subscriptionId: parsed.value.subscriptionId, ...(parsed.value.resourceGroup === undefined ? {} : { resourceGroup: parsed.value.resourceGroup }) };
}

/**
 * Resource groups to show: those with a stored setting, those of open alerts, those the audit
 * names (decisions, alerts, mode changes). One per name, case-insensitively (ARM's rule), in the
 * casing first seen in alerts or the audit (settings store the lower-case form), sorted.
 */
export function collectResourceGroups(settings: readonly ModeSetting[], openAlerts: readonly Pick<AlertRecord, 'resourceId' | 'resourceGroup'>[], records: readonly Pick<AuditRecord, 'resourceId' | 'scope'>[]): string[] {
  const byKey = new Map<string, string>();
  const add = (name: string | undefined): void => {
    if (name === undefined || name.length === 0) return;
    const key = name.toLowerCase();
    if (!byKey.has(key)) byKey.set(key, name);
  };
  for (const alert of openAlerts) add(alert.resourceGroup ?? resourceGroupOf(alert.resourceId)?.resourceGroup);
  for (const record of records) {
    add(resourceGroupOf(record.resourceId)?.resourceGroup);
    if (record.scope?.startsWith('rg:') === true) add(record.scope.slice(3));
  }
  for (const setting of settings) if (setting.scope.startsWith('rg:')) add(setting.scope.slice(3));
  return [...byKey.values()].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
}

/** The subscription id used to ask the resolver about a row (modes are not per subscription; any id the audit names will do). */
export function someSubscription(openAlerts: readonly Pick<AlertRecord, 'subscriptionId'>[], records: readonly Pick<AuditRecord, 'resourceId'>[]): string {
  for (const alert of openAlerts) if (/^[0-9a-f-]{36}$/i.test(alert.subscriptionId)) return alert.subscriptionId;
  for (const record of records) {
    const found = resourceGroupOf(record.resourceId);
    if (found !== undefined) return found.subscriptionId;
  }
  return PLACEHOLDER_SUBSCRIPTION;
}

export async function buildGrid(input: {
  remediators: readonly Pick<Remediator, 'id' | 'defaultMode'>[];
  configModes: Readonly<Record<string, string>>;
  dryRun: boolean;
  settings: readonly ModeSetting[];
  storeError?: string;
  resourceGroups: readonly string[];
  subscriptionId: string;
  resolver: ModeResolver;
}): Promise<Grid> {
  const rows: GridRow[] = [];
  const scopes: { resourceGroup?: string; scope: GridRow['scope'] }[] = [{ scope: '*' }, ...input.resourceGroups.map((rg) => ({ resourceGroup: rg, scope: resourceGroupScope(rg) }))];
  for (const { resourceGroup, scope } of scopes) {
    const parsed = tryParseResourceId(resourceGroup === undefined ? `/subscriptions/${input.subscriptionId}` : `/subscriptions/${input.subscriptionId}/resourceGroups/${resourceGroup}`);
    // A name the grammar refuses never reaches the resolver (nor a form): it cannot be set either.
    if (!parsed.ok) continue;
    const cells: GridCell[] = [];
    for (const remediator of input.remediators) {
      const resolution = await input.resolver.resolve(remediator, parsed.value);
      const own = input.settings.find((s) => s.remediator === remediator.id && s.scope === scope);
      cells.push({ remediator: remediator.id, resolution, ...(own === undefined ? {} : { own }) });
    }
    rows.push({ ...(resourceGroup === undefined ? {} : { resourceGroup }), scope, cells });
  }
  return {
    remediators: input.remediators.map((r) => ({ id: r.id, defaultMode: r.defaultMode, configMode: input.configModes[r.id] ?? null })),
    rows,
    dryRun: input.dryRun,
    ...(input.storeError === undefined ? {} : { storeError: input.storeError }),
  };
}

export interface OpenAlertView {
  resourceId: string;
  resourceGroup: string | null;
  remediator: string;
  control: string;
  citation: string;
  severity: string;
  openedAt: string;
  ageMs: number;
  occurrences: number;
  reason: string;
  /** What the service would do (the planned changes, as JSON), or null when it plans none. */
  wouldDo: string | null;
}

const SEVERITY_ORDER: Readonly<Record<string, number>> = { high: 0, medium: 1, low: 2 };

export function openAlertViews(records: readonly AlertRecord[], now: Date): OpenAlertView[] {
  return records
    .filter((r) => r.state === 'open')
    .map((r) => ({
      resourceId: r.resourceId,
      resourceGroup: r.resourceGroup ?? resourceGroupOf(r.resourceId)?.resourceGroup ?? null,
      remediator: r.remediator,
      control: r.control,
      citation: r.citation,
      severity: r.severity,
      openedAt: r.openedAt,
      ageMs: Math.max(0, now.getTime() - Date.parse(r.openedAt)),
      occurrences: r.occurrences,
      reason: r.reason,
      wouldDo: r.plannedChanges.length === 0 ? null : r.plannedChanges.map((c) => describeChange(c)).join('; '),
    }))
    .sort((a, b) => (SEVERITY_ORDER[a.severity] ?? 9) - (SEVERITY_ORDER[b.severity] ?? 9) || a.openedAt.localeCompare(b.openedAt));
}

function describeChange(change: unknown): string {
  if (typeof change !== 'object' || change === null) return JSON.stringify(change);
  const c = change as { method?: unknown; operation?: unknown; body?: unknown };
  const verb = typeof c.method === 'string' ? c.method : typeof c.operation === 'string' ? c.operation : 'change';
  return c.body === undefined ? verb : `${verb} ${JSON.stringify(c.body)}`;
}

export interface RecentDecision {
  seq: number;
  time: string;
  kind: 'decision' | 'outcome';
  /** The decision (remediated, alerted, …) or the outcome (succeeded, failed, unknown). */
  verdict: string;
  remediator: string | null;
  resourceId: string | null;
  citation: string | null;
  reason: string | null;
}

/** The last `limit` decision and outcome records, newest first. */
export function recentDecisions(records: readonly AuditRecord[], limit = 50): RecentDecision[] {
  const out: RecentDecision[] = [];
  for (let i = records.length - 1; i >= 0 && out.length < limit; i--) {
    const r = records[i]!;
    if (r.kind !== 'decision' && r.kind !== 'outcome') continue;
    out.push({
      seq: r.seq,
      time: r.time,
      kind: r.kind,
      verdict: (r.kind === 'decision' ? r.decision : r.outcome) ?? 'unknown',
      remediator: r.remediator ?? null,
      resourceId: r.resourceId ?? null,
      citation: r.citation ?? null,
      reason: r.reason ?? null,
    });
  }
  return out;
}
