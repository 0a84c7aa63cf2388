/**
 * The operator console, inside the admin API (so both hosts serve it, behind the same
 * authentication):
 *   GET  /api/admin/console           the page (or, with local-token auth and no session, the sign-in form)
 *   POST /api/admin/console/login     form: token           → session cookie, 303 to the page
 *   POST /api/admin/console/logout    form: csrf            → session ended, 303
 *   POST /api/admin/console/modes     form: csrf, remediator, resourceGroup ('' = a default),
 *                                     subscriptionId (absent or '' = none, `*` = any; grids that span
 *                                     subscriptions post it on every row), action (set | clear), mode,
 *                                     reason (required) → changeMode (validated as the JSON API's), 303
 * Who: an `Authorization: Bearer` header (checked by the admin API's authenticator: Entra ID in
 * Azure, the local token otherwise), else the session cookie. Every POST is checked in this order:
 * authenticated (401), operator role (403), same Origin/Referer (403), CSRF token (403); each
 * refusal is answered and recorded in the audit like the JSON API's.
 */
import { randomBytes } from 'node:crypto';
import type { AlertRecord, AlertStore } from '../alerts/record.js';
import type { AuditRecord } from '../audit/record.js';
import { verifyAudit } from '../audit/verify.js';
import type { AdminDeps, AdminRequest, AdminResponse, Authenticator, AuthResult } from '../admin/api.js';
import { API_TERMS, changeMode, ModeChangeError } from '../modes/changes.js';
import type { ModeSetting } from '../modes/store.js';
import { computeReport, type ReportData } from '../report/model.js';
import { newestSignedHead, readReportRecords } from '../report/source.js';
import { reportWindow } from '../report/window.js';
import { CONSOLE_PATH, renderConsolePage, renderErrorPage, renderLoginPage, type ConsoleView } from './html.js';
import { buildGrid, gridLayout, openAlertViews, recentDecisions } from './model.js';
import { bearerCsrfToken, clearedSessionCookie, constantTimeEqual, parseCookies, sameOrigin, SESSION_COOKIE, sessionCookie, SessionStore, type Session } from './security.js';

export { CONSOLE_PATH };

export interface ConsoleState {
  sessions: SessionStore;
  /** Key of bearer callers' CSRF tokens (per process). */
  csrfKey: Buffer;
  /** Offer the sign-in form (local-token mode): the token is exchanged for a session. */
  loginAllowed: boolean;
  /** Shown on the sign-in form: where the token is. */
  tokenPath?: string;
}

export function createConsoleState(options: { loginAllowed: boolean; tokenPath?: string; clock?: () => number }): ConsoleState {
  return { sessions: new SessionStore(options.clock), csrfKey: randomBytes(32), loginAllowed: options.loginAllowed, ...(options.tokenPath === undefined ? {} : { tokenPath: options.tokenPath }) };
}

/** Marks an authenticator whose bearer token an operator may exchange for a console session (the local token). */
export function allowsConsoleLogin(authenticate: Authenticator): boolean {
  return (authenticate as { consoleLogin?: boolean }).consoleLogin === true;
}

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};
const HTML = 'text/html; charset=utf-8';

function html(status: number, body: string, headers: Record<string, string> = {}): AdminResponse {
  return { status, contentType: HTML, body, headers: { ...SECURITY_HEADERS, ...headers } };
}

function redirect(location: string, headers: Record<string, string> = {}): AdminResponse {
  return { status: 303, contentType: HTML, body: '', headers: { ...SECURITY_HEADERS, location, ...headers } };
}

type Identity = { via: 'bearer'; auth: AuthResult; authorization: string } | { via: 'session'; id: string; session: Session } | { via: 'none' };

function header(request: AdminRequest, name: string): string | undefined {
  return request.headers?.[name];
}

/** The session cookie's live session, if any (for the console's pages and the report link). */
export function consoleSession(request: AdminRequest, state: ConsoleState): { id: string; session: Session } | undefined {
  const id = parseCookies(header(request, 'cookie')).get(SESSION_COOKIE);
  const session = state.sessions.get(id);
  return id === undefined || session === undefined ? undefined : { id, session };
}

async function identify(request: AdminRequest, deps: AdminDeps, state: ConsoleState, access: 'read' | 'write'): Promise<Identity> {
  if (request.authorization !== undefined) return { via: 'bearer', auth: await deps.authenticate(request.authorization, access), authorization: request.authorization };
  const found = consoleSession(request, state);
  return found === undefined ? { via: 'none' } : { via: 'session', ...found };
}

async function refuse(deps: AdminDeps, request: AdminRequest, status: 400 | 401 | 403 | 404, reason: string): Promise<AdminResponse> {
  if (status === 401 || status === 403) {
    await deps.audit.append({ kind: 'rejection', decision: 'rejected', reason: `admin console ${status}: ${reason} (${request.method} ${request.path.slice(0, 200)})` });
    await deps.audit.sync();
    deps.log.warn({ status, reason, method: request.method, path: request.path }, 'console request refused');
  }
  return html(status, renderErrorPage(status, reason));
}

function form(request: AdminRequest): URLSearchParams {
  return new URLSearchParams(request.body);
}

export async function handleConsole(request: AdminRequest, deps: AdminDeps, state: ConsoleState): Promise<AdminResponse> {
  const path = request.path.replace(/\/+$/, '');
  const secure = request.protocol === 'https';
  const action = path.slice(CONSOLE_PATH.length);

  if (request.method === 'GET' && action === '') {
    const who = await identify(request, deps, state, 'read');
    if (who.via === 'none') {
      if (state.loginAllowed) return html(200, renderLoginPage(state.tokenPath === undefined ? {} : { tokenPath: state.tokenPath }));
      return refuse(deps, request, 401, 'missing Authorization header (sign in through Microsoft Entra ID)');
    }
    if (who.via === 'bearer' && !who.auth.ok) return refuse(deps, request, who.auth.status, who.auth.reason);
    const principal = who.via === 'bearer' ? (who.auth as Extract<AuthResult, { ok: true }>).principal : who.session.principal;
    const canWrite = who.via === 'bearer' ? (who.auth as Extract<AuthResult, { ok: true }>).canWrite : who.session.canWrite;
    const csrf = !canWrite && who.via === 'bearer' ? undefined : who.via === 'bearer' ? bearerCsrfToken(state.csrfKey, who.authorization) : who.session.csrf;
    const changed = /^\d{1,12}$/.exec(request.query.get('changed') ?? '')?.[0];
    const view = await consoleView(deps, { principal, canWrite, session: who.via === 'session', ...(csrf === undefined ? {} : { csrf }), ...(changed === undefined ? {} : { notice: `Mode changed: audit record #${changed}.` }) });
    return html(200, renderConsolePage(view));
  }

  if (request.method !== 'POST') return html(404, renderErrorPage(404, 'not found'));

  if (action === '/login') {
    if (!state.loginAllowed) return html(404, renderErrorPage(404, 'sign-in is not offered by this host: send an Authorization header'));
    const origin = sameOrigin(request.headers ?? {}, secure ? 'https' : 'http');
    if (!origin.ok) return refuse(deps, request, 403, origin.reason);
    const token = form(request).get('token') ?? '';
    const auth = await deps.authenticate(`Bearer ${token.trim()}`, 'read');
    if (!auth.ok) {
      await refuse(deps, request, 401, `sign-in refused: ${auth.reason}`);
      return html(401, renderLoginPage({ error: 'That token is not valid.', ...(state.tokenPath === undefined ? {} : { tokenPath: state.tokenPath }) }));
    }
    const previous = consoleSession(request, state);
    if (previous !== undefined) state.sessions.delete(previous.id);
    const { id } = state.sessions.create(auth.principal, auth.canWrite);
    deps.log.info({ operator: auth.principal.objectId }, 'console session started');
    return redirect(CONSOLE_PATH, { 'set-cookie': sessionCookie(id, secure) });
  }

  if (action !== '/logout' && action !== '/modes') return html(404, renderErrorPage(404, 'not found'));

  const who = await identify(request, deps, state, action === '/modes' ? 'write' : 'read');
  if (who.via === 'none') return refuse(deps, request, 401, 'not signed in');
  if (who.via === 'bearer' && !who.auth.ok) return refuse(deps, request, who.auth.status, who.auth.reason);
  const principal = who.via === 'bearer' ? (who.auth as Extract<AuthResult, { ok: true }>).principal : who.session.principal;
  const canWrite = who.via === 'bearer' ? (who.auth as Extract<AuthResult, { ok: true }>).canWrite : who.session.canWrite;
  if (action === '/modes' && !canWrite) return refuse(deps, request, 403, 'operator role required');
  const origin = sameOrigin(request.headers ?? {}, secure ? 'https' : 'http');
  if (!origin.ok) return refuse(deps, request, 403, origin.reason);
  const fields = form(request);
  const expected = who.via === 'bearer' ? bearerCsrfToken(state.csrfKey, who.authorization) : who.session.csrf;
  if (!constantTimeEqual(fields.get('csrf') ?? '', expected)) return refuse(deps, request, 403, 'missing or wrong CSRF token');

  if (action === '/logout') {
    if (who.via === 'session') state.sessions.delete(who.id);
    return redirect(CONSOLE_PATH, { 'set-cookie': clearedSessionCookie(secure) });
  }

  const remediator = fields.get('remediator') ?? '';
  const resourceGroup = fields.get('resourceGroup') ?? '';
  const subscriptionId = fields.get('subscriptionId') ?? '';
  const verb = fields.get('action') ?? 'set';
  const reason = (fields.get('reason') ?? '').trim();
  if (verb !== 'set' && verb !== 'clear') return html(400, renderErrorPage(400, 'action must be set or clear'));
  if (reason.length === 0) return html(400, renderErrorPage(400, 'A reason is required for every mode change; nothing was changed.'));
  try {
    const result = await changeMode(
      {
        remediator,
        ...(verb === 'set' ? { mode: fields.get('mode') ?? '' } : {}),
        ...(resourceGroup === '' ? {} : { resourceGroup }),
        ...(subscriptionId === '' ? {} : { subscriptionId }),
        reason,
        operator: principal.objectId,
      },
      { store: deps.store, audit: deps.audit, remediators: deps.remediators, resolver: deps.resolver, ...(deps.scope === undefined ? {} : { scope: deps.scope }), terms: API_TERMS },
    );
    deps.log.info({ operator: principal.objectId, remediator, scope: result.scope, before: result.previous?.mode, after: result.current?.mode }, 'mode changed (console)');
    return redirect(`${CONSOLE_PATH}?changed=${result.auditSeq}`);
  } catch (error) {
    if (error instanceof ModeChangeError) return html(400, renderErrorPage(400, `${error.message}; nothing was changed.`));
    throw error;
  }
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error)).slice(0, 500);

/** Everything the page shows, read now: the mode store, the alert store and the audit (through the report's reader and model). */
export async function consoleView(deps: AdminDeps, who: Pick<ConsoleView, 'principal' | 'canWrite' | 'csrf' | 'session' | 'notice'>, now = new Date()): Promise<ConsoleView> {
  let settings: ModeSetting[] = [];
  let storeError: string | undefined;
  try {
    settings = await deps.store.list();
  } catch (error) {
    storeError = message(error);
  }
  let alertRecords: AlertRecord[] = [];
  let alertStoreError: string | undefined;
  if (deps.alertStore !== undefined) {
    try {
      alertRecords = (await (deps.alertStore as AlertStore).listAll()).map((v) => v.record);
    } catch (error) {
      alertStoreError = `alert store unreadable: ${message(error)}`;
    }
  } else {
    alertStoreError = 'the alert store is not served by this host';
  }
  const open = alertRecords.filter((a) => a.state === 'open');

  let records: AuditRecord[] = [];
  let audit: ConsoleView['audit'];
  if (deps.reportSource === undefined) {
    const verified = await deps.verify();
    audit = { error: verified.ok ? `audit chain intact (${verified.records} records); recent decisions are not served by this host` : `audit chain broken: ${verified.problem?.kind ?? ''} at ${String(verified.problem?.seq ?? '?')}` };
  } else {
    try {
      const source = await deps.reportSource();
      const read = await readReportRecords(source.chain);
      records = read.records;
      const verify = await verifyAudit(source.chain, source.heads, source.keys);
      const head = await newestSignedHead(source.heads, source.keys, records);
      const data: ReportData = computeReport({
        records,
        unreadableLines: read.unreadableLines,
        verify,
        head,
        store: { kind: source.kind, location: source.location },
        window: reportWindow({}),
        now,
        modes: { location: deps.store.location, settings, dryRun: deps.dryRun, remediators: [] },
        remediators: [],
      });
      audit = { chain: data.chain, store: data.store };
    } catch (error) {
      audit = { error: `audit unreadable: ${message(error)}` };
    }
  }

  const layout = gridLayout({ settings, openAlerts: open, records, ...(deps.scope === undefined ? {} : { watched: deps.scope }) });
  const grid = await buildGrid({
    remediators: deps.remediators,
    configModes: deps.configModes,
    dryRun: deps.dryRun,
    settings,
    ...(storeError === undefined ? {} : { storeError }),
    ...layout,
    resolver: deps.resolver,
  });
  return {
    ...who,
    grid,
    alerts: openAlertViews(open, now),
    ...(alertStoreError === undefined ? {} : { alertStoreError }),
    decisions: recentDecisions(records, 50),
    audit,
    now,
  };
}
