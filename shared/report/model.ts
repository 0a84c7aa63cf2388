/**
 * The evidence report's figures, computed from audit records alone (pure: no I/O). The HTML
 * page and `report --json` are two renderings of the one ReportData this returns.
 *
 * Definitions (also printed on the page and in README "Evidence report"):
 * - An *episode* is everything the audit holds for one (eventId, resourceId, remediator): the
 *   verdict of one remediator on one resource for one event (a sweep is one event per run).
 *   Outcomes join their intent's episode through `intentSeq` (an outcome that closes a dangling
 *   intent carries the later event's id). It belongs to the window when its first record does.
 * - A *finding* is an episode that found the resource non-compliant: an intent (a remediation was
 *   attempted), or a decision `alerted`, `failed`, or `skipped` with findings (mode off).
 * - Its status is its last verdict: a succeeded outcome → remediated; a failed or unknown outcome,
 *   or a `failed` decision (a fix that did not hold) → failed; `alerted` → alerted; `skipped` with
 *   findings → off; `compliant` or a plain `skipped` after a finding → cleared (fixed by someone
 *   else, or gone, before the service acted). An intent with no outcome by the window's end → failed.
 * - *Time to remediate* of a remediated episode: from its first record (the decision: the
 *   write-ahead intent, recorded before ARM is touched) to its last succeeded outcome (ARM
 *   confirmed the change). The event's own time is not in the audit, so Event Grid's delivery
 *   delay before the decision is not included.
 * - Per control: the episode's `control` (the first finding's first control, as alerts use it).
 * - Open alerts: `alert` records `opened` with no later `resolved` for the same alertId, up to the
 *   window's end (over the whole history, not only the window).
 */
import type { AlertRecord } from '../alerts/record.js';
import type { AuditRecord } from '../audit/record.js';
import type { VerifyProblem, VerifyReport } from '../audit/verify.js';
import { CONTROLS, isControlId } from '../controls.js';
import type { ModeSetting } from '../modes/store.js';
import type { HeadCheck } from './source.js';
import { durationStats, histogram, type DurationStats } from './stats.js';
import type { ReportWindow } from './window.js';

export const REPORT_SCHEMA = 'hipaa-remediator.report/1';

export type EpisodeStatus = 'remediated' | 'alerted' | 'failed' | 'off' | 'cleared';

export interface Actor {
  objectId?: string;
  appId?: string;
  principalType?: string;
}

export interface ControlFigures {
  control: string;
  citation: string;
  title: string;
  /** Remediators that check this control (from the catalog). */
  remediators: string[];
  findings: number;
  /** Distinct resources with a finding. */
  resources: number;
  remediated: number;
  alerted: number;
  failed: number;
  off: number;
  cleared: number;
  /** Alerts open at the window's end. */
  openAlerts: number;
  timeToRemediate: DurationStats;
}

export interface OpenAlert {
  alertId: string;
  openedAt: string;
  /** The `alert` record that opened it. */
  auditSeq: number;
  severity: string;
  resourceId: string;
  remediator: string;
  control: string;
  citation: string;
  reason: string;
  /** Who made the change that led to it: ids only. Null: found by a sweep (no caller) or not recorded. */
  actor: Actor | null;
  /** The decision (or intent) record it followed, and its event (`sweep:<run>` for a sweep). */
  causedBySeq: number | null;
  eventId: string | null;
  deliveredTo: string[];
  notDelivered: { sink: string; error: string }[];
  /** The alert store's view: open, resolved (close not yet delivered), absent; unchecked when not compared. */
  store: 'open' | 'resolved' | 'absent' | 'unchecked';
}

export interface Revocation {
  /** The revocation's intent: what `hipaa-remediator restore <seq>` takes. */
  seq: number;
  time: string;
  assignmentId: string;
  principalId: string | null;
  principalType: string | null;
  roleDefinitionId: string | null;
  scope: string | null;
  why: string[];
  outcome: 'succeeded' | 'failed' | 'unknown' | 'none';
  restoreCommand: string | null;
  /** The outcome that re-created it, when it was restored. */
  restoredBySeq: number | null;
}

export interface ModeChange {
  seq: number;
  time: string;
  operator: string | null;
  remediator: string | null;
  scope: string | null;
  before: string | null;
  after: string | null;
  reason: string | null;
}

export interface SweepRun {
  seq: number;
  time: string;
  runId: string | null;
  resources: number | null;
  reason: string;
  counts: Record<string, Record<string, number>>;
}

export interface ReportData {
  schema: typeof REPORT_SCHEMA;
  generatedAt: string;
  window: { since: string | null; until: string | null; firstRecordAt: string | null; lastRecordAt: string | null };
  store: { kind: 'local' | 'azure'; location: string };
  chain: {
    ok: boolean;
    records: number;
    segments: number;
    signedHeads: number;
    lastSeq: number;
    lastSignedSeq: number | null;
    unreadableLines: number;
    problem: VerifyProblem | null;
    head: HeadCheck | null;
  };
  totals: { records: number; findings: number; resources: number; remediated: number; alerted: number; failed: number; off: number; cleared: number; openAlerts: number };
  controls: ControlFigures[];
  /** Findings per UTC day of their first record, per control (only controls with findings). */
  daily: { days: string[]; controls: Record<string, number[]> };
  timeToRemediate: DurationStats & { histogram: { label: string; fromMs: number; toMs: number | null; count: number }[] };
  alerts: {
    open: OpenAlert[];
    openedInWindow: number;
    resolvedInWindow: number;
    /** Compared with the alert store only for a report up to now (no --until). */
    storeCheck: { compared: boolean; location: string | null; error: string | null; openInStoreOnly: { alertId: string; resourceId: string; control: string; openedAt: string }[] };
  };
  revocations: Revocation[];
  modeChanges: ModeChange[];
  modes: {
    location: string;
    error: string | null;
    dryRun: boolean;
    settings: ModeSetting[];
    remediators: { id: string; defaultMode: string; configMode: string | null }[];
  };
  sweeps: { runs: SweepRun[]; totals: Record<string, Record<string, number>>; longestGapMs: number | null; lastRunAt: string | null };
  definitions: Record<string, string>;
}

export interface ReportInput {
  records: readonly AuditRecord[];
  unreadableLines: number;
  verify: VerifyReport;
  head: HeadCheck | undefined;
  store: { kind: 'local' | 'azure'; location: string };
  window: ReportWindow;
  now: Date;
  modes: { location: string; settings?: readonly ModeSetting[]; error?: string; dryRun: boolean; remediators: readonly { id: string; defaultMode: string; configMode: string | null }[] };
  /** The alert store's records (undefined: not read), or why it could not be read. */
  alertStore?: { location: string; records?: readonly AlertRecord[]; error?: string };
  /** The registered remediators and the controls they check. */
  remediators: readonly { id: string; controls: readonly string[] }[];
}

export const DEFINITIONS: Record<string, string> = {
  episode: 'Everything the audit holds for one (eventId, resourceId, remediator): one remediator’s verdict on one resource for one event (each sweep run is one event). Outcomes join their intent’s episode by intentSeq. An episode is in the window when its first record is.',
  finding: 'An episode that found the resource non-compliant: a remediation intent, or a decision alerted, failed, or skipped with findings (mode off).',
  status: 'The episode’s last verdict: succeeded outcome → remediated; failed or unknown outcome, no outcome yet, or a failed decision → failed; alerted → alerted; skipped with findings → off; compliant or skipped after a finding → cleared (fixed elsewhere or gone first).',
  timeToRemediate: 'For a remediated episode: from its first record (the decision, written as the intent before ARM is touched) to its last succeeded outcome (ARM confirmed the change). The event time is not in the audit, so Event Grid delivery before the decision is not included.',
  median: 'The middle value of the sorted times; for an even count, the mean of the two middle values.',
  p95: 'Nearest rank: the smallest measured time such that at least 95% of the times are less than or equal to it (sorted[ceil(0.95·n) − 1]).',
  control: 'Findings are counted under the control the record names (the first finding’s first control), as alerts are.',
  openAlert: 'An alert record "opened" with no later "resolved" for the same alertId, up to the window’s end, over the whole history.',
  window: 'since ≤ record time < until (UTC). Chain verification always covers the whole chain; current modes are read now.',
};

interface Episode {
  eventId: string;
  resourceId: string;
  remediator: string;
  control: string;
  start: number;
  status: EpisodeStatus | 'pending';
  end?: number;
}

const time = (r: AuditRecord): number => Date.parse(r.time);
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function idsOnly(actor: unknown): Actor | null {
  if (typeof actor !== 'object' || actor === null) return null;
  const a = actor as Record<string, unknown>;
  // An allowlist: whatever else a record might carry about a person never reaches the report.
  const out: Actor = {
    ...(typeof a['objectId'] === 'string' ? { objectId: a['objectId'] } : {}),
    ...(typeof a['appId'] === 'string' ? { appId: a['appId'] } : {}),
    ...(typeof a['principalType'] === 'string' ? { principalType: a['principalType'] } : {}),
  };
  return Object.keys(out).length === 0 ? null : out;
}

function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function daysBetween(from: number, to: number): string[] {
  const days: string[] = [];
  for (let day = Date.parse(`${utcDay(from)}T00:00:00Z`); day <= to; day += 86_400_000) days.push(utcDay(day));
  return days;
}

export function computeReport(input: ReportInput): ReportData {
  const since = input.window.since ?? Number.NEGATIVE_INFINITY;
  const until = input.window.until ?? Number.POSITIVE_INFINITY;
  const inWindow = (ms: number): boolean => ms >= since && ms < until;
  // Everything up to the window's end: state as of then (open alerts, restores, episode outcomes).
  const history = input.records.filter((r) => time(r) < until).sort((a, b) => a.seq - b.seq);
  const windowed = history.filter((r) => inWindow(time(r)));

  // Episodes, in chain order.
  const episodes = new Map<string, Episode>();
  const episodeOfIntent = new Map<number, Episode>();
  const outcomeOfIntent = new Map<number, AuditRecord>();
  for (const r of history) {
    if (r.kind === 'outcome' && r.intentSeq !== undefined) outcomeOfIntent.set(r.intentSeq, r);
    if (r.kind !== 'intent' && r.kind !== 'outcome' && r.kind !== 'decision') continue;
    const nonCompliant = r.kind === 'intent' || r.decision === 'alerted' || r.decision === 'failed' || (r.decision === 'skipped' && (r.findings?.length ?? 0) > 0);
    let episode = r.kind === 'outcome' && r.intentSeq !== undefined ? episodeOfIntent.get(r.intentSeq) : undefined;
    if (episode === undefined) {
      // Outcomes of intents that are no episode (mode changes, restores) and records without the triple are not findings.
      if (r.kind === 'outcome' || r.eventId === undefined || r.resourceId === undefined || r.remediator === undefined) continue;
      const key = `${r.eventId}\n${r.resourceId.toLowerCase()}\n${r.remediator}`;
      episode = episodes.get(key);
      if (episode === undefined) {
        // Compliant verdicts are the bulk of a sweep: they only matter after a finding of the same episode.
        if (!nonCompliant) continue;
        episode = { eventId: r.eventId, resourceId: r.resourceId, remediator: r.remediator, control: r.control ?? 'unknown', start: time(r), status: 'pending' };
        episodes.set(key, episode);
      }
    }
    if (episode.control === 'unknown' && r.control !== undefined) episode.control = r.control;
    if (r.kind === 'intent') {
      episode.status = 'pending';
      episodeOfIntent.set(r.seq, episode);
    } else if (r.kind === 'outcome') {
      episode.status = r.outcome === 'succeeded' ? 'remediated' : 'failed';
      if (r.outcome === 'succeeded') episode.end = time(r);
    } else if (r.decision === 'alerted' || r.decision === 'failed') {
      episode.status = r.decision;
    } else if (nonCompliant) {
      episode.status = 'off';
    } else if (r.decision === 'compliant' || r.decision === 'skipped') {
      episode.status = 'cleared';
    }
  }
  const findings = [...episodes.values()].filter((e) => inWindow(e.start));
  // An intent with no outcome yet at the window's end (under way, or its writer died): not remediated.
  for (const e of findings) if (e.status === 'pending') e.status = 'failed';

  // Alerts: opened and not resolved, over the whole history up to the window's end.
  const open = new Map<string, OpenAlert>();
  let openedInWindow = 0;
  let resolvedInWindow = 0;
  for (const r of history) {
    if (r.kind !== 'alert' || r.alert === undefined) continue;
    const { alertId, transition } = r.alert;
    if (transition === 'opened') {
      if (inWindow(time(r))) openedInWindow += 1;
      open.set(alertId, {
        alertId,
        openedAt: r.time,
        auditSeq: r.seq,
        severity: r.alert.severity,
        resourceId: r.resourceId ?? '',
        remediator: r.remediator ?? '',
        control: r.control ?? 'unknown',
        citation: r.citation ?? '',
        reason: r.reason ?? '',
        actor: null,
        causedBySeq: null,
        eventId: null,
        deliveredTo: [...r.alert.delivered],
        notDelivered: r.alert.failed.map((f) => ({ sink: f.sink, error: f.error })),
        store: 'unchecked',
      });
    } else if (transition === 'resolved') {
      if (inWindow(time(r))) resolvedInWindow += 1;
      open.delete(alertId);
    }
  }
  attributeCauses(history, open);

  const storeCheck: ReportData['alerts']['storeCheck'] = { compared: false, location: input.alertStore?.location ?? null, error: input.alertStore?.error ?? null, openInStoreOnly: [] };
  if (input.window.until === undefined && input.alertStore?.records !== undefined) {
    storeCheck.compared = true;
    const byId = new Map(input.alertStore.records.map((a) => [a.alertId, a]));
    for (const alert of open.values()) {
      const stored = byId.get(alert.alertId);
      alert.store = stored === undefined ? 'absent' : stored.state;
    }
    for (const stored of input.alertStore.records) {
      if (stored.state === 'open' && !open.has(stored.alertId)) storeCheck.openInStoreOnly.push({ alertId: stored.alertId, resourceId: stored.resourceId, control: stored.control, openedAt: stored.openedAt });
    }
  }

  // Per control: the whole catalog, in its order, then anything the records name that it does not.
  const controlIds = [...Object.keys(CONTROLS), ...new Set(findings.map((e) => e.control).filter((c) => !isControlId(c)))];
  const durations = (list: readonly Episode[]): number[] => list.filter((e) => e.status === 'remediated' && e.end !== undefined).map((e) => e.end! - e.start);
  const openAlerts = [...open.values()];
  const controls: ControlFigures[] = controlIds.map((control) => {
    const mine = findings.filter((e) => e.control === control);
    const count = (status: EpisodeStatus): number => mine.filter((e) => e.status === status).length;
    return {
      control,
      citation: isControlId(control) ? CONTROLS[control].citation : '',
      title: isControlId(control) ? CONTROLS[control].title : 'not in the catalog',
      remediators: input.remediators.filter((r) => r.controls.includes(control)).map((r) => r.id),
      findings: mine.length,
      resources: new Set(mine.map((e) => e.resourceId.toLowerCase())).size,
      remediated: count('remediated'),
      alerted: count('alerted'),
      failed: count('failed'),
      off: count('off'),
      cleared: count('cleared'),
      openAlerts: openAlerts.filter((a) => a.control === control).length,
      timeToRemediate: durationStats(durations(mine)),
    };
  });

  const first = windowed[0];
  const last = windowed.at(-1);
  const chartFrom = input.window.since ?? (first === undefined ? undefined : time(first));
  const chartTo = input.window.until === undefined ? (last === undefined ? undefined : time(last)) : input.window.until - 1;
  const days = chartFrom === undefined || chartTo === undefined ? [] : daysBetween(chartFrom, chartTo);
  const dayIndex = new Map(days.map((d, i) => [d, i]));
  const daily: Record<string, number[]> = {};
  for (const e of findings) {
    const series = (daily[e.control] ??= days.map(() => 0));
    const i = dayIndex.get(utcDay(e.start));
    if (i !== undefined) series[i]! += 1;
  }

  const all = durations(findings);
  const revocations = revocationsIn(history, windowed, outcomeOfIntent);
  const sweeps = sweepsIn(windowed, input.window.until ?? input.now.getTime());
  const sum = (status: EpisodeStatus): number => findings.filter((e) => e.status === status).length;

  return {
    schema: REPORT_SCHEMA,
    generatedAt: input.now.toISOString(),
    window: {
      since: input.window.since === undefined ? null : new Date(input.window.since).toISOString(),
      until: input.window.until === undefined ? null : new Date(input.window.until).toISOString(),
      firstRecordAt: first?.time ?? null,
      lastRecordAt: last?.time ?? null,
    },
    store: input.store,
    chain: {
      ok: input.verify.ok,
      records: input.verify.records,
      segments: input.verify.segments,
      signedHeads: input.verify.signedHeads,
      lastSeq: input.verify.lastSeq,
      lastSignedSeq: input.verify.lastSignedSeq,
      unreadableLines: input.unreadableLines,
      problem: input.verify.problem ?? null,
      head: input.head ?? null,
    },
    totals: { records: windowed.length, findings: findings.length, resources: new Set(findings.map((e) => e.resourceId.toLowerCase())).size, remediated: sum('remediated'), alerted: sum('alerted'), failed: sum('failed'), off: sum('off'), cleared: sum('cleared'), openAlerts: openAlerts.length },
    controls,
    daily: { days, controls: daily },
    timeToRemediate: { ...durationStats(all), histogram: histogram(all) },
    alerts: { open: openAlerts, openedInWindow, resolvedInWindow, storeCheck },
    revocations,
    modeChanges: windowed.filter((r) => r.kind === 'mode-change').map((r) => ({
      seq: r.seq,
      time: r.time,
      operator: r.operator ?? null,
      remediator: r.remediator ?? null,
      scope: r.scope ?? null,
      before: text(r.before?.['mode']),
      after: text(r.after?.['mode']),
      reason: r.reason ?? null,
    })),
    modes: {
      location: input.modes.location,
      error: input.modes.error ?? null,
      dryRun: input.modes.dryRun,
      settings: [...(input.modes.settings ?? [])].sort((a, b) => a.scope.localeCompare(b.scope) || a.remediator.localeCompare(b.remediator)),
      remediators: input.modes.remediators.map((r) => ({ ...r })),
    },
    sweeps,
    definitions: DEFINITIONS,
  };
}

/** The cause of each open alert: the newest decision or intent on its resource and remediator before the alert record. */
function attributeCauses(history: readonly AuditRecord[], open: Map<string, OpenAlert>): void {
  const bySeq = new Map([...open.values()].map((a) => [a.auditSeq, a]));
  const latest = new Map<string, AuditRecord>();
  for (const r of history) {
    const key = r.resourceId === undefined || r.remediator === undefined ? undefined : `${r.resourceId.toLowerCase()}\n${r.remediator}`;
    if (key === undefined) continue;
    if ((r.kind === 'decision' || r.kind === 'intent') && 'actor' in r) latest.set(key, r);
    const alert = bySeq.get(r.seq);
    if (alert === undefined) continue;
    const cause = latest.get(key);
    alert.actor = cause === undefined ? null : idsOnly(cause.actor);
    alert.causedBySeq = cause?.seq ?? null;
    alert.eventId = cause?.eventId ?? null;
  }
}

const RESTORE_OF = /^restore of revocation (\d+)$/;

function revocationsIn(history: readonly AuditRecord[], windowed: readonly AuditRecord[], outcomeOfIntent: ReadonlyMap<number, AuditRecord>): Revocation[] {
  const restoredBy = new Map<number, number>();
  for (const r of history) {
    const match = r.kind === 'intent' && r.reason !== undefined ? RESTORE_OF.exec(r.reason) : null;
    const done = match === null ? undefined : outcomeOfIntent.get(r.seq);
    if (match !== null && done?.outcome === 'succeeded') restoredBy.set(Number(match[1]), done.seq);
  }
  return windowed
    .filter((r) => r.kind === 'intent' && (r.change as { operation?: unknown } | undefined)?.operation === 'roleAssignments.deleteById')
    .map((r) => {
      const before = (r.before ?? {}) as Record<string, unknown>;
      const outcome = outcomeOfIntent.get(r.seq)?.outcome ?? 'none';
      const restored = restoredBy.get(r.seq) ?? null;
      return {
        seq: r.seq,
        time: r.time,
        assignmentId: r.resourceId ?? '',
        principalId: text(before['principalId']),
        principalType: text(before['principalType']),
        roleDefinitionId: text(before['roleDefinitionId']),
        scope: text(before['scope']),
        why: (r.findings ?? []).map((f) => `${f.property}: ${JSON.stringify(f.actual)} (expected ${JSON.stringify(f.expected)})`),
        outcome,
        restoreCommand: outcome === 'succeeded' && restored === null ? `hipaa-remediator restore ${r.seq}` : null,
        restoredBySeq: restored,
      };
    });
}

const SWEEP_REASON = /^sweep (\S+): (\d+) resources/;

function sweepsIn(windowed: readonly AuditRecord[], end: number): ReportData['sweeps'] {
  const runs: SweepRun[] = windowed
    .filter((r) => r.kind === 'sweep-summary')
    .map((r) => {
      const match = SWEEP_REASON.exec(r.reason ?? '');
      const counts: Record<string, Record<string, number>> = {};
      for (const [remediator, decisions] of Object.entries(r.counts ?? {})) counts[remediator] = { ...decisions };
      return { seq: r.seq, time: r.time, runId: match?.[1] ?? null, resources: match === null ? null : Number(match[2]), reason: r.reason ?? '', counts };
    });
  const totals: Record<string, Record<string, number>> = {};
  for (const run of runs) {
    for (const [remediator, decisions] of Object.entries(run.counts)) {
      const sum = (totals[remediator] ??= {});
      for (const [decision, n] of Object.entries(decisions)) sum[decision] = (sum[decision] ?? 0) + n;
    }
  }
  let longestGapMs: number | null = null;
  const times = runs.map((r) => Date.parse(r.time));
  for (let i = 1; i < times.length; i++) longestGapMs = Math.max(longestGapMs ?? 0, times[i]! - times[i - 1]!);
  // The time since the last run counts too: a sweep that stopped is a gap that is still growing.
  const lastRun = times.at(-1);
  if (lastRun !== undefined && end > lastRun) longestGapMs = Math.max(longestGapMs ?? 0, end - lastRun);
  return { runs, totals, longestGapMs, lastRunAt: runs.at(-1)?.time ?? null };
}
