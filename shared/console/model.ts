/**
 * What the console shows, computed from the stores (pure apart from the resolver): the grid of
 * remediators × resource groups (qualified by subscription once there is more than one) with the
 * effective mode and where it comes from, open alerts from
 * the alert store, and the last audit decisions and outcomes. The audit is read with the evidence
 * report's own reader and model (shared/report), so both pages say the same about the chain.
 */
import { tryParseResourceId } from '../arm/resourceId.js';
import type { AlertRecord } from '../alerts/record.js';
import type { AuditRecord } from '../audit/record.js';
import type { ModeResolution, ModeResolver } from '../modes/resolver.js';
import type { WatchedScope } from '../modes/changes.js';
import { parseModeScope, resourceGroupScope, subscriptionResourceGroupScope, subscriptionScope, type ModeScope } from '../modes/scopes.js';
import type { ModeSetting } from '../modes/store.js';
import { configuredScopeSpansSubscriptions } from '../scope.js';
import type { Remediator } from '../remediator.js';

export interface GridCell {
  remediator: string;
  /** The effective mode for a resource in this row, and why (resolver.resolve: the `explain` answer). */
  resolution: ModeResolution;
  /** The setting stored at exactly this row's scope (what "clear" removes), if any. */
  own?: ModeSetting;
}

export interface GridRow {
  /** Undefined: a default row (every subscription's, or `subscriptionId`'s). */
  resourceGroup?: string;
  /** The subscription this row is in (grids that span subscriptions); the form posts it. */
  subscriptionId?: string;
  /** A resource group of that name in every subscription (`rg:<name>` in a grid that spans subscriptions); the form posts `*`. */
  anySubscription?: boolean;
  scope: ModeScope;
  cells: GridCell[];
}

/** Which rows to show, before their cells are resolved. */
export type GridRowSpec = Omit<GridRow, 'cells'>;

export interface Grid {
  remediators: { id: string; defaultMode: string; configMode: string | null }[];
  rows: GridRow[];
  dryRun: boolean;
  /** Rows are qualified by subscription: more than one subscription appears (or may: a management group). */
  perSubscription?: boolean;
  /** Set when the mode store could not be read: every cell is then the fail-safe `alert`. */
  storeError?: string;
}

const PLACEHOLDER_SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function resourceGroupOf(resourceId: string | undefined): { subscriptionId: string; resourceGroup?: string } | undefined {
  if (resourceId === undefined) return undefined;
  const parsed = tryParseResourceId(resourceId);
  if (!parsed.ok) return undefined;
  return { subscriptionId: parsed.value.subscriptionId, ...(parsed.value.resourceGroup === undefined ? {} : { resourceGroup: parsed.value.resourceGroup }) };
}

/** Where a store, an alert or an audit record points: a subscription, a resource group, or both. */
interface Place {
  subscriptionId?: string;
  resourceGroup?: string;
}

function placeOfScope(scope: string | undefined): Place | undefined {
  const parsed = scope === undefined ? undefined : parseModeScope(scope);
  if (parsed === undefined || parsed.kind === 'all') return undefined;
  return { ...('subscriptionId' in parsed ? { subscriptionId: parsed.subscriptionId } : {}), ...('resourceGroup' in parsed ? { resourceGroup: parsed.resourceGroup } : {}) };
}

/** Alerts and the audit first: they carry the casing ARM uses; settings store lower case. */
function places(settings: readonly ModeSetting[], openAlerts: readonly (Pick<AlertRecord, 'resourceId' | 'resourceGroup'> & { subscriptionId?: string })[], records: readonly Pick<AuditRecord, 'resourceId' | 'scope'>[]): Place[] {
  const found: Place[] = [];
  for (const alert of openAlerts) {
    const fromId = resourceGroupOf(alert.resourceId);
    const subscriptionId = fromId?.subscriptionId ?? (GUID.test(alert.subscriptionId ?? '') ? alert.subscriptionId : undefined);
    const resourceGroup = alert.resourceGroup ?? fromId?.resourceGroup;
    found.push({ ...(subscriptionId === undefined ? {} : { subscriptionId }), ...(resourceGroup === undefined ? {} : { resourceGroup }) });
  }
  for (const record of records) {
    const fromId = resourceGroupOf(record.resourceId);
    if (fromId !== undefined) found.push(fromId);
    const fromScope = placeOfScope(record.scope);
    if (fromScope !== undefined) found.push(fromScope);
  }
  for (const setting of settings) {
    const fromScope = placeOfScope(setting.scope);
    if (fromScope !== undefined) found.push(fromScope);
  }
  return found;
}

/**
 * Resource groups to show: those with a stored setting, those of open alerts, those the audit
 * names (decisions, alerts, mode changes). One per name, case-insensitively (ARM's rule), in the
 * casing first seen in alerts or the audit (settings store the lower-case form), sorted.
 */
export function collectResourceGroups(settings: readonly ModeSetting[], openAlerts: readonly Pick<AlertRecord, 'resourceId' | 'resourceGroup'>[], records: readonly Pick<AuditRecord, 'resourceId' | 'scope'>[]): string[] {
  const byKey = new Map<string, string>();
  for (const { resourceGroup } of places(settings, openAlerts, records)) {
    if (resourceGroup === undefined || resourceGroup.length === 0) continue;
    const key = resourceGroup.toLowerCase();
    if (!byKey.has(key)) byKey.set(key, resourceGroup);
  }
  return [...byKey.values()].sort(byName);
}

const byName = (a: string, b: string): number => a.toLowerCase().localeCompare(b.toLowerCase());

/** The subscription id used to ask the resolver about a row of a grid that is not per subscription (any id the audit names will do). */
export function someSubscription(openAlerts: readonly Pick<AlertRecord, 'subscriptionId'>[], records: readonly Pick<AuditRecord, 'resourceId'>[]): string {
  for (const alert of openAlerts) if (/^[0-9a-f-]{36}$/i.test(alert.subscriptionId)) return alert.subscriptionId;
  for (const record of records) {
    const found = resourceGroupOf(record.resourceId);
    if (found !== undefined) return found.subscriptionId;
  }
  return PLACEHOLDER_SUBSCRIPTION;
}

/** As before modes were per subscription: the default row, then one row per resource group name. */
export function flatRows(resourceGroups: readonly string[]): GridRowSpec[] {
  return [{ scope: '*' }, ...resourceGroups.map((rg) => ({ resourceGroup: rg, scope: resourceGroupScope(rg) }))];
}

/**
 * The rows of the page. With one subscription (or none: the sandbox) the grid stays as it always
 * was, resource group names alone. Once a second subscription appears — in alerts, the audit or
 * the settings, listed in config, or possible under a management group — a name alone no longer
 * says which resource group is meant: every row is then one subscription's (its default, its
 * resource groups, scoped `sub:S` and `sub:S/rg:R`), plus the deployment default and any setting
 * stored for a name in every subscription (`rg:<name>`, so it can still be seen and cleared).
 */
export function gridLayout(input: {
  settings: readonly ModeSetting[];
  openAlerts: readonly Pick<AlertRecord, 'resourceId' | 'resourceGroup' | 'subscriptionId'>[];
  records: readonly Pick<AuditRecord, 'resourceId' | 'scope'>[];
  watched?: WatchedScope;
}): { rows: GridRowSpec[]; subscriptionId: string; perSubscription: boolean } {
  const watched = input.watched ?? { subscriptions: [], managementGroups: [] };
  const seen = places(input.settings, input.openAlerts, input.records);
  const subscriptions = new Set([...watched.subscriptions, ...seen.flatMap((p) => (p.subscriptionId === undefined ? [] : [p.subscriptionId]))].map((s) => s.toLowerCase()));
  const perSubscription = subscriptions.size > 1 || configuredScopeSpansSubscriptions(watched) || input.settings.some((s) => s.scope.startsWith('sub:'));
  if (!perSubscription) {
    const fallback = watched.subscriptions[0] ?? PLACEHOLDER_SUBSCRIPTION;
    const some = someSubscription(input.openAlerts, input.records);
    return { rows: flatRows(collectResourceGroups(input.settings, input.openAlerts, input.records)), subscriptionId: some === PLACEHOLDER_SUBSCRIPTION ? fallback : some, perSubscription };
  }
  const groups = new Map<string, Map<string, string>>([...subscriptions].sort().map((s) => [s, new Map<string, string>()]));
  for (const { subscriptionId, resourceGroup } of seen) {
    if (subscriptionId === undefined || resourceGroup === undefined) continue;
    const names = groups.get(subscriptionId.toLowerCase());
    if (names !== undefined && !names.has(resourceGroup.toLowerCase())) names.set(resourceGroup.toLowerCase(), resourceGroup);
  }
  const rows: GridRowSpec[] = [{ scope: '*' }];
  for (const setting of input.settings) {
    const parsed = parseModeScope(setting.scope);
    if (parsed?.kind === 'resource-group' && !rows.some((r) => r.scope === setting.scope)) rows.push({ resourceGroup: parsed.resourceGroup, anySubscription: true, scope: setting.scope });
  }
  for (const [subscriptionId, names] of groups) {
    rows.push({ subscriptionId, scope: subscriptionScope(subscriptionId) });
    for (const name of [...names.values()].sort(byName)) rows.push({ subscriptionId, resourceGroup: name, scope: subscriptionResourceGroupScope(subscriptionId, name) });
  }
  return { rows, subscriptionId: PLACEHOLDER_SUBSCRIPTION, perSubscription };
}

export async function buildGrid(input: {
  remediators: readonly Pick<Remediator, 'id' | 'defaultMode'>[];
  configModes: Readonly<Record<string, string>>;
  dryRun: boolean;
  settings: readonly ModeSetting[];
  storeError?: string;
  /** The rows (gridLayout); default: flatRows(resourceGroups). */
  rows?: readonly GridRowSpec[];
  resourceGroups?: readonly string[];
  /** Asked about for rows that name no subscription of their own. */
  subscriptionId: string;
  perSubscription?: boolean;
  resolver: ModeResolver;
}): Promise<Grid> {
  const rows: GridRow[] = [];
  for (const spec of input.rows ?? flatRows(input.resourceGroups ?? [])) {
    const subscriptionId = spec.subscriptionId ?? input.subscriptionId;
    const parsed = tryParseResourceId(spec.resourceGroup === undefined ? `/subscriptions/${subscriptionId}` : `/subscriptions/${subscriptionId}/resourceGroups/${spec.resourceGroup}`);
    // A name the grammar refuses never reaches the resolver (nor a form): it cannot be set either.
    if (!parsed.ok) continue;
    const cells: GridCell[] = [];
    for (const remediator of input.remediators) {
      const resolution = await input.resolver.resolve(remediator, parsed.value);
      const own = input.settings.find((s) => s.remediator === remediator.id && s.scope === spec.scope);
      cells.push({ remediator: remediator.id, resolution, ...(own === undefined ? {} : { own }) });
    }
    rows.push({ ...spec, cells });
  }
  return {
    remediators: input.remediators.map((r) => ({ id: r.id, defaultMode: r.defaultMode, configMode: input.configModes[r.id] ?? null })),
    rows,
    dryRun: input.dryRun,
    ...(input.perSubscription === true ? { perSubscription: true } : {}),
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
