/**
 * The evidence report as one self-contained HTML page: inline CSS, inline SVG, no script, no
 * external asset (a Content-Security-Policy forbids any), light backgrounds only, one section
 * per printed page. The chain's verification is the first thing on it: every figure below is
 * only as good as the chain it was computed from.
 */
import { describeModeScope } from '../modes/scopes.js';
import { escapeHtml as e } from './escape.js';
import type { ControlFigures, OpenAlert, ReportData, Revocation } from './model.js';
import { formatDuration } from './stats.js';
import { histogramChart, seriesColor, stackedBarChart } from './svg.js';

const WELL_KNOWN_ROLES: Readonly<Record<string, string>> = {
  '8e3af657-a8ff-443c-a75c-2fe8c4bcb635': 'Owner',
  'b24988ac-6180-42a0-ab88-20f7382dd24c': 'Contributor',
  'acdd72a7-3385-48ef-bd42-f606fba81ae7': 'Reader',
  '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9': 'User Access Administrator',
  'f58310d9-a9f6-439a-9e8d-f62e7b41a168': 'Role Based Access Control Administrator',
};

const TERMS: Readonly<Record<string, string>> = {
  episode: 'Episode',
  finding: 'Finding',
  status: 'Status of a finding',
  timeToRemediate: 'Time to remediate (TTR)',
  median: 'Median',
  p95: 'p95',
  control: 'Control',
  openAlert: 'Open alert',
  window: 'Period',
};

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 48px; background: #fff; color: #1c2430; font: 14px/1.45 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "DejaVu Sans", sans-serif; }
main { max-width: 1200px; margin: 0 auto; }
h1 { font-size: 24px; margin: 18px 0 4px; }
h2 { font-size: 19px; margin: 0 0 10px; padding-bottom: 4px; border-bottom: 2px solid #d5dbe3; }
h3 { font-size: 15px; margin: 18px 0 6px; }
p { margin: 6px 0; }
section { margin: 28px 0 0; }
code, .mono { font-family: "SFMono-Regular", Consolas, "DejaVu Sans Mono", monospace; font-size: 12px; }
.id { word-break: break-all; }
.nowrap { white-space: nowrap; }
td code.id { font-size: 11px; }
.muted { color: #5b6675; }
.small { font-size: 12px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; }
table.fixed { table-layout: fixed; }
table.fixed td { overflow-wrap: anywhere; }
th.n { font-size: 12px; }
th, td { border: 1px solid #d5dbe3; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #eef1f5; font-weight: 600; }
tbody tr:nth-child(even) td { background: #f8f9fb; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
td.n { white-space: nowrap; }
tr.total td { font-weight: 600; background: #eef1f5; }
.banner { border: 2px solid; border-radius: 6px; padding: 12px 16px; margin: 0 0 8px; }
.banner h2 { border: 0; margin: 0 0 6px; padding: 0; font-size: 20px; }
.banner.ok { background: #eaf6ec; border-color: #2e7d32; color: #1b4d20; }
.banner.broken { background: #fdecea; border-color: #c62828; color: #7f1d1d; }
.banner.warn { background: #fff7e0; border-color: #b7791f; color: #5f3b00; }
.banner dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 8px 0 0; }
.banner dt { font-weight: 600; }
.banner dd { margin: 0; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 8px 0; }
.meta dt { font-weight: 600; color: #3b4656; }
.meta dd { margin: 0; }
.figures { display: flex; flex-wrap: wrap; gap: 10px; margin: 12px 0; }
.figure { border: 1px solid #d5dbe3; border-radius: 6px; padding: 8px 12px; min-width: 120px; }
.figure b { display: block; font-size: 22px; }
.bad { color: #b71c1c; font-weight: 600; }
.good { color: #1b5e20; font-weight: 600; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 4px 0 12px; padding: 0; list-style: none; font-size: 12px; }
.swatch { display: inline-block; width: 11px; height: 11px; margin-right: 5px; vertical-align: -1px; border: 1px solid #0003; }
svg.chart { width: 100%; height: auto; display: block; }
svg .grid { stroke: #e3e7ed; stroke-width: 1; }
svg .axis { stroke: #5b6675; stroke-width: 1; }
svg .tick { fill: #3b4656; font-size: 11px; }
svg .count { fill: #1c2430; font-size: 12px; font-weight: 600; }
svg .axis-label { fill: #3b4656; font-size: 12px; }
svg .bar { fill: #4e79a7; }
dl.defs dt { font-weight: 600; margin-top: 6px; }
dl.defs dd { margin: 0 0 0 16px; }
footer { margin-top: 32px; font-size: 12px; color: #5b6675; border-top: 1px solid #d5dbe3; padding-top: 8px; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { padding: 0; font-size: 10.5px; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  section.page { break-before: page; margin-top: 0; }
  h2, h3 { break-after: avoid; }
  table { font-size: 9.5px; }
  th, td { padding: 3px 4px; }
  code, .mono, td code.id { font-size: 8.5px; }
  .nowrap { white-space: normal; overflow-wrap: anywhere; }
  .small { font-size: 8.5px; }
  th, th.n { font-size: 8.5px; }
  .figure { padding: 3px 8px; min-width: 0; }
  .figure b { font-size: 14px; }
  .figures { margin: 6px 0; gap: 6px; }
  h1 { font-size: 18px; margin: 10px 0 2px; }
  h2 { font-size: 15px; }
  section { margin-top: 14px; }
  .banner { padding: 8px 12px; }
  .banner h2 { font-size: 16px; }
  .banner dl, .meta { margin: 4px 0 0; gap: 0 12px; }
  td { line-height: 1.3; }
  thead { display: table-header-group; }
  tr, .figure, svg.chart, .banner { break-inside: avoid; }
}
`;

const dash = '—';
const n = (value: number | null | undefined): string => (value === null || value === undefined ? dash : String(value));
const code = (value: string | null | undefined, cls = 'id'): string => (value === null || value === undefined || value === '' ? dash : `<code class="${cls}">${e(value)}</code>`);
const when = (iso: string | null | undefined): string => (iso === null || iso === undefined ? dash : `<span class="mono">${e(iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z'))}</span>`);

/** `widths` (percentages) fix the layout: long ids then wrap inside their column instead of squeezing the others, on A4 too. */
function table(headers: readonly (string | { label: string; numeric: true })[], rows: readonly string[][], empty: string, options: { extraRow?: string; widths?: readonly number[] } = {}): string {
  if (rows.length === 0) return `<p class="muted">${e(empty)}</p>`;
  const head = headers.map((h) => (typeof h === 'string' ? `<th>${e(h)}</th>` : `<th class="n">${e(h.label)}</th>`)).join('');
  const numeric = headers.map((h) => typeof h !== 'string');
  const body = rows.map((cells) => `<tr>${cells.map((c, i) => `<td${numeric[i] === true ? ' class="n"' : ''}>${c}</td>`).join('')}</tr>`).join('');
  const cols = options.widths === undefined ? '' : `<colgroup>${options.widths.map((w) => `<col style="width:${w}%">`).join('')}</colgroup>`;
  return `<table${options.widths === undefined ? '' : ' class="fixed"'}>${cols}<thead><tr>${head}</tr></thead><tbody>${body}${options.extraRow ?? ''}</tbody></table>`;
}

function chainBanner(data: ReportData): string {
  const c = data.chain;
  const head = c.head;
  const headLines =
    head === null
      ? `<dt>Signed head</dt><dd>none yet — a chain cut short cannot be told from one that ended</dd>`
      : [
          `<dt>Signed head</dt><dd>seq <b>${head.seq}</b>, signed ${when(head.time)}</dd>`,
          `<dt>Head hash</dt><dd>${code(head.hash)}</dd>`,
          `<dt>Signature</dt><dd>${head.signature === 'valid' ? '<span class="good">valid</span>' : `<span class="bad">${e(head.signature)}</span>`} (ES256, key ${code(head.keyId)})${head.error === undefined ? '' : ` — ${e(head.error)}`}</dd>`,
          `<dt>Head ↔ chain</dt><dd>${head.matchesChain ? `record #${head.seq} carries this hash` : `<span class="bad">record #${head.seq} does not carry this hash</span>`}</dd>`,
        ].join('');
  const common = `<dt>Store</dt><dd>${e(data.store.kind === 'azure' ? 'Azure (append blobs, Key Vault key)' : 'local files')}: ${code(data.store.location)}</dd><dt>Records</dt><dd>${c.records} in ${c.segments} segment${c.segments === 1 ? '' : 's'}; ${c.signedHeads} signed head${c.signedHeads === 1 ? '' : 's'}; last signed seq ${n(c.lastSignedSeq)}</dd>${headLines}`;
  if (!c.ok) {
    const p = c.problem;
    const first = p === null ? 'unknown problem' : `${p.kind} — record ${p.seq === null ? '(unreadable)' : `#${p.seq}`} at ${p.segment} line ${p.line}`;
    return [
      `<section class="banner broken" id="chain"><h2>AUDIT CHAIN BROKEN</h2>`,
      `<p><b>First bad record:</b> ${e(first)}</p>`,
      `<p><b>Why:</b> ${e(p?.message ?? '')}</p>`,
      `<p>The figures below are computed from records whose integrity could not be established. Run <code>hipaa-remediator audit verify</code> and treat this report as unreliable until it passes.</p>`,
      `<dl>${common}</dl></section>`,
    ].join('');
  }
  const warn = head === null || head.signature !== 'valid' || !head.matchesChain;
  return [
    `<section class="banner ${warn ? 'warn' : 'ok'}" id="chain"><h2>Audit chain verified${warn ? ' — without a valid signed head' : ''}</h2>`,
    `<p>Every record links to the one before it (SHA-256 over its canonical JSON), in order, with nothing missing${head === null ? '' : `, up to the signed head and beyond it to seq ${c.lastSeq}`}.${c.unreadableLines > 0 ? ` ${c.unreadableLines} line(s) could not be read.` : ''}</p>`,
    `<dl>${common}</dl></section>`,
  ].join('');
}

function controlRow(c: ControlFigures): string[] {
  const zero = c.findings === 0;
  return [
    `<span class="mono">${e(c.citation)}</span>`,
    `${e(c.title)}<br><span class="muted small">${c.remediators.length === 0 ? 'no remediator checks this control' : e(c.remediators.join(', '))}</span>`,
    n(c.findings),
    n(c.resources),
    n(c.remediated),
    n(c.alerted),
    c.failed > 0 ? `<span class="bad">${c.failed}</span>` : n(c.failed),
    n(c.off),
    n(c.cleared),
    c.openAlerts > 0 ? `<span class="bad">${c.openAlerts}</span>` : n(c.openAlerts),
    zero ? dash : e(formatDuration(c.timeToRemediate.medianMs)),
    zero ? dash : e(formatDuration(c.timeToRemediate.p95Ms)),
  ];
}

function actorText(a: OpenAlert): string {
  if (a.actor === null) return a.eventId?.startsWith('sweep:') === true ? '<span class="muted">found by a sweep (no caller)</span>' : '<span class="muted">not recorded</span>';
  const parts = [
    a.actor.objectId === undefined ? '' : `<span class="muted small">object</span><br>${code(a.actor.objectId, 'nowrap')}`,
    a.actor.appId === undefined ? '' : `<span class="muted small">app</span><br>${code(a.actor.appId, 'nowrap')}`,
    a.actor.principalType === undefined ? '' : `<span class="muted">${e(a.actor.principalType)}</span>`,
  ].filter((p) => p.length > 0);
  return parts.join('<br>');
}

function alertRows(data: ReportData): string[][] {
  return data.alerts.open.map((a) => [
    `${when(a.openedAt)}<br><b>${e(a.severity)}</b> <span class="muted small">audit #${a.auditSeq}</span>`,
    `<span class="mono nowrap">${e(a.citation)}</span><br>${e(a.remediator)}`,
    code(a.resourceId),
    e(a.reason),
    `${actorText(a)}${a.causedBySeq === null ? '' : `<br><span class="muted small">decision #${a.causedBySeq}${a.eventId === null ? '' : ` · event ${e(a.eventId)}`}</span>`}`,
    [
      a.deliveredTo.length === 0 ? '<span class="muted">no sink</span>' : e(a.deliveredTo.join(', ')),
      a.notDelivered.length === 0 ? '' : `<br><span class="bad">not delivered: ${e(a.notDelivered.map((f) => `${f.sink} (${f.error})`).join('; '))}</span>`,
      `<br><span class="small">store: ${a.store === 'unchecked' ? '<span class="muted">not compared</span>' : a.store === 'open' ? 'open' : `<span class="bad">${e(a.store)}</span>`}</span>`,
    ].join(''),
  ]);
}

function roleName(roleDefinitionId: string | null): string {
  if (roleDefinitionId === null) return dash;
  const guid = roleDefinitionId.split('/').at(-1)?.toLowerCase() ?? '';
  const name = WELL_KNOWN_ROLES[guid];
  return `${name === undefined ? '' : `${e(name)}<br>`}${code(guid, 'id small')}`;
}

function revocationRows(revocations: readonly Revocation[]): string[][] {
  return revocations.map((r) => [
    `${when(r.time)}<br><span class="muted small">audit #${r.seq}</span>`,
    `${code(r.principalId, 'nowrap')}${r.principalType === null ? '' : `<br><span class="muted">${e(r.principalType)}</span>`}`,
    roleName(r.roleDefinitionId),
    code(r.scope),
    r.why.length === 0 ? dash : r.why.map((w) => e(w)).join('<br>'),
    r.outcome === 'succeeded' ? 'revoked' : `<span class="bad">${e(r.outcome === 'none' ? 'no outcome' : r.outcome)}</span>`,
    r.restoredBySeq !== null ? `restored (audit #${r.restoredBySeq})` : r.restoreCommand === null ? dash : code(r.restoreCommand, 'mono'),
  ]);
}

function scopeLabel(scope: string | null): string {
  if (scope === null) return dash;
  return e(describeModeScope(scope));
}

function modesSection(data: ReportData): string {
  const m = data.modes;
  const changes = table(
    ['When', 'Operator', 'Remediator', 'Scope', 'Old → new', 'Reason'],
    data.modeChanges.map((c) => [
      `${when(c.time)}<br><span class="muted small">audit #${c.seq}</span>`,
      code(c.operator),
      e(c.remediator ?? dash),
      scopeLabel(c.scope),
      `${e(c.before ?? '(unset)')} → <b>${e(c.after ?? '(unset)')}</b>`,
      c.reason === null ? dash : e(c.reason),
    ]),
    'No mode changes in this period.',
    { widths: [13, 12, 16, 16, 13, 30] },
  );
  const current =
    m.error !== null
      ? `<p class="bad">${e(m.error)}</p>`
      : table(
          ['Scope', 'Remediator', 'Mode', 'Set by', 'At', 'Reason'],
          m.settings.map((s) => [scopeLabel(s.scope), e(s.remediator), `<b>${e(s.mode)}</b>`, code(s.changedBy), when(s.changedAt), s.reason === undefined ? dash : e(s.reason)]),
          'No overrides: every remediator runs in its default mode everywhere.',
          { widths: [18, 18, 9, 13, 14, 28] },
        );
  const defaults = table(
    ['Remediator', 'Mode everywhere else', 'Source'],
    m.remediators.map((r) => [e(r.id), `<b>${e(r.configMode ?? r.defaultMode)}</b>`, r.configMode === null ? 'remediator default' : 'config file']),
    'No remediators.',
  );
  return [
    `<section class="page" id="modes"><h2>Modes</h2>`,
    `<h3>Mode changes</h3>${changes}`,
    `<h3>Current modes per resource group <span class="muted small">(read now from ${code(m.location)}, not as of the period’s end)</span></h3>${current}`,
    m.dryRun ? '<p class="bad">Dry run is ON: nothing is remediated, everything is alerted.</p>' : '',
    `<h3>Defaults</h3>${defaults}</section>`,
  ].join('');
}

function sweepsSection(data: ReportData): string {
  const s = data.sweeps;
  const decisions = ['remediated', 'alerted', 'failed', 'skipped', 'compliant', 'rejected'];
  const extra = [...new Set(Object.values(s.totals).flatMap((d) => Object.keys(d)))].filter((d) => !decisions.includes(d));
  const columns = [...decisions, ...extra];
  const totals = table(
    ['Remediator', ...columns.map((d) => ({ label: d, numeric: true as const }))],
    Object.entries(s.totals)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([remediator, counts]) => [e(remediator), ...columns.map((d) => n(counts[d] ?? 0))]),
    'No sweep ran in this period.',
  );
  const runs = table(
    ['When', 'Run', { label: 'Resources', numeric: true }, { label: 'Decisions', numeric: true }, 'Summary'],
    [...s.runs].reverse().map((r) => [
      `${when(r.time)}<br><span class="muted small">audit #${r.seq}</span>`,
      code(r.runId),
      n(r.resources),
      n(Object.values(r.counts).reduce((sum, c) => sum + Object.values(c).reduce((a, b) => a + b, 0), 0)),
      e(r.reason),
    ]),
    'No sweep ran in this period.',
    { widths: [14, 10, 9, 9, 58] },
  );
  return [
    `<section class="page" id="sweeps"><h2>Sweep evidence</h2>`,
    `<p>${s.runs.length} sweep${s.runs.length === 1 ? '' : 's'} in this period${s.lastRunAt === null ? '' : `; the last at ${when(s.lastRunAt)}`}${s.longestGapMs === null ? '' : `; longest interval without a sweep (including since the last one): <b>${e(formatDuration(s.longestGapMs))}</b>`}.</p>`,
    `<h3>Coverage: decisions per remediator, all sweeps in the period</h3>${totals}`,
    `<h3>Runs (newest first)</h3>${runs}</section>`,
  ].join('');
}

export function renderReportHtml(data: ReportData): string {
  const t = data.totals;
  const stamp = (iso: string): string => iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  const period = `${data.window.since === null ? (data.window.firstRecordAt === null ? 'the first record' : `${stamp(data.window.firstRecordAt)} (first record)`) : stamp(data.window.since)} → ${data.window.until === null ? `${stamp(data.generatedAt)} (now)` : stamp(data.window.until)}`;
  const withFindings = data.controls.map((c, i) => ({ c, color: seriesColor(i) })).filter(({ c }) => (data.daily.controls[c.control] ?? []).some((v) => v > 0));
  const series = withFindings.map(({ c, color }) => ({ label: `${c.citation} ${c.title}`, color, values: data.daily.controls[c.control] ?? [] }));
  const legend = withFindings.map(({ c, color }) => `<li><span class="swatch" style="background:${color}"></span>${e(`${c.citation} ${c.title}`)}</li>`).join('');
  const ttr = data.timeToRemediate;
  const totalRow = `<tr class="total"><td colspan="2">All controls</td>${[t.findings, t.resources, t.remediated, t.alerted, t.failed, t.off, t.cleared, t.openAlerts].map((v) => `<td class="n">${v}</td>`).join('')}<td class="n">${e(formatDuration(ttr.medianMs))}</td><td class="n">${e(formatDuration(ttr.p95Ms))}</td></tr>`;
  const storeCheck = data.alerts.storeCheck;
  const storeNote = storeCheck.error !== null
    ? `<p class="bad">${e(storeCheck.error)}</p>`
    : !storeCheck.compared
      ? `<p class="muted">Not compared with the alert store${data.window.until === null ? '' : ' (a report that ends in the past is not compared with today’s state)'}.</p>`
      : storeCheck.openInStoreOnly.length === 0
        ? `<p class="muted">Compared with the alert store ${code(storeCheck.location)}: it holds no open alert the audit does not.</p>`
        : `<p class="bad">Open in the alert store ${code(storeCheck.location)} but not in the audit: ${storeCheck.openInStoreOnly.map((a) => `${code(a.alertId)} (${code(a.resourceId)}, ${e(a.control)}, opened ${when(a.openedAt)})`).join('; ')}</p>`;

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="hipaa-remediator report (${e(data.schema)})">
<title>HIPAA remediation evidence — ${e(period)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${chainBanner(data)}
<header>
<h1>HIPAA Security Rule — remediation evidence</h1>
<dl class="meta">
<dt>Period</dt><dd>${e(period)} <span class="muted small">(UTC; since ≤ time &lt; until)</span></dd>
<dt>Generated</dt><dd>${when(data.generatedAt)}</dd>
<dt>Audit records in period</dt><dd>${t.records}${data.window.firstRecordAt === null ? '' : ` (${when(data.window.firstRecordAt)} … ${when(data.window.lastRecordAt)})`}</dd>
</dl>
<div class="figures">
<div class="figure"><b>${t.findings}</b>findings</div>
<div class="figure"><b>${t.remediated}</b>remediated</div>
<div class="figure"><b>${t.alerted}</b>alerted</div>
<div class="figure"><b${t.failed > 0 ? ' class="bad"' : ''}>${t.failed}</b>failed</div>
<div class="figure"><b${t.openAlerts > 0 ? ' class="bad"' : ''}>${t.openAlerts}</b>open alerts</div>
<div class="figure"><b>${e(formatDuration(ttr.medianMs))}</b>median time to remediate</div>
<div class="figure"><b>${e(formatDuration(ttr.p95Ms))}</b>p95 time to remediate</div>
</div>
</header>

<section id="controls">
<h2>Per HIPAA control (45 CFR Part 164, Subpart C)</h2>
${table(
  ['Citation', 'Control', { label: 'Find\u00adings', numeric: true }, { label: 'Re\u00adsources', numeric: true }, { label: 'Reme\u00addiated', numeric: true }, { label: 'Alerted', numeric: true }, { label: 'Failed', numeric: true }, { label: 'Off', numeric: true }, { label: 'Cleared', numeric: true }, { label: 'Open alerts', numeric: true }, { label: 'Median TTR', numeric: true }, { label: 'p95 TTR', numeric: true }],
  data.controls.map(controlRow),
  'No controls.',
  { extraRow: totalRow, widths: [13, 19, 6.8, 6.8, 6.8, 6.8, 6.8, 6.8, 6.8, 6.8, 6.8, 6.8] },
)}
<p class="muted small">TTR: time to remediate, from the decision (the write-ahead intent) to the succeeded outcome of the same event, resource and remediator. Off: found while the remediator was switched off there. Cleared: compliant again, or gone, before the service acted. Definitions at the end.</p>
</section>

<section class="page" id="charts">
<h2>Findings over time</h2>
${data.daily.days.length === 0 ? '<p class="muted">No records in this period.</p>' : `${stackedBarChart({ title: 'Findings per day and control', days: data.daily.days, series })}${legend.length === 0 ? '<p class="muted">No findings in this period.</p>' : `<ul class="legend">${legend}</ul>`}`}
<h2>Time to remediate</h2>
<p>${ttr.count} confirmed remediation${ttr.count === 1 ? '' : 's'}; median <b>${e(formatDuration(ttr.medianMs))}</b>, p95 <b>${e(formatDuration(ttr.p95Ms))}</b>, fastest ${e(formatDuration(ttr.minMs))}, slowest ${e(formatDuration(ttr.maxMs))}.</p>
${histogramChart({ title: 'Time to remediate (distribution)', bins: ttr.histogram })}
</section>

<section class="page" id="alerts">
<h2>Open alerts</h2>
<p>${data.alerts.open.length} open at the end of the period; ${data.alerts.openedInWindow} opened and ${data.alerts.resolvedInWindow} resolved during it. Who caused them: the object / app id of the change’s caller as the audit holds it (never names).</p>
${table(['Opened', 'Control', 'Resource', 'Why an alert', 'Caused by', 'Delivered'], alertRows(data), 'No open alerts.', { widths: [12, 14, 30, 14, 18, 12] })}
${storeNote}
<h3>Role revocations</h3>
${table(['When', 'Principal', 'Role', 'Scope', 'Why', 'Outcome', 'Undo'], revocationRows(data.revocations), 'No role assignment was revoked in this period.', { widths: [11, 16, 14, 16, 25, 8, 10] })}
</section>

${modesSection(data)}

${sweepsSection(data)}

<section class="page" id="definitions">
<h2>How the figures are computed</h2>
<dl class="defs">${Object.entries(data.definitions).map(([term, text]) => `<dt>${e(TERMS[term] ?? term)}</dt><dd>${e(text)}</dd>`).join('')}</dl>
<p>The same figures as JSON: <code>hipaa-remediator report --json</code> (schema <code>${e(data.schema)}</code>). Verify the chain independently with <code>hipaa-remediator audit verify</code>; the records themselves: <code>hipaa-remediator audit export &lt;file&gt;</code>.</p>
</section>
<footer>hipaa-remediator evidence report · generated ${when(data.generatedAt)} · ${e(data.store.location)}</footer>
</main>
</body>
</html>
`;
}
