/**
 * `GET /api/admin/report` over real HTTP (the `serve` host) and through the Functions handler:
 * HTML by default, JSON with format=json, the window validated (400), readers allowed, callers
 * without a token refused and recorded.
 */
import { HttpRequest, InvocationContext } from '@azure/functions';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthcareSubscription, startSandbox, type Sandbox } from '../../../sandbox/index.js';
import type { Authenticator } from '../../../shared/admin/api.js';
import { adminApi } from '../../../shared/admin/host.js';
import { ensureLocalAdminToken, localTokenAuthenticator } from '../../../shared/admin/localToken.js';
import { verifyLocalAudit } from '../../../shared/audit/local.js';
import type { ReportData } from '../../../shared/report/model.js';
import { localReportSource } from '../../../shared/report/source.js';
import { startWebhookServer, type WebhookServer } from '../../../shared/webhookServer.js';
import { startWorld, type World } from '../../helpers/world.js';

let world: World;
let server: WebhookServer;
let base: string;
let token: string;

beforeAll(async () => {
  world = await startWorld(healthcareSubscription());
  await world.runtime.pipeline.sweep('run-1');
  token = (await ensureLocalAdminToken(world.home)).token;
  const admin = adminApi(world.runtime, localTokenAuthenticator(token), () => verifyLocalAudit(world.home), () => localReportSource(world.home));
  server = await startWebhookServer({ port: 0, processBatch: (b) => world.runtime.pipeline.processBatch(b), log: world.runtime.log, admin });
  base = server.url.replace(/\/api\/events$/, '');
});
afterAll(async () => {
  await server.close();
  await world.close();
});

async function get(path: string, bearer: string | null = token): Promise<{ status: number; type: string; text: string }> {
  const response = await fetch(`${base}${path}`, { headers: bearer === null ? {} : { authorization: `Bearer ${bearer}` } });
  return { status: response.status, type: response.headers.get('content-type') ?? '', text: await response.text() };
}

describe('GET /api/admin/report (serve)', () => {
  it('serves the HTML page, the chain first', async () => {
    await world.runtime.audit.sync();
    const reply = await get('/api/admin/report');
    expect(reply.status).toBe(200);
    expect(reply.type).toBe('text/html; charset=utf-8');
    expect(reply.text.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(reply.text).toMatch(/<body>\s*<main>\s*<section class="banner (ok|warn)" id="chain">/);
    expect(reply.text).toContain('45 CFR 164.308(a)(3)(ii)(C)');
  });

  it('serves the same figures as JSON with format=json, over the window asked for', async () => {
    const reply = await get('/api/admin/report?format=json');
    expect(reply.status).toBe(200);
    expect(reply.type).toMatch(/^application\/json/);
    const data = JSON.parse(reply.text) as ReportData;
    expect(data).toMatchObject({ schema: 'hipaa-remediator.report/1', chain: { ok: true }, store: { kind: 'local' } });
    expect(data.totals.remediated).toBeGreaterThan(0);
    expect(data.revocations).toHaveLength(2);
    const later = JSON.parse((await get(`/api/admin/report?format=json&since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).text) as ReportData;
    expect(later.totals).toMatchObject({ records: 0, findings: 0 });
    expect(later.alerts.open.length).toBe(data.alerts.open.length);
    const blank = JSON.parse((await get('/api/admin/report?since=&until=&format=json')).text) as ReportData;
    expect(blank.window).toMatchObject({ since: null, until: null });
    expect(blank.totals.findings).toBe(data.totals.findings);
  });

  it.each([
    ['/api/admin/report?since=yesterday', /since is not an ISO 8601 date/],
    ['/api/admin/report?until=2026-02-30', /until is not an ISO 8601 date/],
    ['/api/admin/report?since=2026-11-02&until=2026-11-01', /must be before/],
    ['/api/admin/report?format=pdf', /format must be html or json/],
  ])('400 for %s', async (path, message) => {
    const reply = await get(path);
    expect(reply.status).toBe(400);
    expect((JSON.parse(reply.text) as { error: string }).error).toMatch(message);
  });

  it('refuses a caller without a token, and records it', async () => {
    expect((await get('/api/admin/report', null)).status).toBe(401);
    expect((await world.audit()).filter((r) => r.kind === 'rejection').map((r) => r.reason)).toContain('admin API 401: missing bearer token (GET /api/admin/report)');
  });

  it('a reader suffices; a host that does not serve the report says so (501)', async () => {
    const reader: Authenticator = (header, access) =>
      Promise.resolve(header === 'Bearer reader' && access === 'read' ? { ok: true, principal: { objectId: 'reader-oid', kind: 'user', roles: ['Remediator.Reader'] }, canWrite: false } : { ok: false, status: 403, reason: 'reader only' });
    const withReport = adminApi(world.runtime, reader, () => verifyLocalAudit(world.home), () => localReportSource(world.home));
    const reply = await withReport({ method: 'GET', path: '/api/admin/report', query: new URLSearchParams('format=json'), authorization: 'Bearer reader', body: '' });
    expect(reply).toMatchObject({ status: 200, body: { schema: 'hipaa-remediator.report/1' } });
    const without = adminApi(world.runtime, reader, () => verifyLocalAudit(world.home));
    expect(await without({ method: 'GET', path: '/api/admin/report', query: new URLSearchParams(), authorization: 'Bearer reader', body: '' })).toMatchObject({ status: 501 });
  });
});

describe('GET /api/admin/report (functions/admin)', () => {
  let sandbox: Sandbox;
  afterAll(async () => {
    await sandbox.close();
  });

  it('answers text/html with the page as the body', async () => {
    sandbox = await startSandbox({ state: healthcareSubscription() });
    const dir = await mkdtemp(join(tmpdir(), 'hipaa-fn-report-'));
    await writeFile(join(dir, 'ca.pem'), sandbox.ca);
    for (const name of ['AZURE_SUBSCRIPTION_ID', 'HIPAA_REMEDIATOR_ADMIN_TENANT_ID', 'HIPAA_REMEDIATOR_AUDIT_CONTAINER_URL', 'HIPAA_REMEDIATOR_AUDIT_KEY_ID']) delete process.env[name];
    Object.assign(process.env, { LOG_LEVEL: 'silent', HIPAA_REMEDIATOR_SANDBOX_URL: sandbox.url, HIPAA_REMEDIATOR_SANDBOX_CA: join(dir, 'ca.pem'), HIPAA_REMEDIATOR_HOME: join(dir, 'home') });
    const local = (await ensureLocalAdminToken(join(dir, 'home'))).token;
    const { admin } = await import('../../../functions/admin.js');
    const call = (path: string) => admin(new HttpRequest({ method: 'GET', url: `http://localhost:7071${path}`, headers: { authorization: `Bearer ${local}` } }), new InvocationContext({ functionName: 'admin' }));
    const page = await call('/api/admin/report');
    expect(page.status).toBe(200);
    expect(page.headers).toEqual({ 'content-type': 'text/html; charset=utf-8' });
    expect(String(page.body).startsWith('<!DOCTYPE html>')).toBe(true);
    const json = await call('/api/admin/report?format=json');
    expect(json.jsonBody).toMatchObject({ schema: 'hipaa-remediator.report/1', store: { kind: 'local', location: join(dir, 'home', 'audit', 'chain') } });
  });
});
