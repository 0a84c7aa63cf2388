/**
 * The admin API over real HTTP (the `serve` host) with the local token: authentication,
 * refusals recorded, mode changes audited and applied to the very next event.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSandboxState } from '../../../sandbox/index.js';
import { adminApi } from '../../../shared/admin/host.js';
import { ensureLocalAdminToken, localTokenAuthenticator } from '../../../shared/admin/localToken.js';
import { verifyLocalAudit } from '../../../shared/audit/local.js';
import { startWebhookServer, type WebhookServer } from '../../../shared/webhookServer.js';
import { armWriteEvent, PRESCRIPTIONS, RX01, SUB } from '../../helpers/events.js';
import { sharedPath } from '../../helpers/fixtures.js';
import { startWorld, type World } from '../../helpers/world.js';

let world: World;
let server: WebhookServer;
let base: string;
let token: string;

beforeEach(async () => {
  world = await startWorld(await loadSandboxState(sharedPath('examples', 'storage-state.json')));
  token = (await ensureLocalAdminToken(world.home)).token;
  const admin = adminApi(world.runtime, localTokenAuthenticator(token), () => verifyLocalAudit(world.home));
  server = await startWebhookServer({ port: 0, processBatch: (b) => world.runtime.pipeline.processBatch(b), log: world.runtime.log, admin });
  base = server.url.replace(/\/api\/events$/, '');
});
afterEach(async () => {
  await server.close();
  await world.close();
});

async function call(method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }) },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('admin API', () => {
  it('refuses calls without the token or with a wrong one (401) and records each refusal', async () => {
    expect((await call('GET', '/api/admin/modes')).status).toBe(401);
    expect((await call('PUT', '/api/admin/modes/storage-public-access', { token: 'x'.repeat(43), body: { mode: 'off' } })).status).toBe(401);
    expect(await world.runtime.modeStore.list()).toEqual([]);
    const refusals = (await world.audit()).filter((r) => r.kind === 'rejection');
    expect(refusals.map((r) => r.reason)).toEqual([
      'admin API 401: missing bearer token (GET /api/admin/modes)',
      'admin API 401: invalid token (PUT /api/admin/modes/storage-public-access)',
    ]);
    expect(JSON.stringify(await world.audit())).not.toContain(token);
  });

  it('switches a remediator to alert in one resource group: the next event there is alerted, elsewhere still fixed', async () => {
    const put = await call('PUT', '/api/admin/modes/storage-public-access?resourceGroup=rg-pharmacy', { token, body: { mode: 'alert', reason: 'change freeze' } });
    expect(put).toMatchObject({ status: 200, body: { scope: 'rg:rg-pharmacy', before: null, after: 'alert' } });
    const { results } = await world.runtime.pipeline.processBatch([armWriteEvent(PRESCRIPTIONS)]);
    expect(results[0]).toMatchObject({ decision: 'alerted', reason: 'mode alert (resource-group)' });
    expect(world.serviceRequests('PATCH')).toEqual([]);

    const listed = await call('GET', '/api/admin/modes', { token });
    expect(listed.body['modes']).toEqual([expect.objectContaining({ remediator: 'storage-public-access', scope: 'rg:rg-pharmacy', mode: 'alert', changedBy: 'local-token', reason: 'change freeze' })]);
    const explained = await call('GET', `/api/admin/modes/explain?resourceId=${encodeURIComponent(RX01)}`, { token });
    expect(explained.body['remediators']).toEqual(expect.arrayContaining([expect.objectContaining({ remediator: 'storage-public-access', mode: 'alert', source: 'resource-group' })]));

    expect((await call('DELETE', '/api/admin/modes/storage-public-access?resourceGroup=rg-pharmacy', { token })).body).toMatchObject({ before: 'alert', after: null });
    const again = await world.runtime.pipeline.processBatch([armWriteEvent(PRESCRIPTIONS)]);
    expect(again.results[0]?.decision).toBe('remediated');
    const changes = (await world.audit()).filter((r) => r.kind === 'mode-change');
    expect(changes.map((c) => [c.operator, c.before?.['mode'], c.after?.['mode']])).toEqual([
      ['local-token', null, 'alert'],
      ['local-token', 'alert', null],
    ]);
  });

  it.each([
    ['/api/admin/modes/no-such-remediator', { mode: 'off' }, 400, /unknown remediator/],
    ['/api/admin/modes/storage-public-access', { mode: 'sometimes' }, 400, /mode must be one of/],
    ['/api/admin/modes/storage-public-access?resourceGroup=rg%2F..%2Fx', { mode: 'off' }, 400, /not a valid resource group/],
    ['/api/admin/modes/storage-public-access', { nope: true }, 400, /body must be/],
  ])('answers %s with %j: %i, nothing changed', async (path, body, status, error) => {
    const reply = await call('PUT', path, { token, body });
    expect(reply.status).toBe(status);
    expect(String(reply.body['error'])).toMatch(error);
    expect(await world.runtime.modeStore.list()).toEqual([]);
  });

  it('serves audit verification', async () => {
    await world.runtime.pipeline.processBatch([armWriteEvent(RX01)]);
    await world.runtime.audit.sync();
    const reply = await call('GET', '/api/admin/audit/verify', { token });
    expect(reply).toMatchObject({ status: 200, body: { ok: true } });
  });
});

describe('admin API when the deployment watches two subscriptions', () => {
  const OTHER = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
  let multi: World;
  let multiServer: WebhookServer;
  let multiBase: string;

  beforeEach(async () => {
    multi = await startWorld(await loadSandboxState(sharedPath('examples', 'storage-state.json')), { scope: { subscriptions: [SUB, OTHER] } });
    const admin = adminApi(multi.runtime, localTokenAuthenticator(token), () => verifyLocalAudit(multi.home));
    multiServer = await startWebhookServer({ port: 0, processBatch: (b) => multi.runtime.pipeline.processBatch(b), log: multi.runtime.log, admin });
    multiBase = multiServer.url.replace(/\/api\/events$/, '');
  });
  afterEach(async () => {
    await multiServer.close();
    await multi.close();
  });

  const put = async (query: string, body: unknown = { mode: 'alert', reason: 'freeze' }, method = 'PUT') => {
    const response = await fetch(`${multiBase}/api/admin/modes/storage-public-access${query}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(method === 'PUT' ? { body: JSON.stringify(body) } : {}) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it.each([
    ['?resourceGroup=rg-pharmacy', /^resource group "rg-pharmacy" is ambiguous: this deployment watches 2 subscriptions; add subscriptionId=<id> \(or subscriptionId=\* for every resource group of that name\)$/],
    ['?resourceGroup=rg-pharmacy&subscriptionId=nope', /is not a subscription id/],
    ['?subscriptionId=cccccccc-bbbb-4ccc-8ddd-eeeeeeeeeeee', /is not in scope/],
  ])('PUT and DELETE %s: 400, nothing changed or audited', async (query, error) => {
    for (const method of ['PUT', 'DELETE']) {
      const reply = await put(query, undefined, method);
      expect(reply.status).toBe(400);
      expect(String(reply.body['error'])).toMatch(error);
    }
    expect(await multi.runtime.modeStore.list()).toEqual([]);
    expect((await multi.audit()).filter((r) => r.kind === 'intent' || r.kind === 'mode-change')).toEqual([]);
  });

  it('resourceGroup with subscriptionId: stored as sub:S/rg:R, audited, applied in S at once; GET shows where', async () => {
    const reply = await put(`?resourceGroup=rg-pharmacy&subscriptionId=${SUB}`);
    expect(reply).toEqual({ status: 200, body: { remediator: 'storage-public-access', scope: `sub:${SUB}/rg:rg-pharmacy`, before: null, after: 'alert', auditSeq: expect.any(Number) } });
    const { results } = await multi.runtime.pipeline.processBatch([armWriteEvent(PRESCRIPTIONS)]);
    expect(results[0]).toMatchObject({ decision: 'alerted', reason: 'mode alert (resource-group)' });

    const listed = await fetch(`${multiBase}/api/admin/modes`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json() as Promise<Record<string, unknown>>);
    expect(listed['modes']).toEqual([expect.objectContaining({ scope: `sub:${SUB}/rg:rg-pharmacy`, mode: 'alert', changedBy: 'local-token', subscriptionId: SUB, resourceGroup: 'rg-pharmacy' })]);
    const explained = await fetch(`${multiBase}/api/admin/modes/explain?resourceId=${encodeURIComponent(RX01.replace(SUB, OTHER))}`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json() as Promise<{ remediators: Record<string, unknown>[] }>);
    expect(explained.remediators[0]).toMatchObject({ remediator: 'storage-public-access', mode: 'remediate', source: 'default', scope: null });

    expect((await put(`?resourceGroup=rg-pharmacy&subscriptionId=${SUB}`, undefined, 'DELETE')).body).toMatchObject({ before: 'alert', after: null });
    expect((await put('?resourceGroup=rg-pharmacy&subscriptionId=*')).body).toMatchObject({ scope: 'rg:rg-pharmacy' });
    const changes = (await multi.audit()).filter((r) => r.kind === 'mode-change');
    expect(changes.map((c) => [c.scope, c.before?.['mode'], c.after?.['mode']])).toEqual([
      [`sub:${SUB}/rg:rg-pharmacy`, null, 'alert'],
      [`sub:${SUB}/rg:rg-pharmacy`, 'alert', null],
      ['rg:rg-pharmacy', null, 'alert'],
    ]);
  });
});
