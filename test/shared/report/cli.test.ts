/**
 * `hipaa-remediator report` from outside, as an auditor runs it: the built bin over a home the
 * real pipeline filled (seed.ts). Every figure is checked against the records, computed here a
 * second, independent way.
 */
import { cp, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../../shared/audit/record.js';
import { CONTROLS } from '../../../shared/controls.js';
import type { ReportData } from '../../../shared/report/model.js';
import { runCli } from '../../helpers/cli.js';
import { DAY, DRIFTER, HOSTILE_REASON, RESEARCH, seedAudit, type SeededAudit } from './seed.js';

const cli = (args: string[]) => runCli(args, { LOG_LEVEL: 'silent' });

let seeded: SeededAudit;
let dir: string;
beforeAll(async () => {
  seeded = await seedAudit();
  dir = await mkdtemp(join(tmpdir(), 'hipaa-report-'));
}, 60_000);

const at = (r: AuditRecord): number => Date.parse(r.time);

/** The expected figures, the long way round: per intent, per decision, never through the report's episode map. */
function expected(records: readonly AuditRecord[], window: { since?: number; until?: number } = {}) {
  const lo = window.since ?? -Infinity;
  const hi = window.until ?? Infinity;
  const upToEnd = records.filter((r) => at(r) < hi);
  const triple = (r: AuditRecord): string => `${r.eventId}|${r.resourceId?.toLowerCase()}|${r.remediator}`;
  const bySeq = new Map(upToEnd.map((r) => [r.seq, r]));
  // Remediations: each succeeded outcome belongs to the triple of the intent it names.
  const remediations = new Map<string, { control: string; start: number; end: number; failedAfter: boolean }>();
  for (const outcome of upToEnd.filter((r) => r.kind === 'outcome' && r.outcome === 'succeeded')) {
    const intent = bySeq.get(outcome.intentSeq!);
    if (intent?.eventId === undefined || intent.resourceId === undefined) continue;
    const firstIntent = upToEnd.find((r) => r.kind === 'intent' && triple(r) === triple(intent))!;
    const entry = remediations.get(triple(intent)) ?? { control: intent.control!, start: at(firstIntent), end: 0, failedAfter: false };
    entry.end = Math.max(entry.end, at(outcome));
    remediations.set(triple(intent), entry);
  }
  for (const failed of upToEnd.filter((r) => r.kind === 'decision' && r.decision === 'failed')) {
    const entry = remediations.get(triple(failed));
    if (entry !== undefined) entry.failedAfter = true;
  }
  const remediated = [...remediations.values()].filter((r) => !r.failedAfter && r.start >= lo);
  const alerted = upToEnd.filter((r) => r.kind === 'decision' && r.decision === 'alerted' && at(r) >= lo);
  const perControl = Object.fromEntries(
    Object.keys(CONTROLS).map((control) => {
      const fixed = remediated.filter((r) => r.control === control);
      const alerts = alerted.filter((r) => r.control === control);
      return [control, { findings: fixed.length + alerts.length, remediated: fixed.length, alerted: alerts.length, ttr: fixed.map((r) => r.end - r.start) }];
    }),
  );
  // Open alerts: replay opened/resolved per alertId.
  const state = new Map<string, string>();
  for (const r of upToEnd) if (r.kind === 'alert' && r.alert?.transition !== 'redelivery') state.set(r.alert!.alertId, r.alert!.transition);
  const open = [...state].filter(([, s]) => s === 'opened').map(([id]) => id);
  return { perControl, ttr: remediated.map((r) => r.end - r.start), open };
}

function medianOf(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function p95Of(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  // Nearest rank, counted: the first value with at least 95 % of the sample at or below it.
  return s.find((v) => s.filter((w) => w <= v).length * 100 >= 95 * s.length)!;
}

describe('hipaa-remediator report --json', () => {
  let data: ReportData;
  beforeAll(async () => {
    const ran = await cli(['report', '--json', '--home', seeded.home]);
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    data = JSON.parse(ran.stdout) as ReportData;
  });

  it('has the documented shape', () => {
    expect(Object.keys(data)).toEqual(['schema', 'generatedAt', 'window', 'store', 'chain', 'totals', 'controls', 'daily', 'timeToRemediate', 'alerts', 'revocations', 'modeChanges', 'modes', 'sweeps', 'definitions']);
    expect(data.schema).toBe('hipaa-remediator.report/1');
    expect(data.store).toEqual({ kind: 'local', location: join(seeded.home, 'audit', 'chain') });
    expect(data.controls.map((c) => c.citation)).toEqual(Object.values(CONTROLS).map((c) => c.citation));
    expect(Object.keys(data.controls[0]!)).toEqual(['control', 'citation', 'title', 'remediators', 'findings', 'resources', 'remediated', 'alerted', 'failed', 'off', 'cleared', 'openAlerts', 'timeToRemediate']);
    expect(Object.keys(data.timeToRemediate)).toEqual(['count', 'medianMs', 'p95Ms', 'minMs', 'maxMs', 'histogram']);
  });

  it('puts the chain first: intact, with the newest signed head checked', () => {
    const last = seeded.records.at(-1)!;
    expect(data.chain).toMatchObject({ ok: true, records: seeded.records.length, lastSeq: last.seq, lastSignedSeq: last.seq, problem: null });
    expect(data.chain.head).toMatchObject({ seq: last.seq, hash: last.hash, signature: 'valid', matchesChain: true, keyId: expect.stringMatching(/^local:/) });
  });

  it('counts findings, remediations and alerts per control as the records say, with median and p95 time to remediate', () => {
    const want = expected(seeded.records);
    for (const c of data.controls) {
      const w = want.perControl[c.control]!;
      expect({ control: c.control, findings: c.findings, remediated: c.remediated, alerted: c.alerted, failed: c.failed }).toEqual({ control: c.control, findings: w.findings, remediated: w.remediated, alerted: w.alerted, failed: 0 });
      expect(c.timeToRemediate.medianMs).toBe(medianOf(w.ttr));
      expect(c.timeToRemediate.p95Ms).toBe(p95Of(w.ttr));
    }
    expect(data.timeToRemediate.count).toBe(want.ttr.length);
    expect(data.timeToRemediate.medianMs).toBe(medianOf(want.ttr));
    expect(data.timeToRemediate.p95Ms).toBe(p95Of(want.ttr));
    expect(data.timeToRemediate.histogram.reduce((sum, b) => sum + b.count, 0)).toBe(want.ttr.length);
    // The seeded story, in plain numbers: two revocations by the first sweep, one remediation and one alert from the drift.
    expect(data.controls.find((c) => c.control === 'termination-procedures')).toMatchObject({ findings: 2, remediated: 2 });
    expect(data.totals.remediated).toBeGreaterThan(10);
    expect(data.daily.days).toHaveLength(3);
    expect(data.daily.controls['access-control']?.[1]).toBe(2);
  });

  it('lists open alerts from the audit with who caused them (ids only) and cross-checks the alert store', () => {
    const want = expected(seeded.records);
    expect(data.alerts.open.map((a) => a.alertId).sort()).toEqual([...want.open].sort());
    const drift = data.alerts.open.find((a) => a.resourceId === RESEARCH && a.remediator === 'storage-public-access');
    expect(drift).toMatchObject({ control: 'access-control', reason: 'mode alert (resource-group)', eventId: 'drift-research', store: 'open', actor: { objectId: DRIFTER, principalType: 'User' } });
    expect(data.alerts.open.filter((a) => a.eventId?.startsWith('sweep:')).every((a) => a.actor === null)).toBe(true);
    expect(data.alerts.storeCheck).toMatchObject({ compared: true, error: null, openInStoreOnly: [] });
    expect(data.totals.openAlerts).toBe(want.open.length);
  });

  it('never carries names, UPNs or IPs from the events (the template event has all three)', async () => {
    const html = join(dir, 'names.html');
    expect((await cli(['report', '--html', html, '--home', seeded.home])).code).toBe(0);
    for (const text of [JSON.stringify(data), await readFile(html, 'utf8')]) {
      expect(text).not.toMatch(/Canaryfield|northwind-health|198\.51\.100\.77/);
    }
  });

  it('shows revocations with their restore command, and the one already restored', () => {
    const [restored, open] = seeded.revokedSeqs.map((seq) => data.revocations.find((r) => r.seq === seq));
    expect(data.revocations).toHaveLength(2);
    expect(restored).toMatchObject({ outcome: 'succeeded', restoreCommand: null, restoredBySeq: expect.any(Number) });
    expect(open).toMatchObject({ outcome: 'succeeded', restoreCommand: `hipaa-remediator restore ${seeded.revokedSeqs[1]!}`, restoredBySeq: null, roleDefinitionId: expect.stringMatching(/8e3af657-a8ff-443c-a75c-2fe8c4bcb635$/) });
  });

  it('reports mode changes and the current modes; sweeps with their coverage', () => {
    expect(data.modeChanges).toEqual([expect.objectContaining({ remediator: 'storage-public-access', scope: 'rg:rg-research', before: null, after: 'alert', reason: HOSTILE_REASON, operator: expect.stringMatching(/^cli:/) })]);
    expect(data.modes.settings).toEqual([expect.objectContaining({ remediator: 'storage-public-access', scope: 'rg:rg-research', mode: 'alert' })]);
    const summaries = seeded.records.filter((r) => r.kind === 'sweep-summary');
    expect(data.sweeps.runs.map((r) => [r.seq, r.runId, r.counts])).toEqual(summaries.map((s) => [s.seq, s.seq === summaries[0]!.seq ? 'run-1' : 'run-2', s.counts]));
    expect(data.sweeps.runs[0]?.resources).toBeGreaterThan(20);
    expect(data.sweeps.totals['storage-public-access']?.['compliant']).toBe(summaries.reduce((sum, s) => sum + (s.counts?.['storage-public-access']?.['compliant'] ?? 0), 0));
    expect(data.sweeps.longestGapMs).toBeGreaterThanOrEqual(DAY * 2 - 60_000);
  });

  it('--since/--until select the records of one day; state (open alerts) is as of --until', async () => {
    const since = new Date(seeded.startedAt + DAY / 2).toISOString();
    const until = new Date(seeded.startedAt + (3 * DAY) / 2).toISOString();
    const ran = await cli(['report', '--json', '--since', since, '--until', until, '--home', seeded.home]);
    expect(ran.code).toBe(0);
    const day1 = JSON.parse(ran.stdout) as ReportData;
    const want = expected(seeded.records, { since: Date.parse(since), until: Date.parse(until) });
    expect(day1.window).toMatchObject({ since, until });
    expect(day1.totals).toMatchObject({ findings: 2, remediated: 1, alerted: 1, openAlerts: want.open.length });
    expect(day1.controls.find((c) => c.control === 'access-control')).toMatchObject({ findings: 2, remediated: 1, alerted: 1 });
    expect(day1.modeChanges).toEqual([]);
    expect(day1.revocations).toEqual([]);
    expect(day1.sweeps.runs).toEqual([]);
    expect(day1.alerts.storeCheck.compared).toBe(false);
    expect(day1.daily.days).toEqual([since.slice(0, 10), until.slice(0, 10)]);
  });
});

describe('hipaa-remediator report --html', () => {
  it('writes one self-contained page, chain first, everything escaped; never over an existing file', async () => {
    const file = join(dir, 'report.html');
    const ran = await cli(['report', '--html', file, '--home', seeded.home]);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/report written to .*audit chain intact/);
    const html = await readFile(file, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    // Self-contained: nothing fetched, nothing run.
    expect(html).not.toMatch(/\b(?:src|href|action|srcset|poster|data)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/<script|<link|<iframe|<object|<embed|@import|url\(/i);
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">/);
    // The chain's verification is the first thing in the body.
    expect(html).toMatch(/<body>\s*<main>\s*<section class="banner ok" id="chain"><h2>Audit chain verified<\/h2>/);
    // The operator's reason is shown, inert.
    expect(html).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; synthetic data &lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('onerror=alert(1)>');
    // Print: page breaks between sections, no dark backgrounds.
    expect(html).toMatch(/@media print \{[^]*section\.page \{ break-before: page;/);
    for (const { citation } of Object.values(CONTROLS)) expect(html).toContain(citation);
    expect(html).toContain(`hipaa-remediator restore ${seeded.revokedSeqs[1]!}`);
    expect(html.match(/<svg class="chart"/g)).toHaveLength(2);

    const before = await readFile(file, 'utf8');
    const again = await cli(['report', '--html', file, '--home', seeded.home]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists: report never overwrites/);
    expect(await readFile(file, 'utf8')).toBe(before);
  });

  it('a tampered chain: the report is still written, with a red banner naming the first bad record, and exit 1', async () => {
    const home = join(dir, 'tampered');
    await cp(seeded.home, home, { recursive: true });
    const days = (await readdir(join(home, 'audit', 'chain'))).sort();
    const segment = join(home, 'audit', 'chain', days[0]!, (await readdir(join(home, 'audit', 'chain', days[0]!)))[0]!);
    const lines = (await readFile(segment, 'utf8')).trimEnd().split('\n');
    const victim = lines.findIndex((l) => l.includes('"decision":"remediated"'));
    lines[victim] = lines[victim]!.replace('"decision":"remediated"', '"decision":"compliant"');
    await writeFile(segment, `${lines.join('\n')}\n`);

    const file = join(dir, 'tampered.html');
    const ran = await cli(['report', '--html', file, '--home', home]);
    expect(ran.code).toBe(1);
    expect(ran.stdout).toMatch(/audit chain BROKEN: modified/);
    const html = await readFile(file, 'utf8');
    expect(html).toMatch(/<body>\s*<main>\s*<section class="banner broken" id="chain"><h2>AUDIT CHAIN BROKEN<\/h2>/);
    expect(html).toContain(`modified — record #${victim + 1} at ${days[0]!}/`);
    expect(html).toContain(`line ${victim + 1}`);
    const json = await cli(['report', '--json', '--home', home]);
    expect(json.code).toBe(1);
    expect((JSON.parse(json.stdout) as ReportData).chain).toMatchObject({ ok: false, problem: { kind: 'modified', seq: victim + 1, line: victim + 1 } });
  });
});

describe('hipaa-remediator report: usage', () => {
  it.each([
    [['report'], /needs --html <file> or --json/],
    [['report', '--json', '--since', 'yesterday'], /--since is not an ISO 8601 date/],
    [['report', '--json', '--since', '2026-02-30'], /--since is not an ISO 8601 date/],
    [['report', '--json', '--until', '2026-11-01T25:00:00Z'], /--until is not an ISO 8601 date/],
    [['report', '--json', '--since', 'March 7, 2026'], /--since is not an ISO 8601 date/],
    [['report', '--json', '--since', '2026-11-02', '--until', '2026-11-01'], /--since .* must be before --until/],
    [['report', '--json', 'extra'], /unexpected argument: extra/],
    [['report', '--json', '--bogus'], /Unknown option/],
  ])('exits 2 with a clear message: %j', async (args, message) => {
    const ran = await cli([...args, '--home', seeded.home]);
    expect(ran.code).toBe(2);
    expect(ran.stdout).toBe('');
    expect(ran.stderr).toMatch(message);
  });

  it('honours --config (the modes it names) and accepts ISO times with offsets', async () => {
    const config = join(dir, 'config.json');
    await writeFile(config, JSON.stringify({ modes: { 'storage-secure-transfer': 'alert' } }));
    const ran = await cli(['report', '--json', '--config', config, '--since', '2020-01-01T00:00:00+01:00', '--home', seeded.home]);
    expect(ran.code).toBe(0);
    const data = JSON.parse(ran.stdout) as ReportData;
    expect(data.window.since).toBe('2019-12-31T23:00:00.000Z');
    expect(data.modes.remediators.find((r) => r.id === 'storage-secure-transfer')).toEqual({ id: 'storage-secure-transfer', defaultMode: 'remediate', configMode: 'alert' });
  });
});
