/**
 * The operator console without a browser: sessions, CSRF, Origin checks, roles, escaping and the
 * grid model, through the admin handler exactly as the hosts call it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSandboxState } from '../../sandbox/index.js';
import type { AdminRequest, AdminResponse, Authenticator } from '../../shared/admin/api.js';
import { adminApi } from '../../shared/admin/host.js';
import { ensureLocalAdminToken, localTokenAuthenticator } from '../../shared/admin/localToken.js';
import { verifyLocalAudit } from '../../shared/audit/local.js';
import { bearerCsrfToken, constantTimeEqual, parseCookies, sameOrigin, SESSION_IDLE_MS, SessionStore } from '../../shared/console/security.js';
import { buildGrid, collectResourceGroups, gridLayout, recentDecisions } from '../../shared/console/model.js';
import { renderConsolePage } from '../../shared/console/html.js';
import { StoreModeResolver } from '../../shared/modes/resolver.js';
import type { ModeSetting, ModeStore } from '../../shared/modes/store.js';
import { localReportSource } from '../../shared/report/source.js';
import type { AuditRecord } from '../../shared/audit/record.js';
import { armWriteEvent, PRESCRIPTIONS, RX01, SUB } from '../helpers/events.js';
import { sharedPath } from '../helpers/fixtures.js';
import { startWorld, type World } from '../helpers/world.js';

const HOST = '127.0.0.1:7071';
const ORIGIN = `http://${HOST}`;

describe('console security primitives', () => {
  it('compares CSRF tokens in constant time and by value', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('', 'abc')).toBe(false);
  });

  it('sessions: random ids, unknown and malformed ids refused, idle sessions expire', () => {
    let now = 1_000_000;
    const store = new SessionStore(() => now);
    const a = store.create({ objectId: 'local-token', kind: 'user', roles: [] }, true);
    const b = store.create({ objectId: 'local-token', kind: 'user', roles: [] }, true);
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.id).not.toBe(b.id);
    expect(a.session.csrf).not.toBe(b.session.csrf);
    expect(store.get(a.id)).toBe(a.session);
    expect(store.get('x'.repeat(43))).toBeUndefined();
    expect(store.get('../etc')).toBeUndefined();
    now += SESSION_IDLE_MS + 1;
    expect(store.get(a.id)).toBeUndefined();
  });

  it.each([
    [{ host: HOST, origin: ORIGIN }, true],
    [{ host: HOST, origin: 'http://evil.example' }, false],
    [{ host: HOST, origin: 'null' }, false],
    [{ host: HOST, origin: `https://${HOST}` }, false],
    [{ host: HOST, referer: `${ORIGIN}/api/admin/console` }, true],
    [{ host: HOST, referer: `${ORIGIN}.evil.example/` }, false],
    [{ host: HOST }, false],
    [{ origin: ORIGIN }, false],
  ])('same-origin check %j → %s', (headers, ok) => {
    expect(sameOrigin(headers, 'http').ok).toBe(ok);
  });

  it('bearer CSRF tokens are bound to the header and the key', () => {
    const key = Buffer.alloc(32, 1);
    expect(bearerCsrfToken(key, 'Bearer a')).toBe(bearerCsrfToken(key, 'Bearer a'));
    expect(bearerCsrfToken(key, 'Bearer a')).not.toBe(bearerCsrfToken(key, 'Bearer b'));
    expect(bearerCsrfToken(Buffer.alloc(32, 2), 'Bearer a')).not.toBe(bearerCsrfToken(key, 'Bearer a'));
  });

  it('parses cookies, first one wins', () => {
    expect(parseCookies('a=1; hipaa_console=x; hipaa_console=y').get('hipaa_console')).toBe('x');
    expect(parseCookies(undefined).size).toBe(0);
  });
});

describe('grid model', () => {
  const setting = (remediator: string, scope: ModeSetting['scope'], mode: ModeSetting['mode']): ModeSetting => ({ remediator, scope, mode, changedBy: 'local-token', changedAt: '2026-01-01T00:00:00Z', reason: 'r' });

  it('collects resource groups from settings, open alerts and the audit, once each, in the casing seen', () => {
    const groups = collectResourceGroups(
      [setting('storage-public-access', 'rg:rg-clinical', 'alert'), setting('storage-public-access', 'rg:rg-zeta', 'off')],
      [{ resourceId: `/subscriptions/${'1'.repeat(8)}-2222-4333-8444-555555555555/resourceGroups/RG-Clinical/providers/Microsoft.Storage/storageAccounts/a`, resourceGroup: 'RG-Clinical' }],
      [{ resourceId: RX01 }, { resourceId: 'not an id' }, { scope: 'rg:rg-audit-only' }],
    );
    expect(groups).toEqual(['rg-audit-only', 'RG-Clinical', 'rg-pharmacy', 'rg-zeta']);
  });

  it('shows the effective mode per cell and where it comes from', async () => {
    const settings = [setting('storage-public-access', 'rg:rg-a', 'alert'), setting('storage-public-access', '*', 'off')];
    const store: ModeStore = { location: 'memory', list: () => Promise.resolve(settings), set: () => Promise.resolve(undefined), unset: () => Promise.resolve(undefined) };
    const remediators = [
      { id: 'storage-public-access', defaultMode: 'remediate' as const },
      { id: 'key-vault-protection', defaultMode: 'alert' as const },
    ];
    const grid = await buildGrid({ remediators, configModes: { 'key-vault-protection': 'off' }, dryRun: false, settings, resourceGroups: ['rg-a', 'rg-b'], subscriptionId: '11111111-2222-4333-8444-555555555555', resolver: new StoreModeResolver(store, { modes: { 'key-vault-protection': 'off' }, dryRun: false }) });
    const table = grid.rows.map((row) => [row.resourceGroup ?? '*', ...row.cells.map((c) => `${c.resolution.mode}/${c.resolution.source}${c.own === undefined ? '' : '*'}`)]);
    expect(table).toEqual([
      ['*', 'off/subscription*', 'off/config'],
      ['rg-a', 'alert/resource-group*', 'off/config'],
      ['rg-b', 'off/subscription', 'off/config'],
    ]);
  });

  describe('per subscription', () => {
    const A = '11111111-2222-4333-8444-555555555555';
    const B = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
    const inA = `/subscriptions/${A}/resourceGroups/RG-Shared/providers/Microsoft.Storage/storageAccounts/a`;
    const inB = `/subscriptions/${B}/resourceGroups/rg-shared/providers/Microsoft.Storage/storageAccounts/b`;
    const rows = (layout: ReturnType<typeof gridLayout>) => layout.rows.map((r) => `${r.scope}${r.anySubscription === true ? ' (any)' : ''}${r.resourceGroup === undefined ? '' : ` ${r.resourceGroup}`}`);

    it('one subscription (or none): the rows are resource group names, as before', () => {
      const layout = gridLayout({ settings: [setting('storage-public-access', 'rg:rg-zeta', 'off')], openAlerts: [], records: [{ resourceId: inA }], watched: { subscriptions: [A], managementGroups: [] } });
      expect(layout.perSubscription).toBe(false);
      expect(layout.subscriptionId).toBe(A);
      expect(rows(layout)).toEqual(['*', 'rg:rg-shared RG-Shared', 'rg:rg-zeta rg-zeta']);
      expect(gridLayout({ settings: [], openAlerts: [], records: [] })).toMatchObject({ perSubscription: false, rows: [{ scope: '*' }] });
    });

    it('two subscriptions: each has its default row and its own resource groups; rg:<name> settings get an any-subscription row', () => {
      const layout = gridLayout({
        settings: [setting('storage-public-access', 'rg:rg-legacy', 'off'), setting('storage-public-access', `sub:${B}/rg:rg-only-set`, 'alert')],
        openAlerts: [{ resourceId: inB, resourceGroup: 'rg-shared', subscriptionId: B }],
        records: [{ resourceId: inA }, { scope: `sub:${A}` }],
      });
      expect(layout.perSubscription).toBe(true);
      expect(rows(layout)).toEqual(['*', 'rg:rg-legacy (any) rg-legacy', `sub:${A}`, `sub:${A}/rg:rg-shared RG-Shared`, `sub:${B}`, `sub:${B}/rg:rg-only-set rg-only-set`, `sub:${B}/rg:rg-shared rg-shared`]);
    });

    it('a deployment that spans subscriptions (config, a management group, a per-subscription setting) is shown per subscription even before a second one appears', () => {
      expect(gridLayout({ settings: [], openAlerts: [], records: [{ resourceId: inA }], watched: { subscriptions: [], managementGroups: ['mg-1'] } }).perSubscription).toBe(true);
      expect(gridLayout({ settings: [setting('storage-public-access', `sub:${A}`, 'off')], openAlerts: [], records: [{ resourceId: inA }] }).perSubscription).toBe(true);
      expect(rows(gridLayout({ settings: [], openAlerts: [], records: [], watched: { subscriptions: [A, B], managementGroups: [] } }))).toEqual(['*', `sub:${A}`, `sub:${B}`]);
    });

    it('cells: a resource group set in A is not set in B; each says where its mode comes from', async () => {
      const settings = [setting('storage-public-access', `sub:${A}/rg:rg-shared`, 'off'), setting('storage-public-access', `sub:${B}`, 'alert')];
      const store: ModeStore = { location: 'memory', list: () => Promise.resolve(settings), set: () => Promise.resolve(undefined), unset: () => Promise.resolve(undefined) };
      const layout = gridLayout({ settings, openAlerts: [], records: [{ resourceId: inA }, { resourceId: inB }] });
      const grid = await buildGrid({ remediators: [{ id: 'storage-public-access', defaultMode: 'remediate' }], configModes: {}, dryRun: false, settings, ...layout, resolver: new StoreModeResolver(store, { modes: {}, dryRun: false }) });
      expect(grid.perSubscription).toBe(true);
      expect(grid.rows.map((r) => [r.scope, ...r.cells.map((c) => `${c.resolution.mode}/${c.resolution.setting?.scope ?? c.resolution.source}${c.own === undefined ? '' : '*'}`)])).toEqual([
        ['*', 'remediate/default'],
        [`sub:${A}`, 'remediate/default'],
        [`sub:${A}/rg:rg-shared`, `off/sub:${A}/rg:rg-shared*`],
        [`sub:${B}`, `alert/sub:${B}*`],
        [`sub:${B}/rg:rg-shared`, `alert/sub:${B}`],
      ]);
      const html = renderConsolePage({ principal: { objectId: 'op', kind: 'user' }, canWrite: true, csrf: 'c', session: true, grid, alerts: [], decisions: [], audit: { error: 'x' }, now: new Date() });
      expect(html).toContain(`<input type="hidden" name="subscriptionId" value="${B}">`);
      expect(html).toContain(`<code class="id">rg-shared</code><div class="small muted">in <code class="id">${B}</code></div>`);
      expect(html).toContain(`inherited from subscription ${B}`);
      expect(html).toContain('All subscriptions (default)');
    });
  });

  it('recent decisions: the last 50 decision and outcome records, newest first', () => {
    const records = Array.from({ length: 120 }, (_, i) => ({ seq: i, time: '2026-01-01T00:00:00Z', kind: i % 3 === 0 ? 'intent' : i % 3 === 1 ? 'decision' : 'outcome', decision: 'remediated', outcome: 'succeeded', prevHash: '', hash: '' }) as AuditRecord);
    const recent = recentDecisions(records);
    expect(recent).toHaveLength(50);
    expect(recent[0]?.seq).toBe(119);
    expect(recent.every((d) => d.kind !== ('intent' as string))).toBe(true);
  });
});

describe('console through the admin handler', () => {
  let world: World;
  let token: string;
  let admin: (request: AdminRequest) => Promise<AdminResponse>;

  beforeEach(async () => {
    world = await startWorld(await loadSandboxState(sharedPath('examples', 'storage-state.json')));
    token = (await ensureLocalAdminToken(world.home)).token;
    admin = adminApi(world.runtime, localTokenAuthenticator(token), () => verifyLocalAudit(world.home), () => localReportSource(world.home));
  });
  afterEach(async () => {
    await world.close();
  });

  const request = (method: string, path: string, options: { cookie?: string; body?: Record<string, string>; headers?: Record<string, string>; authorization?: string } = {}): Promise<AdminResponse> => {
    const url = new URL(path, ORIGIN);
    return admin({
      method,
      path: url.pathname,
      query: url.searchParams,
      body: options.body === undefined ? '' : new URLSearchParams(options.body).toString(),
      headers: { host: HOST, ...(method === 'POST' ? { origin: ORIGIN } : {}), ...(options.cookie === undefined ? {} : { cookie: options.cookie }), ...options.headers },
      protocol: 'http',
      ...(options.authorization === undefined ? {} : { authorization: options.authorization }),
    });
  };

  async function login(): Promise<{ cookie: string; csrf: string }> {
    const reply = await request('POST', '/api/admin/console/login', { body: { token } });
    expect(reply.status).toBe(303);
    const setCookie = reply.headers?.['set-cookie'] ?? '';
    expect(setCookie).toMatch(/^hipaa_console=[A-Za-z0-9_-]{43}; Path=\/api\/admin; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    expect(setCookie).not.toContain(token);
    const cookie = setCookie.split(';')[0]!;
    const page = String((await request('GET', '/api/admin/console', { cookie })).body);
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
    expect(csrf).toBeDefined();
    return { cookie, csrf: csrf! };
  }

  it('without a session: the sign-in form; a wrong token is refused (401) and recorded', async () => {
    const first = await request('GET', '/api/admin/console');
    expect(first.status).toBe(200);
    expect(String(first.body)).toContain('name="token"');
    expect(first.headers?.['content-security-policy']).toContain("default-src 'none'");
    const wrong = await request('POST', '/api/admin/console/login', { body: { token: 'x'.repeat(43) } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers?.['set-cookie']).toBeUndefined();
    const refusals = (await world.audit()).filter((r) => r.kind === 'rejection').map((r) => r.reason);
    expect(refusals).toEqual(['admin console 401: sign-in refused: invalid token (POST /api/admin/console/login)']);
  });

  it('the cookie is Secure over https; the JSON API does not accept it', async () => {
    const url = new URL('/api/admin/console/login', `https://${HOST}`);
    const reply = await admin({ method: 'POST', path: url.pathname, query: url.searchParams, body: new URLSearchParams({ token }).toString(), headers: { host: HOST, origin: `https://${HOST}` }, protocol: 'https' });
    expect(reply.headers?.['set-cookie']).toMatch(/; Secure$/);
    const { cookie } = await login();
    expect((await request('GET', '/api/admin/modes', { cookie })).status).toBe(401);
    expect((await request('GET', '/api/admin/report', { cookie })).status).toBe(200);
  });

  it('a change needs the CSRF token, this origin and a reason; then it is audited and applies to the next event', async () => {
    const { cookie, csrf } = await login();
    const change = { remediator: 'storage-public-access', resourceGroup: 'rg-pharmacy', action: 'set', mode: 'alert', reason: 'change freeze' };
    expect((await request('POST', '/api/admin/console/modes', { cookie, body: change })).status).toBe(403);
    expect((await request('POST', '/api/admin/console/modes', { cookie, body: { ...change, csrf: `${csrf.slice(0, -1)}A` } })).status).toBe(403);
    expect((await request('POST', '/api/admin/console/modes', { cookie, body: { ...change, csrf }, headers: { origin: 'http://evil.example' } })).status).toBe(403);
    expect((await request('POST', '/api/admin/console/modes', { cookie, body: { ...change, csrf }, headers: { origin: undefined as unknown as string } })).status).toBe(403);
    expect((await request('POST', '/api/admin/console/modes', { cookie, body: { ...change, csrf, reason: '   ' } })).status).toBe(400);
    expect((await request('POST', '/api/admin/console/modes', { body: { ...change, csrf } })).status).toBe(401);
    expect(await world.runtime.modeStore.list()).toEqual([]);
    const refusals = (await world.audit()).filter((r) => r.kind === 'rejection').map((r) => r.reason?.replace(/ \(POST.*$/, ''));
    expect(refusals).toEqual(['admin console 403: missing or wrong CSRF token', 'admin console 403: missing or wrong CSRF token', 'admin console 403: Origin is not this host', 'admin console 403: no Origin or Referer header', 'admin console 401: not signed in']);

    const ok = await request('POST', '/api/admin/console/modes', { cookie, body: { ...change, csrf } });
    expect(ok.status).toBe(303);
    expect(ok.headers?.['location']).toMatch(/^\/api\/admin\/console\?changed=\d+$/);
    const { results } = await world.runtime.pipeline.processBatch([armWriteEvent(PRESCRIPTIONS)]);
    expect(results[0]).toMatchObject({ decision: 'alerted', reason: 'mode alert (resource-group)' });
    const changes = (await world.audit()).filter((r) => r.kind === 'mode-change');
    expect(changes).toEqual([expect.objectContaining({ operator: 'local-token', scope: 'rg:rg-pharmacy', reason: 'change freeze', after: { mode: 'alert' } })]);

    // Sign out: the session is gone, its CSRF token with it.
    expect((await request('POST', '/api/admin/console/logout', { cookie, body: { csrf } })).status).toBe(303);
    expect((await request('POST', '/api/admin/console/modes', { cookie, body: { ...change, csrf, action: 'clear' } })).status).toBe(401);
  });

  it('a reader (no operator role) sees the grid without forms and is refused a change (403)', async () => {
    const reader: Authenticator = (header, access) =>
      Promise.resolve(header === 'Bearer reader' ? (access === 'read' ? { ok: true, principal: { objectId: 'reader-oid', kind: 'user', roles: ['Remediator.Reader'] }, canWrite: false } : { ok: false, status: 403, reason: 'token lacks the Remediator.Operator role' }) : { ok: false, status: 401, reason: 'invalid token' });
    admin = adminApi(world.runtime, reader, () => verifyLocalAudit(world.home), () => localReportSource(world.home));
    const page = await request('GET', '/api/admin/console', { authorization: 'Bearer reader' });
    expect(page.status).toBe(200);
    expect(String(page.body)).not.toContain('<form');
    expect(String(page.body)).toContain('changing modes needs the operator role');
    expect((await request('GET', '/api/admin/console')).status).toBe(401);
    expect((await request('POST', '/api/admin/console/login', { body: { token: 'reader' } })).status).toBe(404);
    const change = { remediator: 'storage-public-access', resourceGroup: 'rg-pharmacy', action: 'set', mode: 'off', reason: 'r' };
    const refused = await request('POST', '/api/admin/console/modes', { authorization: 'Bearer reader', body: change });
    expect(refused.status).toBe(403);
    expect(await world.runtime.modeStore.list()).toEqual([]);
    expect((await world.audit()).filter((r) => r.kind === 'rejection').map((r) => r.reason)).toContain('admin console 403: token lacks the Remediator.Operator role (POST /api/admin/console/modes)');
  });

  it('escapes what stores hold: reasons, operators, resource groups, alert reasons', async () => {
    const { cookie, csrf } = await login();
    const evil = '<script>alert(1)</script>"\'><img src=x onerror=alert(2)>';
    expect((await request('POST', '/api/admin/console/modes', { cookie, body: { csrf, remediator: 'storage-public-access', resourceGroup: 'rg-pharmacy', action: 'set', mode: 'alert', reason: evil } })).status).toBe(303);
    await world.runtime.pipeline.processBatch([armWriteEvent(PRESCRIPTIONS)]);
    const page = String((await request('GET', '/api/admin/console', { cookie })).body);
    expect(page).not.toContain('<script');
    expect(page).not.toContain('<img');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&gt;&lt;img');
    // Unit-level: an attacker-named resource group in the view.
    const html = renderConsolePage({ principal: { objectId: '<b>x</b>', kind: 'user' }, canWrite: true, csrf: '"><x', session: true, grid: { remediators: [], rows: [{ resourceGroup: 'rg-<i>', scope: 'rg:rg-<i>', cells: [] }], dryRun: false }, alerts: [], decisions: [], audit: { error: '<u>' }, now: new Date() });
    expect(html).not.toMatch(/<(b|i|u|x)>/);
  });

  it('a deployment that watches two subscriptions: rows name their subscription and post it; a name alone is refused', async () => {
    const OTHER = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
    await world.close();
    world = await startWorld(await loadSandboxState(sharedPath('examples', 'storage-state.json')), { scope: { subscriptions: [SUB, OTHER] } });
    token = (await ensureLocalAdminToken(world.home)).token;
    admin = adminApi(world.runtime, localTokenAuthenticator(token), () => verifyLocalAudit(world.home), () => localReportSource(world.home));
    await world.runtime.pipeline.processBatch([armWriteEvent(RX01)]);
    const { cookie, csrf } = await login();
    const page = String((await request('GET', '/api/admin/console', { cookie })).body);
    expect(page).toContain(`<code class="id">rg-pharmacy</code><div class="small muted">in <code class="id">${SUB}</code></div>`);
    expect(page).toContain(`Subscription default<div class="small"><code class="id">${OTHER}</code></div>`);
    expect(page).toContain(`<input type="hidden" name="resourceGroup" value="rg-pharmacy">\n<input type="hidden" name="subscriptionId" value="${SUB}">`);

    const change = { csrf, remediator: 'storage-public-access', resourceGroup: 'rg-pharmacy', action: 'set', mode: 'alert', reason: 'change freeze' };
    const ambiguous = await request('POST', '/api/admin/console/modes', { cookie, body: change });
    expect(ambiguous.status).toBe(400);
    expect(String(ambiguous.body)).toContain('resource group &quot;rg-pharmacy&quot; is ambiguous: this deployment watches 2 subscriptions');
    expect(await world.runtime.modeStore.list()).toEqual([]);

    expect((await request('POST', '/api/admin/console/modes', { cookie, body: { ...change, subscriptionId: SUB } })).status).toBe(303);
    expect((await world.runtime.modeStore.list()).map((s) => s.scope)).toEqual([`sub:${SUB}/rg:rg-pharmacy`]);
    const { results } = await world.runtime.pipeline.processBatch([armWriteEvent(PRESCRIPTIONS)]);
    expect(results[0]).toMatchObject({ decision: 'alerted', reason: 'mode alert (resource-group)' });
    expect((await world.audit()).filter((r) => r.kind === 'mode-change')).toEqual([expect.objectContaining({ operator: 'local-token', scope: `sub:${SUB}/rg:rg-pharmacy`, reason: 'change freeze', after: { mode: 'alert' } })]);
    expect(String((await request('GET', '/api/admin/console', { cookie })).body)).toContain('set here');
  });

  it('a bad mode or remediator is a 400 page, nothing changed; unknown console paths are 404', async () => {
    const { cookie, csrf } = await login();
    const bad = await request('POST', '/api/admin/console/modes', { cookie, body: { csrf, remediator: 'nope', action: 'set', mode: 'off', reason: 'r' } });
    expect(bad.status).toBe(400);
    expect(String(bad.body)).toContain('unknown remediator');
    expect((await request('POST', '/api/admin/console/modes', { cookie, body: { csrf, remediator: 'storage-public-access', action: 'set', mode: 'sometimes', reason: 'r' } })).status).toBe(400);
    expect((await request('POST', '/api/admin/console/nope', { cookie, body: { csrf } })).status).toBe(404);
    expect(await world.runtime.modeStore.list()).toEqual([]);
    await world.runtime.pipeline.processBatch([armWriteEvent(RX01)]);
  });
});
