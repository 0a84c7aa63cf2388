/**
 * One deployment, many subscriptions (issue 13): events from each subscription in scope, a
 * management group's subscriptions resolved through Resource Graph, sweeps through one paged
 * Resource Graph query per family (quota headers honoured), and the rule that nothing is
 * written on Resource Graph's word alone: it can lag, so ARM is read before any change.
 * Real SDK clients over HTTPS against the sandbox, whose Resource Graph endpoint parses the
 * service's queries strictly.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseSandboxState, sandboxCredential, type ArmResource, type SandboxState } from '../../sandbox/index.js';
import { SANDBOX_SERVICE_IDENTITY } from '../../shared/arm/sandboxConnection.js';
import { TransientError } from '../../shared/errors.js';
import { armWriteEvent } from '../helpers/events.js';
import { startWorld, type World } from '../helpers/world.js';
import { rawRequest } from '../sandbox/helpers.js';

const SUB_A = 'aaaaaaaa-1111-4111-8111-000000000001';
const SUB_B = 'bbbbbbbb-2222-4222-8222-000000000002';
const SUB_C = 'cccccccc-3333-4333-8333-000000000003';
const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';
const STAFF = '3c9d2a71-5e4f-4b8a-9d1c-7e6f5a4b3c2d';

function accountId(sub: string, name: string): string {
  return `/subscriptions/${sub}/resourceGroups/rg-phi/providers/Microsoft.Storage/storageAccounts/${name}`;
}

/** An account with a protected blob service; `publicBlobs` makes it drift (storage-public-access). */
function account(sub: string, name: string, publicBlobs: boolean): ArmResource[] {
  const id = accountId(sub, name);
  return [
    { id, name, type: 'Microsoft.Storage/storageAccounts', location: 'eastus2', kind: 'StorageV2', properties: { allowBlobPublicAccess: publicBlobs, supportsHttpsTrafficOnly: true, minimumTlsVersion: 'TLS1_2' } },
    {
      id: `${id}/blobServices/default`,
      name: 'default',
      type: 'Microsoft.Storage/storageAccounts/blobServices',
      properties: { deleteRetentionPolicy: { enabled: true, days: 30 }, containerDeleteRetentionPolicy: { enabled: true, days: 30 }, isVersioningEnabled: true },
    },
  ];
}

function assignment(sub: string, index: number, description: string): ArmResource {
  const name = `${index.toString(16).padStart(8, '0')}-0000-4000-8000-${sub.slice(0, 12)}`;
  return {
    id: `/subscriptions/${sub}/providers/Microsoft.Authorization/roleAssignments/${name}`,
    name,
    type: 'Microsoft.Authorization/roleAssignments',
    properties: { roleDefinitionId: `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${READER}`, principalId: STAFF, principalType: 'User', scope: `/subscriptions/${sub}`, description, createdOn: '2026-06-01T00:00:00.0000000Z' },
  };
}

function tenant(extra: Partial<SandboxState> = {}): SandboxState {
  return parseSandboxState({
    resources: [...account(SUB_A, 'stphia01', true), ...account(SUB_A, 'stokaa02', false), ...account(SUB_B, 'stphib01', true), ...account(SUB_C, 'stphic01', true)],
    directory: [{ id: STAFF, '@odata.type': '#microsoft.graph.user' }],
    ...extra,
  });
}

/** Modes for these tests: only storage-public-access acts, everything else stays quiet. */
const ONLY_PUBLIC_ACCESS = { 'storage-data-protection': 'off', 'diagnostic-settings': 'off', 'storage-secure-transfer': 'off' } as const;

let world: World | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

function writes(w: World): { method: string; path: string }[] {
  return w.serviceRequests().filter((r) => r.method !== 'GET' && !/ResourceGraph/i.test(r.path) && !/^\/v1\.0\//.test(r.path));
}

describe('events from several subscriptions', () => {
  it('are decided in each subscription in scope, carry their subscription in results and audit, and are rejected outside it', async () => {
    world = await startWorld(tenant(), { scope: { subscriptions: [SUB_A, SUB_B] }, modes: ONLY_PUBLIC_ACCESS });
    const { results } = await world.runtime.pipeline.processBatch([
      armWriteEvent(accountId(SUB_A, 'stphia01')),
      armWriteEvent(accountId(SUB_B, 'stphib01')),
      armWriteEvent(accountId(SUB_C, 'stphic01')),
    ]);
    const byResource = (sub: string, name: string) => results.filter((r) => r.resourceId === accountId(sub, name));
    expect(byResource(SUB_A, 'stphia01').find((r) => r.remediator === 'storage-public-access')).toMatchObject({ decision: 'remediated', subscriptionId: SUB_A });
    expect(byResource(SUB_B, 'stphib01').find((r) => r.remediator === 'storage-public-access')).toMatchObject({ decision: 'remediated', subscriptionId: SUB_B });
    expect(byResource(SUB_C, 'stphic01')).toEqual([expect.objectContaining({ decision: 'rejected', subscriptionId: SUB_C, reason: `subscription ${SUB_C} is not in scope` })]);
    // Both writes went to their own subscription; nothing was written in C.
    const patched = writes(world).map((w) => w.path);
    expect(patched).toEqual(expect.arrayContaining([accountId(SUB_A, 'stphia01'), accountId(SUB_B, 'stphib01')]));
    expect(patched.some((p) => p.includes(SUB_C))).toBe(false);
    const audit = await world.audit();
    const intents = audit.filter((r) => r.kind === 'intent');
    expect(intents.map((r) => r.subscriptionId).sort()).toEqual([SUB_A, SUB_B]);
    expect(audit.find((r) => r.kind === 'rejection' && r.resourceId === accountId(SUB_C, 'stphic01'))?.subscriptionId).toBe(SUB_C);
  });

  it('a management group brings in the subscriptions under it, resolved once through Resource Graph', async () => {
    const state = tenant({ managementGroups: [{ name: 'mg-phi', subscriptions: [SUB_A], children: [{ name: 'mg-phi-research', subscriptions: [SUB_B] }] }] });
    world = await startWorld(state, { scope: { managementGroups: ['mg-phi'] }, modes: ONLY_PUBLIC_ACCESS });
    const first = await world.runtime.pipeline.processBatch([armWriteEvent(accountId(SUB_B, 'stphib01')), armWriteEvent(accountId(SUB_C, 'stphic01'))]);
    expect(first.results.find((r) => r.resourceId === accountId(SUB_B, 'stphib01') && r.remediator === 'storage-public-access')?.decision).toBe('remediated');
    expect(first.results.find((r) => r.resourceId === accountId(SUB_C, 'stphic01'))?.decision).toBe('rejected');
    await world.runtime.pipeline.processBatch([armWriteEvent(accountId(SUB_A, 'stphia01'))]);
    expect(world.serviceRequests().filter((r) => /ResourceGraph/i.test(r.path))).toHaveLength(1);
  });
});

describe('the Resource Graph sweep', () => {
  it('asks one query per family across every subscription, never a per-subscription listing of them, and decides as the list APIs do', async () => {
    world = await startWorld(tenant(), { scope: { subscriptions: [SUB_A, SUB_B, SUB_C], sweepSource: 'resource-graph' }, modes: ONLY_PUBLIC_ACCESS });
    const outcome = await world.runtime.pipeline.sweep('tenant-1');
    expect(outcome.sweep).toMatchObject({ source: 'resource-graph', subscriptions: 3 });
    // Storage accounts, key vaults, workspaces, role assignments: one page each.
    expect(outcome.sweep.graphQueries).toBe(4);
    const listings = world.serviceRequests('GET').filter((r) => /\/providers\/Microsoft\.(Storage\/storageAccounts|Authorization\/roleAssignments|KeyVault\/vaults|OperationalInsights\/workspaces)$/i.test(r.path));
    expect(listings).toEqual([]);
    const remediated = outcome.results.filter((r) => r.decision === 'remediated').map((r) => r.resourceId).sort();
    expect(remediated).toEqual([accountId(SUB_A, 'stphia01'), accountId(SUB_B, 'stphib01'), accountId(SUB_C, 'stphic01')].sort());
    // Only what Resource Graph showed drifting was read again from ARM.
    expect(outcome.sweep.reread).toBe(3);
    const summary = (await world.audit()).find((r) => r.kind === 'sweep-summary');
    expect(summary?.reason).toMatch(/in 3 subscriptions \(4 Resource Graph queries, \d+ resources judged from Resource Graph, 3 re-read from ARM before deciding\)/);

    // The same tenant through the list APIs: the same decisions, from per-subscription listings.
    await world.close();
    world = await startWorld(tenant(), { scope: { subscriptions: [SUB_A, SUB_B, SUB_C], sweepSource: 'list-apis' }, modes: ONLY_PUBLIC_ACCESS });
    const listed = await world.runtime.pipeline.sweep('tenant-2');
    expect(listed.results.filter((r) => r.decision === 'remediated').map((r) => r.resourceId).sort()).toEqual(remediated);
    expect(world.serviceRequests().filter((r) => /ResourceGraph/i.test(r.path))).toEqual([]);
  });

  it('pages 2,500 role assignments at 1,000 rows with $skipToken, and revoking some of them while it sweeps loses none', async () => {
    // One in ten expired: the sweep deletes 250 assignments, which shifts what later pages would hold.
    const assignments = Array.from({ length: 2500 }, (_, i) => assignment([SUB_A, SUB_B][i % 2]!, i, i % 10 === 0 ? 'audit support; expires=2026-01-01' : 'on-call rotation; expires=2099-01-01'));
    world = await startWorld(parseSandboxState({ resources: assignments, directory: [{ id: STAFF, '@odata.type': '#microsoft.graph.user' }] }), { scope: { subscriptions: [SUB_A, SUB_B], sweepSource: 'resource-graph' }, maxRemediationsPerBatch: 1000 }, { sandbox: { throttling: false } });
    const outcome = await world.runtime.pipeline.sweep('paging');
    // 3 pages of role assignments + one (empty) page for each of the three resource families.
    expect(outcome.sweep.graphQueries).toBe(6);
    expect(outcome.sweep.fromGraph).toBe(2500);
    const decided = outcome.results.filter((r) => r.remediator === 'expired-role-assignments');
    expect(decided).toHaveLength(2500);
    expect(decided.filter((r) => r.decision === 'remediated')).toHaveLength(250);
    expect(decided.filter((r) => r.decision === 'compliant')).toHaveLength(2250);
    // Each revocation was preceded by a read of the assignment from ARM; PIM was asked once per subscription.
    expect(outcome.sweep.reread).toBe(250);
    expect(world.serviceRequests('DELETE')).toHaveLength(250);
    expect(world.serviceRequests('GET').filter((r) => /roleAssignmentScheduleInstances$/i.test(r.path))).toHaveLength(2);
  });

  it('auto: a family with more pages than a quarter of the subscriptions is listed per subscription instead, with the same decisions', async () => {
    const assignments = Array.from({ length: 2500 }, (_, i) => assignment([SUB_A, SUB_B][i % 2]!, i, i % 100 === 0 ? 'audit support; expires=2026-01-01' : 'on-call rotation; expires=2099-01-01'));
    const state = tenant({ resources: [...tenant().resources, ...assignments] });
    world = await startWorld(state, { scope: { subscriptions: [SUB_A, SUB_B], sweepSource: 'auto' }, modes: ONLY_PUBLIC_ACCESS }, { sandbox: { throttling: false } });
    const outcome = await world.runtime.pipeline.sweep('auto');
    expect(outcome.sweep.source).toBe('auto');
    // Storage accounts, vaults and workspaces: one page each, through Resource Graph. Role
    // assignments: its first page says 3 pages for 2 subscriptions, so they are listed per subscription.
    expect(outcome.sweep.graphQueries).toBe(4);
    const listings = world.serviceRequests('GET').filter((r) => /\/providers\/Microsoft\.Authorization\/roleAssignments$/i.test(r.path));
    // (paged by ARM's nextLink: the sandbox pages at 100)
    expect([...new Set(listings.map((r) => r.path))].sort()).toEqual([SUB_A, SUB_B].map((s) => `/subscriptions/${s}/providers/Microsoft.Authorization/roleAssignments`).sort());
    expect(world.serviceRequests('GET').filter((r) => /\/providers\/Microsoft\.Storage\/storageAccounts$/i.test(r.path))).toEqual([]);
    expect(outcome.sweep.fromGraph).toBe(3);
    expect(outcome.results.filter((r) => r.remediator === 'expired-role-assignments' && r.decision === 'remediated')).toHaveLength(25);
    expect(outcome.results.filter((r) => r.remediator === 'storage-public-access' && r.decision === 'remediated')).toHaveLength(2);
  });

  it('waits for the quota to reset when its headers say it is spent, instead of being throttled', async () => {
    world = await startWorld(tenant(), { scope: { subscriptions: [SUB_A, SUB_B, SUB_C], sweepSource: 'resource-graph' }, modes: ONLY_PUBLIC_ACCESS }, { sandbox: { resourceGraphQuota: { queries: 2, windowMs: 1000 } } });
    const outcome = await world.runtime.pipeline.sweep('quota');
    expect(outcome.sweep.graphQueries).toBe(4);
    expect(world.runtime.arm.graphStats.throttled).toBe(0);
    expect(world.runtime.arm.graphStats.waitedMs).toBeGreaterThan(0);
    expect(outcome.summary.remediated).toBe(3);
  });

  it('backs off a 429 by its quota headers and asks again', async () => {
    world = await startWorld(tenant(), { scope: { subscriptions: [SUB_A], sweepSource: 'resource-graph' }, modes: ONLY_PUBLIC_ACCESS }, { sandbox: { resourceGraphQuota: { queries: 3, windowMs: 1000 } } });
    // Someone else with the service's identity (another instance) spends the window first.
    const token = await sandboxCredential(SANDBOX_SERVICE_IDENTITY).getToken('https://management.azure.com/.default');
    const body = JSON.stringify({ subscriptions: [SUB_A], query: "resourcecontainers | where type =~ 'microsoft.resources/subscriptions' | project id, subscriptionId, name | order by id asc" });
    let last;
    for (let i = 0; i < 3; i++) {
      last = await rawRequest(world.sandbox, 'POST', '/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01', { identity: null, body, headers: { authorization: `Bearer ${token!.token}` } });
    }
    expect(last?.headers['x-ms-user-quota-remaining']).toBe('0');
    const outcome = await world.runtime.pipeline.sweep('throttled');
    // One 429; its wait came from x-ms-user-quota-resets-after (1 s windows), not the 5 s fallback.
    expect(world.runtime.arm.graphStats.throttled).toBe(1);
    expect(world.runtime.arm.graphStats.waitedMs).toBeGreaterThan(0);
    expect(world.runtime.arm.graphStats.waitedMs).toBeLessThan(5000);
    expect(outcome.summary.remediated).toBe(1);
  });
});

describe('Resource Graph unavailable', () => {
  it('refused for good (403): each family is listed per subscription instead, and the sweep record says so', async () => {
    world = await startWorld(tenant(), { scope: { subscriptions: [SUB_A, SUB_B, SUB_C], sweepSource: 'resource-graph' }, modes: ONLY_PUBLIC_ACCESS });
    world.sandbox.faults.inject({ pathPattern: /ResourceGraph/i, status: 403, code: 'AuthorizationFailed', times: 100 });
    const outcome = await world.runtime.pipeline.sweep('refused');
    expect(outcome.sweep.graphRefused.map((r) => r.type).sort()).toEqual(['microsoft.authorization/roleassignments', 'microsoft.keyvault/vaults', 'microsoft.operationalinsights/workspaces', 'microsoft.storage/storageaccounts']);
    expect(outcome.sweep.fromGraph).toBe(0);
    expect(outcome.summary.remediated).toBe(3);
    const summary = (await world.audit()).find((r) => r.kind === 'sweep-summary');
    expect(summary?.reason).toMatch(/Resource Graph refused microsoft\.storage\/storageaccounts \(.*403.*\), listed per subscription/);
  });

  it('failing for now (503 past the retries): the sweep fails, to be run again, and changes nothing', async () => {
    world = await startWorld(tenant(), { scope: { subscriptions: [SUB_A, SUB_B, SUB_C], sweepSource: 'resource-graph' }, modes: ONLY_PUBLIC_ACCESS });
    world.sandbox.faults.inject({ pathPattern: /ResourceGraph/i, status: 503, times: 100 });
    await expect(world.runtime.pipeline.sweep('down')).rejects.toBeInstanceOf(TransientError);
    expect(writes(world)).toEqual([]);
  });
});

describe('Resource Graph lags ARM: re-read before any change', () => {
  it('a drift Resource Graph still shows but ARM no longer has is judged on ARM: compliant, nothing written', async () => {
    world = await startWorld(tenant(), { scope: { subscriptions: [SUB_A] }, modes: ONLY_PUBLIC_ACCESS });
    world.sandbox.resourceGraph.freeze();
    // An operator fixed it through ARM; Resource Graph has not caught up.
    const fixed = await rawRequest(world.sandbox, 'PATCH', `${accountId(SUB_A, 'stphia01')}?api-version=2025-08-01`, { body: JSON.stringify({ properties: { allowBlobPublicAccess: false } }) });
    expect(fixed.status).toBe(200);
    const outcome = await world.runtime.pipeline.sweep('lag');
    expect(outcome.sweep.reread).toBe(1);
    expect(outcome.results.find((r) => r.resourceId === accountId(SUB_A, 'stphia01') && r.remediator === 'storage-public-access')?.decision).toBe('compliant');
    expect(writes(world)).toEqual([]);
  });

  it('a drifting resource Resource Graph still lists but ARM has deleted is skipped, and the sweep goes on', async () => {
    world = await startWorld(tenant(), { scope: { subscriptions: [SUB_A] }, modes: ONLY_PUBLIC_ACCESS });
    world.sandbox.resourceGraph.freeze();
    const deleted = await rawRequest(world.sandbox, 'DELETE', `${accountId(SUB_A, 'stphia01')}?api-version=2025-08-01`);
    expect([200, 204]).toContain(deleted.status);
    const outcome = await world.runtime.pipeline.sweep('gone');
    expect(outcome.results.filter((r) => r.resourceId === accountId(SUB_A, 'stphia01'))).toEqual([expect.objectContaining({ decision: 'skipped', reason: 'deleted since Resource Graph indexed it (ARM answers 404)' })]);
    expect(outcome.sweep.goneSinceIndexed).toBe(1);
    expect(outcome.results.find((r) => r.resourceId === accountId(SUB_A, 'stokaa02') && r.remediator === 'storage-public-access')?.decision).toBe('compliant');
    expect(writes(world)).toEqual([]);
  });

  it('an open alert on a resource Resource Graph has not indexed yet stays open: ARM still has it', async () => {
    world = await startWorld(tenant(), { scope: { subscriptions: [SUB_A] }, modes: { ...ONLY_PUBLIC_ACCESS, 'storage-public-access': 'alert' } });
    world.sandbox.resourceGraph.freeze();
    const id = accountId(SUB_A, 'stnewphi03');
    const created = await rawRequest(world.sandbox, 'PUT', `${id}?api-version=2025-08-01`, {
      body: JSON.stringify({ location: 'eastus2', kind: 'StorageV2', sku: { name: 'Standard_LRS' }, properties: { allowBlobPublicAccess: true, supportsHttpsTrafficOnly: true, minimumTlsVersion: 'TLS1_2' } }),
    });
    expect([200, 201]).toContain(created.status);
    const alerted = await world.runtime.pipeline.processBatch([armWriteEvent(id)]);
    expect(alerted.results.find((r) => r.remediator === 'storage-public-access')?.decision).toBe('alerted');
    const open = async () => (await world!.runtime.alertStore.listAll()).filter(({ record }) => record.state === 'open').map(({ record }) => record.resourceId);
    expect(await open()).toContain(id);

    const outcome = await world.runtime.pipeline.sweep('not-indexed');
    expect(outcome.results.some((r) => r.resourceId === id)).toBe(false);
    expect(outcome.alerts.resolved).toBe(0);
    expect(await open()).toContain(id);

    // Once ARM says it is gone, the next sweep closes it.
    await rawRequest(world.sandbox, 'DELETE', `${id}?api-version=2025-08-01`);
    expect((await world.runtime.pipeline.sweep('indexed-gone')).alerts.resolved).toBe(1);
    expect(await open()).not.toContain(id);
  });
});
