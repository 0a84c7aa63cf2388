/**
 * The console's pages: server-rendered HTML, inline CSS, no script and no external asset (the
 * Content-Security-Policy the handler sends forbids both). Plain forms: every change is a POST
 * with the CSRF token in a hidden field and a required reason. Everything that comes from a
 * store (resource ids, reasons, operators, errors) goes through escapeHtml.
 */
import { ANY_SUBSCRIPTION } from '../modes/changes.js';
import { describeModeScope } from '../modes/scopes.js';
import { MODES } from '../remediator.js';
import { escapeHtml as e } from '../report/escape.js';
import type { ReportData } from '../report/model.js';
import { formatDuration } from '../report/stats.js';
import type { Grid, GridCell, GridRow, OpenAlertView, RecentDecision } from './model.js';

export const CONSOLE_PATH = '/api/admin/console';
export const REPORT_PATH = '/api/admin/report';

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: #1c2430; font: 14px/1.45 -apple-system, "Segoe UI", Roboto, Arial, "DejaVu Sans", sans-serif; }
header { background: #1f3a5f; color: #fff; padding: 10px 24px; display: flex; gap: 16px; align-items: center; flex-wrap: wrap; }
header h1 { font-size: 19px; margin: 0; flex: 1; }
header a, header .who { color: #fff; }
header form { margin: 0; }
main { padding: 8px 24px 40px; max-width: 1500px; }
h2 { font-size: 18px; margin: 26px 0 8px; padding-bottom: 3px; border-bottom: 2px solid #d5dbe3; }
p { margin: 6px 0; }
a { color: #0b4f9c; }
a:focus, button:focus, select:focus, input:focus, summary:focus { outline: 3px solid #f0a500; outline-offset: 1px; }
code, .mono { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: 12px; }
.id { word-break: break-all; }
.muted { color: #4f5a68; }
.small { font-size: 12px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; }
th, td { border: 1px solid #c9d1dc; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #eef1f5; font-weight: 600; }
th[scope=row] { white-space: nowrap; }
table.grid td { min-width: 130px; }
.mode { display: inline-block; padding: 0 6px; border-radius: 3px; font-weight: 600; border: 1px solid; }
.mode-remediate { background: #e3f2e5; color: #1b4d20; border-color: #2e7d32; }
.mode-alert { background: #fff4d6; color: #5c4000; border-color: #b07d00; }
.mode-off { background: #fde7e7; color: #7a1212; border-color: #b3261e; }
.sev-high { color: #8a1010; font-weight: 700; }
.sev-medium { color: #6b4a00; font-weight: 600; }
.banner { border: 2px solid; border-radius: 5px; padding: 8px 12px; margin: 12px 0; }
.banner.ok { background: #eaf6ec; border-color: #2e7d32; color: #1b4d20; }
.banner.bad { background: #fdecec; border-color: #b3261e; color: #7a1212; }
.banner.info { background: #e8f0fb; border-color: #0b4f9c; color: #0b2f5c; }
details { margin-top: 4px; }
summary { cursor: pointer; color: #0b4f9c; font-size: 12px; }
form.cell { display: grid; gap: 3px; margin-top: 4px; font-size: 12px; }
form.cell label { font-weight: 600; }
input[type=text], input[type=password], select { font: inherit; padding: 3px 4px; border: 1px solid #5b6675; border-radius: 3px; background: #fff; color: #1c2430; }
button { font: inherit; padding: 3px 10px; border: 1px solid #1f3a5f; border-radius: 3px; background: #1f3a5f; color: #fff; cursor: pointer; }
button.secondary { background: #fff; color: #1f3a5f; }
header button { background: #fff; color: #1f3a5f; }
.buttons { display: flex; gap: 6px; }
.vh { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.login { max-width: 460px; margin: 60px auto; border: 1px solid #c9d1dc; border-radius: 6px; padding: 18px 24px; }
.login form { display: grid; gap: 8px; }
`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${e(title)}</title>
<style>${CSS}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

export function renderLoginPage(options: { error?: string; tokenPath?: string } = {}): string {
  return page(
    'hipaa-remediator console: sign in',
    `<main>
<div class="login">
<h1>hipaa-remediator operator console</h1>
${options.error === undefined ? '' : `<p class="banner bad" role="alert">${e(options.error)}</p>`}
<form method="post" action="${CONSOLE_PATH}/login">
<label for="token">Admin token</label>
<input type="password" id="token" name="token" required autocomplete="current-password" spellcheck="false">
<button type="submit">Sign in</button>
</form>
<p class="small muted">The token is in <code>${e(options.tokenPath ?? '<home>/admin-token')}</code> (readable only by the service's user). It is checked once; the browser then holds a session cookie, not the token.</p>
</div>
</main>`,
  );
}

export function renderErrorPage(status: number, message: string, options: { back?: boolean } = {}): string {
  return page(
    `hipaa-remediator console: ${status}`,
    `<main>
<h1>${status === 401 ? 'Not signed in' : status === 403 ? 'Refused' : status === 400 ? 'Not changed' : 'Error'}</h1>
<p class="banner bad" role="alert">${e(message)}</p>
${options.back === false ? '' : `<p><a href="${CONSOLE_PATH}">Back to the console</a></p>`}
</main>`,
  );
}

export interface ConsoleView {
  principal: { objectId: string; kind: string };
  canWrite: boolean;
  /** The CSRF token put in every form; undefined for readers (they get no forms). */
  csrf?: string;
  /** Whether the caller has a session (and so a sign-out button). */
  session: boolean;
  grid: Grid;
  alerts: OpenAlertView[];
  alertStoreError?: string;
  decisions: RecentDecision[];
  /** The report's view of the audit (chain status), or why there is none. */
  audit: { chain: ReportData['chain']; store: ReportData['store'] } | { error: string };
  notice?: string;
  now: Date;
}

const SOURCE_TEXT: Readonly<Record<string, string>> = {
  'resource-group': 'set for this resource group',
  subscription: 'subscription default',
  config: 'config file',
  default: 'remediator default',
  'fail-safe': 'fail-safe (mode store unreadable)',
};

function modeBadge(mode: string): string {
  return `<span class="mode mode-${e(mode)}">${e(mode)}</span>`;
}

/** Where a mode came from, as the cell says it. */
function sourceText(row: GridRow, r: GridCell['resolution'], perSubscription: boolean): { text: string; inherited: boolean } {
  const setting = r.setting;
  if (!perSubscription) {
    // One subscription: the words the grid has always used.
    const inherited = row.resourceGroup !== undefined && r.source !== 'resource-group';
    return { text: `${SOURCE_TEXT[r.source] ?? r.source}${inherited ? ' (inherited)' : ''}`, inherited };
  }
  if (setting !== undefined) return setting.scope === row.scope ? { text: 'set here', inherited: false } : { text: `inherited from ${describeModeScope(setting.scope)}`, inherited: true };
  const inherited = row.scope !== '*';
  return { text: `${SOURCE_TEXT[r.source] ?? r.source}${inherited ? ' (inherited)' : ''}`, inherited };
}

function rowLabel(row: GridRow, perSubscription: boolean): string {
  if (!perSubscription) return row.resourceGroup === undefined ? 'the subscription default' : `resource group ${row.resourceGroup}`;
  if (row.resourceGroup === undefined) return row.subscriptionId === undefined ? 'the default of all subscriptions' : `the default of subscription ${row.subscriptionId}`;
  return row.subscriptionId === undefined ? `resource group ${row.resourceGroup} in any subscription` : `resource group ${row.resourceGroup} in subscription ${row.subscriptionId}`;
}

function rowHeader(row: GridRow, perSubscription: boolean): string {
  if (!perSubscription) return row.resourceGroup === undefined ? 'Subscription default' : `<code class="id">${e(row.resourceGroup)}</code>`;
  if (row.resourceGroup === undefined) return row.subscriptionId === undefined ? 'All subscriptions (default)' : `Subscription default<div class="small"><code class="id">${e(row.subscriptionId)}</code></div>`;
  const where = row.subscriptionId === undefined ? 'any subscription' : `in <code class="id">${e(row.subscriptionId)}</code>`;
  return `<code class="id">${e(row.resourceGroup)}</code><div class="small muted">${where}</div>`;
}

function cellHtml(row: GridRow, cell: GridCell, view: ConsoleView, index: string): string {
  const r = cell.resolution;
  const perSubscription = view.grid.perSubscription === true;
  const where = rowLabel(row, perSubscription);
  const setting = r.setting;
  const source = sourceText(row, r, perSubscription);
  const lines = [
    `${modeBadge(r.mode)}${r.dryRun && r.mode === 'remediate' ? ' <span class="small">(dry run: alerts)</span>' : ''}`,
    `<div class="small muted">${e(source.text)}</div>`,
    setting === undefined || source.inherited ? '' : `<div class="small muted">by <code class="id">${e(setting.changedBy)}</code>, ${e(setting.changedAt.slice(0, 16).replace('T', ' '))}${setting.reason === undefined ? '' : `: “${e(setting.reason)}”`}</div>`,
    r.error === undefined ? '' : `<div class="small">${e(r.error)}</div>`,
  ];
  // Rows of a grid that spans subscriptions say which one they mean, so the change is stored at the row's scope.
  const subscriptionField = row.anySubscription === true ? ANY_SUBSCRIPTION : row.subscriptionId;
  if (view.canWrite && view.csrf !== undefined) {
    const label = `${cell.remediator} in ${where}`;
    lines.push(`<details><summary>Change<span class="vh"> ${e(label)}</span></summary>
<form class="cell" method="post" action="${CONSOLE_PATH}/modes">
<input type="hidden" name="csrf" value="${e(view.csrf)}">
<input type="hidden" name="remediator" value="${e(cell.remediator)}">
<input type="hidden" name="resourceGroup" value="${e(row.resourceGroup ?? '')}">
${subscriptionField === undefined ? '' : `<input type="hidden" name="subscriptionId" value="${e(subscriptionField)}">\n`}<label for="mode-${index}">Mode <span class="vh">for ${e(label)}</span></label>
<select id="mode-${index}" name="mode">${MODES.map((m) => `<option value="${m}"${m === (cell.own?.mode ?? r.mode) ? ' selected' : ''}>${m}</option>`).join('')}</select>
<label for="reason-${index}">Reason <span class="vh">for changing ${e(label)}</span></label>
<input type="text" id="reason-${index}" name="reason" required maxlength="1000" pattern=".*\\S.*" title="A reason is required; it goes into the audit record.">
<div class="buttons"><button type="submit" name="action" value="set">Set</button>${cell.own === undefined ? '' : `<button type="submit" class="secondary" name="action" value="clear">Clear</button>`}</div>
</form></details>`);
  }
  return `<td>${lines.join('')}</td>`;
}

function gridHtml(view: ConsoleView): string {
  const { grid } = view;
  const perSubscription = grid.perSubscription === true;
  const head = `<tr><th scope="col">Scope</th>${grid.remediators.map((r) => `<th scope="col"><code>${e(r.id)}</code></th>`).join('')}</tr>`;
  const body = grid.rows
    .map((row, i) => `<tr><th scope="row">${rowHeader(row, perSubscription)}</th>${row.cells.map((cell, j) => cellHtml(row, cell, view, `${i}-${j}`)).join('')}</tr>`)
    .join('\n');
  const precedence = perSubscription
    ? 'Precedence: resource group in a subscription &gt; resource group in any subscription &gt; subscription default &gt; all subscriptions &gt; config file &gt; remediator default.'
    : 'Precedence: resource group &gt; subscription default &gt; config file &gt; remediator default.';
  return `<section aria-labelledby="h-modes">
<h2 id="h-modes">Modes per resource group</h2>
<p class="small muted">${precedence}${grid.dryRun ? ' <strong>Dry run is on: every remediation is an alert.</strong>' : ''} ${view.canWrite ? 'Every change needs a reason and is audited (intent, then the mode change with old → new).' : 'You can read; changing modes needs the operator role.'}</p>
${grid.storeError === undefined ? '' : `<p class="banner bad" role="alert">Mode store unreadable: ${e(grid.storeError)} — every remediator alerts (fail-safe).</p>`}
<div style="overflow-x:auto"><table class="grid">
<caption class="vh">Effective mode per remediator (columns) and ${perSubscription ? 'subscription and resource group' : 'resource group'} (rows)</caption>
<thead>${head}</thead>
<tbody>
${body}
</tbody>
</table></div>
</section>`;
}

function alertsHtml(view: ConsoleView): string {
  const rows = view.alerts
    .map(
      (a) => `<tr><td class="sev-${e(a.severity)}">${e(a.severity)}</td><td><code class="id">${e(a.resourceId)}</code></td><td>${e(a.control)}<div class="small muted">${e(a.remediator)}</div></td><td>${e(a.citation)}</td><td title="${e(a.openedAt)}">${e(formatDuration(a.ageMs))}${a.occurrences > 1 ? `<div class="small muted">seen ${a.occurrences}×</div>` : ''}</td><td>${a.wouldDo === null ? '<span class="muted">nothing planned</span>' : `<code class="id">${e(a.wouldDo)}</code>`}<div class="small muted">${e(a.reason)}</div></td></tr>`,
    )
    .join('\n');
  return `<section aria-labelledby="h-alerts">
<h2 id="h-alerts">Open alerts (${view.alerts.length})</h2>
${view.alertStoreError === undefined ? '' : `<p class="banner bad" role="alert">${e(view.alertStoreError)}</p>`}
${
  view.alerts.length === 0
    ? '<p class="muted">No open alerts.</p>'
    : `<table><thead><tr><th scope="col">Severity</th><th scope="col">Resource</th><th scope="col">Control</th><th scope="col">Citation</th><th scope="col">Age</th><th scope="col">What the service would do</th></tr></thead><tbody>
${rows}
</tbody></table>`
}
</section>`;
}

function decisionsHtml(view: ConsoleView): string {
  const rows = view.decisions
    .map(
      (d) => `<tr><td>${d.seq}</td><td class="mono">${e(d.time.slice(0, 19).replace('T', ' '))}</td><td>${e(d.kind)}: <strong>${e(d.verdict)}</strong></td><td>${e(d.remediator ?? '')}</td><td><code class="id">${e(d.resourceId ?? '')}</code></td><td class="small">${e(d.citation ?? '')}</td><td class="small">${e(d.reason ?? '')}</td></tr>`,
    )
    .join('\n');
  return `<section aria-labelledby="h-decisions">
<h2 id="h-decisions">Recent decisions (last ${view.decisions.length})</h2>
${
  view.decisions.length === 0
    ? '<p class="muted">No decisions recorded yet.</p>'
    : `<table><thead><tr><th scope="col">Audit #</th><th scope="col">Time (UTC)</th><th scope="col">Verdict</th><th scope="col">Remediator</th><th scope="col">Resource</th><th scope="col">Citation</th><th scope="col">Reason</th></tr></thead><tbody>
${rows}
</tbody></table>`
}
</section>`;
}

function auditHtml(view: ConsoleView): string {
  if ('error' in view.audit) return `<section aria-labelledby="h-audit"><h2 id="h-audit">Audit chain</h2><p class="banner bad" role="alert">${e(view.audit.error)}</p></section>`;
  const { chain, store } = view.audit;
  const head = chain.head;
  const status = chain.ok
    ? `<p class="banner ok" role="status"><strong>Audit chain intact</strong>: ${chain.records} records in ${chain.segments} segment(s), last seq ${chain.lastSeq}, last signed seq ${e(chain.lastSignedSeq ?? 'none')}.</p>`
    : `<p class="banner bad" role="alert"><strong>Audit chain broken</strong> at record ${e(chain.problem?.seq ?? '?')}: ${e(chain.problem?.kind ?? '')} — ${e(chain.problem?.message ?? '')}</p>`;
  return `<section aria-labelledby="h-audit">
<h2 id="h-audit">Audit chain</h2>
${status}
<p class="small">Store: ${e(store.kind)} <code class="id">${e(store.location)}</code>.${head === null ? ' No signed head yet.' : ` Newest signed head: seq ${head.seq}, signature ${e(head.signature)}, ${head.matchesChain ? 'matches the chain' : '<strong>does not match the chain</strong>'}.`}</p>
<p><a href="${REPORT_PATH}">Evidence report (HTML)</a> · <a href="${REPORT_PATH}?format=json">JSON</a></p>
</section>`;
}

export function renderConsolePage(view: ConsoleView): string {
  const signOut =
    view.session && view.csrf !== undefined
      ? `<form method="post" action="${CONSOLE_PATH}/logout"><input type="hidden" name="csrf" value="${e(view.csrf)}"><button type="submit">Sign out</button></form>`
      : '';
  return page(
    'hipaa-remediator operator console',
    `<header>
<h1>hipaa-remediator operator console</h1>
<span class="who small">${e(view.principal.objectId)} · ${view.canWrite ? 'operator' : 'reader'}</span>
<a href="#h-alerts">Alerts</a><a href="#h-decisions">Decisions</a><a href="#h-audit">Audit</a>
${signOut}
</header>
<main>
${view.notice === undefined ? '' : `<p class="banner info" role="status">${e(view.notice)}</p>`}
${gridHtml(view)}
${alertsHtml(view)}
${decisionsHtml(view)}
${auditHtml(view)}
<p class="small muted">Generated ${e(view.now.toISOString().slice(0, 19).replace('T', ' '))} UTC.</p>
</main>`,
  );
}
