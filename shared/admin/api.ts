/**
 * The admin API, independent of any HTTP host (Functions `app.http` and `serve` both call it):
 *   GET    /api/admin/modes                               settings, defaults, dry run
 *   GET    /api/admin/modes/explain?resourceId=<id>       which mode applies, and why
 *   PUT    /api/admin/modes/<remediator>[?resourceGroup=RG][&subscriptionId=S|*]  {"mode": "...", "reason": "..."}
 *   DELETE /api/admin/modes/<remediator>[?resourceGroup=RG][&subscriptionId=S|*]
 *          (S alone: that subscription's default; RG and S: that resource group of S; RG alone, or
 *          with `*`: every resource group of that name — RG alone is refused (400) when the
 *          deployment watches several subscriptions or a management group)
 *   GET    /api/admin/audit/verify
 *   GET    /api/admin/report[?since=T][&until=T][&format=json]   the evidence report (HTML unless format=json)
 *   GET    /api/admin/console, POST /api/admin/console/{login,logout,modes}   the operator console (shared/console)
 * Every call is authenticated; refusals (401/403) are answered and recorded in the audit.
 */
import { tryParseResourceId } from '../arm/resourceId.js';
import type { AuditStore } from '../audit/record.js';
import type { VerifyReport } from '../audit/verify.js';
import type { Logger } from '../log.js';
import { renderReportHtml } from '../report/html.js';
import type { ReportData } from '../report/model.js';
import { ReportInputError, reportWindow, type ReportWindow } from '../report/window.js';
import { API_TERMS, changeMode, ModeChangeError, type WatchedScope } from '../modes/changes.js';
import type { ModeResolver } from '../modes/resolver.js';
import { scopeParts } from '../modes/scopes.js';
import type { ModeStore } from '../modes/store.js';
import type { Remediator } from '../remediator.js';
import type { AlertStore } from '../alerts/record.js';
import type { ReportSource } from '../report/source.js';
import { consoleSession, CONSOLE_PATH, handleConsole, type ConsoleState } from '../console/handler.js';

export type AuthResult =
  | { ok: true; principal: { objectId: string; appId?: string; kind: 'user' | 'app'; roles: string[] }; canWrite: boolean }
  | { ok: false; status: 401 | 403; reason: string };

export type Authenticator = ((authorizationHeader: string | undefined, access: 'read' | 'write') => Promise<AuthResult>) & {
  /** The console may exchange this authenticator's bearer token for a browser session (the local token). */
  readonly consoleLogin?: boolean;
};

export interface AdminRequest {
  method: string;
  /** Path without query string, e.g. `/api/admin/modes/storage-public-access`. */
  path: string;
  query: URLSearchParams;
  authorization?: string;
  body: string;
  /** Request headers, names in lower case (the console reads cookie, origin, referer, host). */
  headers?: Readonly<Record<string, string | undefined>>;
  /** How the request reached the host; `https` makes the console's cookie Secure. */
  protocol?: 'http' | 'https';
}

export interface AdminResponse {
  status: number;
  /** JSON unless `contentType` is set: then a string, sent as is with that Content-Type. */
  body: unknown;
  contentType?: string;
  /** Extra response headers (the console: set-cookie, location, content-security-policy). */
  headers?: Record<string, string>;
}

export interface AdminDeps {
  authenticate: Authenticator;
  store: ModeStore;
  audit: AuditStore;
  resolver: ModeResolver;
  remediators: readonly Pick<Remediator, 'id' | 'defaultMode' | 'resourceTypes'>[];
  configModes: Readonly<Record<string, string>>;
  dryRun: boolean;
  /** `config.scope`: tells a mode change whether a resource group name alone is ambiguous. Absent: nothing configured (the sandbox). */
  scope?: WatchedScope;
  verify: () => Promise<VerifyReport>;
  /** The evidence report over the audit store `verify` checks; undefined: not served by this host (501). */
  report?: (window: ReportWindow) => Promise<ReportData>;
  /** The console: its sessions, the alert store it lists open alerts from, the audit it reads recent decisions from. */
  console?: ConsoleState;
  alertStore?: AlertStore;
  reportSource?: () => Promise<ReportSource>;
  log: Logger;
}

export const ADMIN_PREFIX = '/api/admin';
const MAX_BODY = 64 * 1024;

export async function handleAdmin(request: AdminRequest, deps: AdminDeps): Promise<AdminResponse> {
  const path = request.path.replace(/\/+$/, '');
  if (path === CONSOLE_PATH || path.startsWith(`${CONSOLE_PATH}/`)) {
    if (deps.console === undefined) return { status: 404, body: { error: 'not found' } };
    return handleConsole({ ...request, path }, deps, deps.console);
  }
  const write = request.method === 'PUT' || request.method === 'DELETE';
  // The console's session cookie also opens the report it links to (a GET: no change, SameSite=Strict).
  const session = request.authorization === undefined && request.method === 'GET' && path === `${ADMIN_PREFIX}/report` && deps.console !== undefined ? consoleSession(request, deps.console) : undefined;
  const auth: AuthResult = session !== undefined ? { ok: true, principal: session.session.principal, canWrite: session.session.canWrite } : await deps.authenticate(request.authorization, write ? 'write' : 'read');
  if (!auth.ok) {
    // Recorded: who keeps knocking at the admin door is evidence too (164.308(a)(1)(ii)(D)).
    await deps.audit.append({ kind: 'rejection', decision: 'rejected', reason: `admin API ${auth.status}: ${auth.reason} (${request.method} ${path.slice(0, 200)})` });
    await deps.audit.sync();
    deps.log.warn({ status: auth.status, reason: auth.reason, method: request.method, path }, 'admin call refused');
    return { status: auth.status, body: { error: auth.reason } };
  }
  const operator = auth.principal.objectId;

  if (request.method === 'GET' && path === `${ADMIN_PREFIX}/modes`) {
    return {
      status: 200,
      body: {
        modes: (await deps.store.list()).map((s) => ({ ...s, ...scopeParts(s.scope) })),
        remediators: deps.remediators.map((r) => ({ id: r.id, defaultMode: r.defaultMode, configMode: deps.configModes[r.id] ?? null })),
        dryRun: deps.dryRun,
      },
    };
  }
  if (request.method === 'GET' && path === `${ADMIN_PREFIX}/modes/explain`) {
    const id = tryParseResourceId(request.query.get('resourceId') ?? '');
    if (!id.ok) return { status: 400, body: { error: id.reason } };
    const remediators = await Promise.all(
      deps.remediators.map(async (r) => {
        const resolution = await deps.resolver.resolve(r, id.value);
        // `scope`: the stored scope that decided (null: config, default or fail-safe), as `modes explain --json` says it.
        return { remediator: r.id, appliesToType: r.resourceTypes.some((t) => t.toLowerCase() === id.value.resourceType.toLowerCase()), ...resolution, scope: resolution.setting?.scope ?? null };
      }),
    );
    return { status: 200, body: { resourceId: id.value.id, remediators } };
  }
  if (request.method === 'GET' && path === `${ADMIN_PREFIX}/audit/verify`) {
    return { status: 200, body: await deps.verify() };
  }
  if (request.method === 'GET' && path === `${ADMIN_PREFIX}/report`) {
    const format = request.query.get('format') ?? 'html';
    if (format !== 'html' && format !== 'json') return { status: 400, body: { error: 'format must be html or json' } };
    let window: ReportWindow;
    try {
      // `?since=&until=` (a form left blank) means no bound, not a bad time.
      const bound = (name: string): string | undefined => (request.query.get(name) ?? '') || undefined;
      window = reportWindow({ since: bound('since'), until: bound('until') });
    } catch (error) {
      if (error instanceof ReportInputError) return { status: 400, body: { error: error.message.replace(/--(since|until)/g, '$1') } };
      throw error;
    }
    if (deps.report === undefined) return { status: 501, body: { error: 'the report is not served by this host' } };
    const data = await deps.report(window);
    // A broken chain is a finding of the report, not a failure of the request: 200, with the break first on the page.
    return format === 'json' ? { status: 200, body: data } : { status: 200, contentType: 'text/html; charset=utf-8', body: renderReportHtml(data) };
  }
  const modeMatch = new RegExp(`^${ADMIN_PREFIX}/modes/([a-z0-9-]{1,100})$`).exec(path);
  if (modeMatch !== null && write) {
    if (!auth.canWrite) return { status: 403, body: { error: 'operator role required' } };
    let body: { mode?: unknown; reason?: unknown } = {};
    if (request.method === 'PUT') {
      if (request.body.length > MAX_BODY) return { status: 413, body: { error: 'body too large' } };
      try {
        body = JSON.parse(request.body) as typeof body;
      } catch {
        return { status: 400, body: { error: 'body is not JSON' } };
      }
      if (typeof body !== 'object' || body === null || typeof body.mode !== 'string') return { status: 400, body: { error: 'body must be {"mode": "off|alert|remediate", "reason"?: "..."}' } };
      if (body.reason !== undefined && typeof body.reason !== 'string') return { status: 400, body: { error: 'reason must be a string' } };
    }
    const resourceGroup = request.query.get('resourceGroup') ?? undefined;
    const subscriptionId = request.query.get('subscriptionId') ?? undefined;
    try {
      const result = await changeMode(
        {
          remediator: modeMatch[1]!,
          ...(request.method === 'PUT' ? { mode: body.mode as string } : {}),
          ...(resourceGroup === undefined ? {} : { resourceGroup }),
          ...(subscriptionId === undefined ? {} : { subscriptionId }),
          ...(typeof body.reason === 'string' ? { reason: body.reason } : {}),
          operator,
        },
        { store: deps.store, audit: deps.audit, remediators: deps.remediators, resolver: deps.resolver, ...(deps.scope === undefined ? {} : { scope: deps.scope }), terms: API_TERMS },
      );
      deps.log.info({ operator, remediator: modeMatch[1], scope: result.scope, before: result.previous?.mode, after: result.current?.mode }, 'mode changed');
      return { status: 200, body: { remediator: modeMatch[1], scope: result.scope, before: result.previous?.mode ?? null, after: result.current?.mode ?? null, auditSeq: result.auditSeq } };
    } catch (error) {
      if (error instanceof ModeChangeError) return { status: 400, body: { error: error.message } };
      throw error;
    }
  }
  return { status: 404, body: { error: 'not found' } };
}
