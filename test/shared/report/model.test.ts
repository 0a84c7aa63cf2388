/**
 * The report's arithmetic on hand-written records: the edges the seeded pipeline run does not
 * reach (a 412 retry, a fix that did not hold, a dangling intent, mode off, a fix made by
 * someone else), the window rules, the statistics and the escaping of every printed field.
 */
import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../../shared/audit/record.js';
import type { VerifyReport } from '../../../shared/audit/verify.js';
import { renderReportHtml } from '../../../shared/report/html.js';
import { computeReport, type ReportInput } from '../../../shared/report/model.js';
import { formatDuration, histogram, median, percentile } from '../../../shared/report/stats.js';
import { parseIsoTime, ReportInputError, reportWindow } from '../../../shared/report/window.js';

const SUB = '/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg-a/providers/Microsoft.Storage/storageAccounts';
const T0 = Date.parse('2026-11-10T10:00:00Z');

let seq = 0;
function rec(offsetMs: number, entry: Partial<AuditRecord>): AuditRecord {
  seq += 1;
  return { kind: 'decision', ...entry, seq, time: new Date(T0 + offsetMs).toISOString(), prevHash: '0'.repeat(64), hash: String(seq).padStart(64, '0') } as AuditRecord;
}

const OK: VerifyReport = { ok: true, location: '/x', records: 0, segments: 1, signedHeads: 1, lastSeq: 0, lastSignedSeq: 0 };

function input(records: AuditRecord[], extra: Partial<ReportInput> = {}): ReportInput {
  return {
    records,
    unreadableLines: 0,
    verify: { ...OK, records: records.length, lastSeq: records.length },
    head: undefined,
    store: { kind: 'local', location: '/x' },
    window: {},
    now: new Date(T0 + 10 * 86_400_000),
    modes: { location: '/x/modes.json', settings: [], dryRun: false, remediators: [] },
    remediators: [{ id: 'storage-public-access', controls: ['access-control', 'transmission-security'] }],
    ...extra,
  };
}

const pa = { remediator: 'storage-public-access', control: 'access-control', citation: '45 CFR 164.312(a)(1)' };

describe('episodes and their status', () => {
  it('a 412 retry is one remediation, timed from the first intent to the succeeded outcome', () => {
    seq = 0;
    const id = `${SUB}/st1`;
    const records = [
      rec(0, { kind: 'intent', eventId: 'e1', resourceId: id, ...pa, decision: 'remediated' }),
      rec(100, { kind: 'outcome', eventId: 'e1', resourceId: id, ...pa, intentSeq: 1, outcome: 'failed', reason: '412' }),
      rec(150, { kind: 'intent', eventId: 'e1', resourceId: id, ...pa, decision: 'remediated' }),
      rec(400, { kind: 'outcome', eventId: 'e1', resourceId: id, ...pa, intentSeq: 3, outcome: 'succeeded', decision: 'remediated' }),
    ];
    const data = computeReport(input(records));
    expect(data.controls.find((c) => c.control === 'access-control')).toMatchObject({ findings: 1, remediated: 1, failed: 0, timeToRemediate: { count: 1, medianMs: 400, p95Ms: 400 } });
  });

  it('failed when the fix did not hold, when the outcome is unknown, or when no outcome came by the end of the window', () => {
    seq = 0;
    const records = [
      rec(0, { kind: 'intent', eventId: 'e1', resourceId: `${SUB}/st1`, ...pa }),
      rec(10, { kind: 'outcome', eventId: 'e1', resourceId: `${SUB}/st1`, ...pa, intentSeq: 1, outcome: 'succeeded' }),
      rec(20, { kind: 'decision', eventId: 'e1', resourceId: `${SUB}/st1`, ...pa, decision: 'failed', reason: 'not confirmed' }),
      rec(30, { kind: 'intent', eventId: 'e2', resourceId: `${SUB}/st2`, ...pa }),
      // A crash: the next event closes the intent as unknown, under its own event id.
      rec(90_000, { kind: 'outcome', eventId: 'e3', resourceId: `${SUB}/st2`, ...pa, intentSeq: 4, outcome: 'unknown' }),
      rec(100_000, { kind: 'intent', eventId: 'e4', resourceId: `${SUB}/st3`, ...pa }),
      rec(200_000, { kind: 'outcome', eventId: 'e4', resourceId: `${SUB}/st3`, ...pa, intentSeq: 6, outcome: 'succeeded' }),
    ];
    const data = computeReport(input(records, { window: { until: T0 + 150_000 } }));
    expect(data.controls.find((c) => c.control === 'access-control')).toMatchObject({ findings: 3, remediated: 0, failed: 3, resources: 3 });
    expect(computeReport(input(records)).controls.find((c) => c.control === 'access-control')).toMatchObject({ findings: 3, remediated: 1, failed: 2, timeToRemediate: { medianMs: 100_000 } });
  });

  it('off, alerted, cleared, and compliant verdicts that are no finding at all', () => {
    seq = 0;
    const finding = [{ property: 'properties.allowBlobPublicAccess', actual: true, expected: false, controls: ['access-control'] }];
    const records = [
      rec(0, { kind: 'decision', eventId: 'e1', resourceId: `${SUB}/st1`, ...pa, decision: 'skipped', findings: finding, reason: 'mode off (resource-group)' }),
      rec(1, { kind: 'decision', eventId: 'e1', resourceId: `${SUB}/st2`, ...pa, decision: 'skipped', reason: 'left to PIM' }),
      rec(2, { kind: 'decision', eventId: 'e2', resourceId: `${SUB}/st3`, ...pa, decision: 'alerted', findings: finding }),
      rec(3, { kind: 'intent', eventId: 'e3', resourceId: `${SUB}/st4`, ...pa }),
      rec(4, { kind: 'outcome', eventId: 'e3', resourceId: `${SUB}/st4`, ...pa, intentSeq: 4, outcome: 'failed', reason: '412' }),
      rec(5, { kind: 'decision', eventId: 'e3', resourceId: `${SUB}/st4`, ...pa, decision: 'compliant' }),
      rec(6, { kind: 'decision', eventId: 'e4', resourceId: `${SUB}/st5`, ...pa, decision: 'compliant' }),
      rec(7, { kind: 'decision', eventId: 'e5', resourceId: `${SUB}/st6`, remediator: 'x', control: 'not-a-control', decision: 'alerted' }),
    ];
    const data = computeReport(input(records));
    expect(data.controls.find((c) => c.control === 'access-control')).toMatchObject({ findings: 3, off: 1, alerted: 1, cleared: 1, remediated: 0, failed: 0 });
    expect(data.controls.at(-1)).toMatchObject({ control: 'not-a-control', citation: '', title: 'not in the catalog', findings: 1 });
    expect(data.controls.find((c) => c.control === 'transmission-security')).toMatchObject({ findings: 0, remediators: ['storage-public-access'] });
    expect(data.totals).toMatchObject({ findings: 4, off: 1, alerted: 2, cleared: 1 });
  });

  it('an episode belongs to the window of its first record; open alerts are replayed over the whole history up to --until', () => {
    seq = 0;
    const alert = (offset: number, alertId: string, transition: 'opened' | 'resolved') =>
      rec(offset, { kind: 'alert', resourceId: `${SUB}/st1`, ...pa, reason: 'mode alert', alert: { alertId, transition, severity: 'high', delivered: ['log:opened'], failed: [] } });
    const records = [
      rec(0, { kind: 'decision', eventId: 'e1', resourceId: `${SUB}/st1`, ...pa, decision: 'alerted', actor: { objectId: 'oid-1', principalType: 'User', ...({ name: 'Never Shown' } as object) } }),
      alert(1, 'a1', 'opened'),
      alert(2 * 86_400_000, 'a1', 'resolved'),
      rec(3 * 86_400_000, { kind: 'decision', eventId: 'e2', resourceId: `${SUB}/st1`, ...pa, decision: 'alerted' }),
    ];
    const window = { since: T0 + 86_400_000, until: T0 + 3 * 86_400_000 };
    const data = computeReport(input(records, { window }));
    expect(data.totals.findings).toBe(0);
    expect(data.alerts).toMatchObject({ openedInWindow: 0, resolvedInWindow: 1, open: [] });
    const before = computeReport(input(records, { window: { until: T0 + 86_400_000 } }));
    expect(before.alerts.open).toEqual([expect.objectContaining({ alertId: 'a1', actor: { objectId: 'oid-1', principalType: 'User' }, causedBySeq: 1, eventId: 'e1', store: 'unchecked' })]);
    expect(JSON.stringify(before)).not.toContain('Never Shown');
    // The period ends inside 11-11, so that day is drawn too (empty).
    expect(before.daily).toEqual({ days: ['2026-11-10', '2026-11-11'], controls: { 'access-control': [1, 0] } });
  });

  it('cross-checks the alert store only for a report up to now', () => {
    seq = 0;
    const records = [rec(0, { kind: 'alert', resourceId: `${SUB}/st1`, ...pa, alert: { alertId: 'a1', transition: 'opened', severity: 'high', delivered: [], failed: [] } })];
    const stored = (alertId: string, state: 'open' | 'resolved') => ({ alertId, state, resourceId: `${SUB}/st9`, control: 'access-control', openedAt: '2026-11-01T00:00:00Z' }) as never;
    const data = computeReport(input(records, { alertStore: { location: '/x/alerts.json', records: [stored('a1', 'resolved'), stored('a2', 'open')] } }));
    expect(data.alerts.open[0]?.store).toBe('resolved');
    expect(data.alerts.storeCheck).toMatchObject({ compared: true, openInStoreOnly: [{ alertId: 'a2' }] });
    const past = computeReport(input(records, { window: { until: T0 + 1000 }, alertStore: { location: '/x/alerts.json', records: [] } }));
    expect(past.alerts.storeCheck.compared).toBe(false);
    expect(past.alerts.open[0]?.store).toBe('unchecked');
  });
});

describe('statistics', () => {
  it('median: the middle value, or the mean of the two middle ones', () => {
    expect(median([])).toBeNull();
    expect(median([5])).toBe(5);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('p95: nearest rank, always a measured value', () => {
    const twenty = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(percentile(twenty, 95)).toBe(19);
    expect(percentile([...twenty, 21], 95)).toBe(20);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 95)).toBe(95);
    expect(percentile([], 95)).toBeNull();
  });

  it('bins and durations', () => {
    expect(histogram([0, 99, 100, 59_999, 60_000, 86_400_000]).map((b) => b.count)).toEqual([2, 1, 0, 1, 1, 0, 0, 1]);
    expect([850, 12_400, 200_000, 7_500_000, 270_000_000].map(formatDuration)).toEqual(['850 ms', '12.4 s', '3 min 20 s', '2 h 5 min', '3 d 3 h']);
  });
});

describe('the window', () => {
  it.each([
    ['2026-11-01', '2026-11-01T00:00:00.000Z'],
    ['2026-11-01T08:30', '2026-11-01T08:30:00.000Z'],
    ['2026-11-01T08:30:15.5Z', '2026-11-01T08:30:15.500Z'],
    ['2026-11-01T08:30:00+02:00', '2026-11-01T06:30:00.000Z'],
    ['2026-11-01T08:30:00-0530', '2026-11-01T14:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
  ])('%s is %s', (text, iso) => {
    expect(new Date(parseIsoTime(text)!).toISOString()).toBe(iso);
  });

  it.each(['yesterday', '2026-11-1', '2026-02-29', '2026-13-01', '2026-11-01T24:00:00Z', '2026-11-01 08:00', '1700000000', '2026-11-01T08:00:00+25:00', ''])('refuses %j', (text) => {
    expect(parseIsoTime(text)).toBeUndefined();
    expect(() => reportWindow({ since: text })).toThrow(ReportInputError);
  });

  it('since must come before until', () => {
    expect(() => reportWindow({ since: '2026-11-02', until: '2026-11-02' })).toThrow(/must be before --until/);
    expect(reportWindow({ since: '2026-11-01', until: '2026-11-02' })).toEqual({ since: Date.parse('2026-11-01T00:00:00Z'), until: Date.parse('2026-11-02T00:00:00Z') });
  });
});

describe('the HTML', () => {
  const EVIL = '<script>alert(1)</script>"\'`<img src=x onerror=alert(2)>';

  it('escapes every attacker-influenced field', () => {
    seq = 0;
    const id = `${SUB}/st1`;
    const records = [
      rec(0, { kind: 'intent', eventId: `e${EVIL}`, resourceId: `${id}${EVIL}`, remediator: `r${EVIL}`, control: `c${EVIL}`, citation: EVIL, before: { principalId: EVIL, roleDefinitionId: EVIL, scope: EVIL }, change: { operation: 'roleAssignments.deleteById' }, findings: [{ property: EVIL, actual: EVIL, expected: EVIL, controls: [] }] }),
      rec(1, { kind: 'outcome', intentSeq: 1, outcome: 'succeeded' }),
      rec(2, { kind: 'decision', eventId: EVIL, resourceId: `${id}${EVIL}`, remediator: `r${EVIL}`, control: `c${EVIL}`, decision: 'alerted', actor: { objectId: EVIL, appId: EVIL, principalType: EVIL } }),
      rec(3, { kind: 'alert', resourceId: `${id}${EVIL}`, remediator: `r${EVIL}`, control: `c${EVIL}`, citation: EVIL, reason: EVIL, alert: { alertId: EVIL, transition: 'opened', severity: EVIL, delivered: [EVIL], failed: [{ sink: EVIL, error: EVIL }] } }),
      rec(4, { kind: 'mode-change', operator: EVIL, remediator: EVIL, scope: `rg:${EVIL}`, before: { mode: EVIL }, after: { mode: EVIL }, reason: EVIL }),
      rec(5, { kind: 'sweep-summary', reason: `sweep ${EVIL}: 3 resources`, counts: { [EVIL]: { [EVIL]: 1 } } }),
    ];
    const html = renderReportHtml(
      computeReport(
        input(records, {
          store: { kind: 'local', location: EVIL },
          head: { seq: 1, hash: EVIL, time: EVIL, keyId: EVIL, signature: 'unverifiable', matchesChain: false, error: EVIL },
          modes: { location: EVIL, settings: [{ remediator: EVIL, scope: `rg:${EVIL}`, mode: 'alert', changedBy: EVIL, changedAt: EVIL, reason: EVIL }], dryRun: true, remediators: [{ id: EVIL, defaultMode: EVIL, configMode: EVIL }] },
          alertStore: { location: EVIL, records: [{ alertId: EVIL, state: 'open', resourceId: EVIL, control: EVIL, openedAt: EVIL } as never] },
        }),
      ),
    );
    expect(html).not.toMatch(/<script|<img|onerror=alert\(2\)>/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&#96;&lt;img src=x onerror=alert(2)&gt;');
    // Every tag in the page is one the renderer wrote.
    const tags = new Set([...html.matchAll(/<([a-zA-Z][a-zA-Z0-9]*)/g)].map((m) => m[1]!.toLowerCase()));
    expect([...tags].filter((t) => !['html', 'head', 'meta', 'title', 'style', 'body', 'main', 'section', 'h1', 'h2', 'h3', 'p', 'b', 'br', 'dl', 'dt', 'dd', 'div', 'span', 'code', 'table', 'colgroup', 'col', 'thead', 'tbody', 'tr', 'th', 'td', 'ul', 'li', 'svg', 'line', 'text', 'rect', 'header', 'footer'].includes(t))).toEqual([]);
  });

  it('a broken chain is a red banner first on the page, with the first bad record and why', () => {
    const broken: VerifyReport = { ...OK, ok: false, records: 5, problem: { kind: 'removed', seq: 4, segment: '2026-11-10/000000000001.jsonl', line: 3, message: 'records 3..3 are missing' } };
    const html = renderReportHtml(computeReport(input([], { verify: broken })));
    expect(html).toMatch(/<body>\s*<main>\s*<section class="banner broken" id="chain"><h2>AUDIT CHAIN BROKEN<\/h2><p><b>First bad record:<\/b> removed — record #4 at 2026-11-10\/000000000001\.jsonl line 3<\/p><p><b>Why:<\/b> records 3\.\.3 are missing<\/p>/);
    expect(html).toContain('.banner.broken { background: #fdecea; border-color: #c62828;');
  });

  it('an intact chain without a signed head is a warning, not a pass', () => {
    const html = renderReportHtml(computeReport(input([])));
    expect(html).toMatch(/<section class="banner warn" id="chain"><h2>Audit chain verified — without a valid signed head<\/h2>/);
    expect(html).toContain('No records in this period.');
  });
});
