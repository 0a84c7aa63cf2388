/**
 * Role assignments end to end: a role-assignment write event, the live assignment re-read with
 * the real @azure/arm-authorization client, the principal looked up in the sandbox's Graph, and
 * the revocation (DELETE) audited with the whole assignment so it can be restored.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AuthorizationManagementClient } from '@azure/arm-authorization';
import { parseSandboxState, sandboxCredential, type SandboxState } from '../../sandbox/index.js';
import { armWriteEvent, SUB } from '../helpers/events.js';
import { startWorld, type World } from '../helpers/world.js';

const OWNER = '8e3af657-a8ff-443c-a75c-2fe8c4bcb635';
const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';
const DEPARTED = '5d0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b';
const STAFF = '3c9d2a71-5e4f-4b8a-9d1c-7e6f5a4b3c2d';
const BREAK_GLASS = '0b0b0b0b-0000-4000-8000-00000000b6a5';

function assignment(name: string, role: string, principalId: string, description?: string) {
  return {
    id: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleAssignments/${name}`,
    name,
    type: 'Microsoft.Authorization/roleAssignments',
    properties: {
      roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${role}`,
      principalId,
      principalType: 'User',
      scope: `/subscriptions/${SUB}`,
      ...(description === undefined ? {} : { description }),
      createdOn: '2026-10-01T00:00:00.0000000Z',
      updatedOn: '2026-10-01T00:00:00.0000000Z',
      createdBy: STAFF,
      updatedBy: STAFF,
    },
  };
}

const EXPIRED = assignment('1a1a1a1a-0000-4000-8000-000000000001', READER, STAFF, 'audit support; expires=2026-11-01');
const ORPHAN = assignment('2b2b2b2b-0000-4000-8000-000000000002', READER, DEPARTED);
const PROTECTED = assignment('3c3c3c3c-0000-4000-8000-000000000003', OWNER, BREAK_GLASS, 'break-glass; expires=2026-01-01');
const OWNER_NO_EXPIRY = assignment('4d4d4d4d-0000-4000-8000-000000000004', OWNER, STAFF);

function state(withDirectory: boolean): SandboxState {
  return parseSandboxState({
    resources: [EXPIRED, ORPHAN, PROTECTED, OWNER_NO_EXPIRY],
    ...(withDirectory ? { directory: [{ id: STAFF, '@odata.type': '#microsoft.graph.user' }, { id: BREAK_GLASS, '@odata.type': '#microsoft.graph.user' }] } : {}),
  });
}

let world: World;
afterEach(async () => {
  await world.close();
});

const writeEvent = (a: { id: string }) => armWriteEvent(a.id, { operationName: 'Microsoft.Authorization/roleAssignments/write' });
const remaining = () => world.sandbox.snapshot().resources.map((r) => r.name);

describe('expired-role-assignments through the pipeline', () => {
  it('revokes an assignment past its expiry marker, keeping the whole assignment in the intent', async () => {
    world = await startWorld(state(true), { policy: { roleAssignments: { protectedPrincipalIds: [BREAK_GLASS] } } });
    const { results } = await world.runtime.pipeline.processBatch([writeEvent(EXPIRED)]);
    expect(results[0]).toMatchObject({ remediator: 'expired-role-assignments', decision: 'remediated', citation: '45 CFR 164.308(a)(3)(ii)(C)' });
    expect(remaining()).not.toContain(EXPIRED.name);
    // GET the assignment; then, at once, ask Graph about its principal (POST getByIds) and PIM
    // about its schedule (GET schedule instances); DELETE it.
    const requests = world.serviceRequests();
    expect(requests[0]).toMatchObject({ method: 'GET', path: EXPIRED.id });
    expect(requests.slice(1, 3).map((r) => `${r.method} ${r.path.split('/').at(-1) ?? ''}`).sort()).toEqual(['GET roleAssignmentScheduleInstances', 'POST getByIds']);
    expect(requests.slice(3).map((r) => r.method)).toEqual(['DELETE']);
    const intent = (await world.audit()).find((r) => r.kind === 'intent');
    expect(intent?.before).toMatchObject({ principalId: STAFF, roleDefinitionId: EXPIRED.properties.roleDefinitionId, description: 'audit support; expires=2026-11-01', scope: `/subscriptions/${SUB}`, createdBy: STAFF });
    expect(intent?.change).toMatchObject({ operation: 'roleAssignments.deleteById', method: 'DELETE', apiVersion: '2022-04-01' });
  });

  it('revokes an orphaned assignment only when Graph positively says the principal is gone', async () => {
    world = await startWorld(state(true));
    expect((await world.runtime.pipeline.processBatch([writeEvent(ORPHAN)])).results[0]?.decision).toBe('remediated');
    await world.close();
    world = await startWorld(state(false));
    expect((await world.runtime.pipeline.processBatch([writeEvent(ORPHAN)])).results[0]?.decision).toBe('compliant');
    expect(remaining()).toContain(ORPHAN.name);
  });

  it('alerts instead of revoking a protected principal, and on a privileged assignment without expiry', async () => {
    world = await startWorld(state(true), { policy: { roleAssignments: { protectedPrincipalIds: [BREAK_GLASS] } } });
    const { results } = await world.runtime.pipeline.processBatch([writeEvent(PROTECTED), writeEvent(OWNER_NO_EXPIRY)]);
    expect(results.map((r) => r.decision)).toEqual(['alerted', 'alerted']);
    expect(results[0]?.findings?.[0]?.message).toMatch(/protected principal/);
    expect(results[1]?.findings?.[0]?.message).toBe('privileged assignment without an expiry');
    expect(remaining()).toEqual(expect.arrayContaining([PROTECTED.name, OWNER_NO_EXPIRY.name]));
    expect(world.serviceRequests('DELETE')).toEqual([]);
  });

  it('never revokes the last Owner of the subscription, even expired: alert instead', async () => {
    const lastOwner = assignment('5e5e5e5e-0000-4000-8000-000000000005', OWNER, STAFF, 'expires=2026-01-01');
    world = await startWorld(parseSandboxState({ resources: [lastOwner], directory: [{ id: STAFF, '@odata.type': '#microsoft.graph.user' }] }));
    const { results } = await world.runtime.pipeline.processBatch([writeEvent(lastOwner)]);
    expect(results[0]?.decision).toBe('alerted');
    expect(results[0]?.findings?.[0]?.message).toMatch(/last Owner of the subscription/);
    expect(world.serviceRequests('DELETE')).toEqual([]);
  });

  describe('assignments PIM manages', () => {
    const HOUR = 3_600_000;
    /** A schedule instance as the spec example shapes it (GetRoleAssignmentScheduleInstancesByScope.json), naming `origin`. */
    function scheduleInstance(origin: ReturnType<typeof assignment>, endDateTime: Date) {
      const name = '9f9f9f9f-0000-4000-8000-000000000009';
      return {
        id: `/subscriptions/${SUB}/providers/Microsoft.Authorization/RoleAssignmentScheduleInstances/${name}`,
        name,
        type: 'Microsoft.Authorization/RoleAssignmentScheduleInstances',
        properties: {
          originRoleAssignmentId: origin.id,
          assignmentType: 'Activated',
          scope: origin.properties.scope,
          roleDefinitionId: origin.properties.roleDefinitionId,
          principalId: origin.properties.principalId,
          principalType: 'User',
          status: 'Provisioned',
          startDateTime: new Date(endDateTime.getTime() - 8 * HOUR).toISOString(),
          endDateTime: endDateTime.toISOString(),
          memberType: 'Direct',
          createdOn: new Date(endDateTime.getTime() - 8 * HOUR).toISOString(),
        },
      };
    }
    // An activated Owner whose description also carries an old marker: PIM, not the marker, governs it.
    const ACTIVATED = assignment('6f6f6f6f-0000-4000-8000-000000000006', OWNER, STAFF, 'expires=2026-01-01');
    const pimState = (end: Date) =>
      parseSandboxState({ resources: [ACTIVATED, OWNER_NO_EXPIRY, scheduleInstance(ACTIVATED, end)], directory: [{ id: STAFF, '@odata.type': '#microsoft.graph.user' }] });

    it('an event for an assignment inside its PIM schedule is left to PIM and reported (skipped, audited), never revoked', async () => {
      world = await startWorld(pimState(new Date(Date.now() + HOUR)));
      const { results } = await world.runtime.pipeline.processBatch([writeEvent(ACTIVATED)]);
      expect(results[0]).toMatchObject({ remediator: 'expired-role-assignments', decision: 'skipped' });
      expect(results[0]?.reason).toMatch(/^managed by PIM \(Activated until .*\): PIM removes it at its end$/);
      expect(world.serviceRequests('DELETE')).toEqual([]);
      const record = (await world.audit()).find((r) => r.seq === results[0]?.auditSeq);
      expect(record).toMatchObject({ kind: 'decision', decision: 'skipped', resourceId: ACTIVATED.id });
    });

    it('the list-API sweep reads PIM once for the subscription: skipped during the schedule, alerted (not revoked) once it has ended', async () => {
      const end = new Date(Date.now() + HOUR);
      world = await startWorld(pimState(end), { scope: { sweepSource: 'list-apis' } });
      const during = await world.runtime.pipeline.sweep('pim-1');
      expect(during.results.find((r) => r.resourceId === ACTIVATED.id)?.decision).toBe('skipped');
      expect(world.serviceRequests().filter((r) => /roleAssignmentScheduleInstances$/i.test(r.path))).toHaveLength(1);

      world.advance(2 * HOUR);
      const after = await world.runtime.pipeline.sweep('pim-2');
      const ended = after.results.find((r) => r.resourceId === ACTIVATED.id);
      expect(ended?.decision).toBe('alerted');
      expect(ended?.findings?.map((f) => f.message)).toContain(`PIM schedule ended at ${end.toISOString()} but the assignment still exists (managed by PIM: alert only, change it in PIM)`);
      expect(world.serviceRequests('DELETE')).toEqual([]);
      expect(remaining()).toContain(ACTIVATED.name);
    });

    it('the Resource Graph sweep asks PIM only about assignments that may be revoked, and decides the same', async () => {
      const end = new Date(Date.now() + HOUR);
      // Beside the two PIM cases, a Reader grant with a future expiry: compliant as Resource Graph shows it.
      const current = assignment('5e5e5e5e-0000-4000-8000-000000000005', READER, STAFF, 'rotation; expires=2099-01-01');
      const withCompliant = pimState(end);
      world = await startWorld({ ...withCompliant, resources: [...withCompliant.resources, current] }, { scope: { sweepSource: 'resource-graph' } });
      const during = await world.runtime.pipeline.sweep('pim-graph-1');
      expect(during.results.find((r) => r.resourceId === current.id)?.decision).toBe('compliant');
      expect(during.sweep).toMatchObject({ source: 'resource-graph' });
      expect(during.results.find((r) => r.resourceId === ACTIVATED.id)?.decision).toBe('skipped');
      // One PIM read per re-read assignment (its principal), none for assignments Resource Graph shows compliant.
      const pimReads = world.serviceRequests().filter((r) => /roleAssignmentScheduleInstances$/i.test(r.path));
      expect(pimReads.length).toBeGreaterThan(0);
      expect(pimReads.length).toBeLessThanOrEqual(during.sweep.reread);
      expect(during.sweep.reread).toBeLessThan(during.sweep.fromGraph);

      world.advance(2 * HOUR);
      const after = await world.runtime.pipeline.sweep('pim-graph-2');
      expect(after.results.find((r) => r.resourceId === ACTIVATED.id)?.decision).toBe('alerted');
      expect(world.serviceRequests('DELETE')).toEqual([]);
      expect(remaining()).toContain(ACTIVATED.name);
    });

    it('PIM unreadable (403): decided as if PIM made nothing, the reason in the finding; 503: the event fails for redelivery', async () => {
      world = await startWorld(state(true));
      world.sandbox.faults.inject({ pathPattern: /roleAssignmentScheduleInstances$/i, status: 403, code: 'AuthorizationFailed' });
      const denied = (await world.runtime.pipeline.processBatch([writeEvent(EXPIRED)])).results[0];
      expect(denied?.decision).toBe('remediated');
      expect(denied?.findings?.[0]?.message).toMatch(/\(PIM schedule instances unavailable: ARM answered 403 AuthorizationFailed/);

      await world.close();
      world = await startWorld(state(true));
      world.sandbox.faults.inject({ pathPattern: /roleAssignmentScheduleInstances$/i, status: 503, times: 10 });
      const { results, summary } = await world.runtime.pipeline.processBatch([writeEvent(EXPIRED)]);
      expect(results[0]).toMatchObject({ decision: 'failed', retryable: true });
      expect(summary.retryable).toBe(true);
      expect(remaining()).toContain(EXPIRED.name);
    });
  });

  it('the sweep leaves grants inherited from a management group to the management group (listed by ARM, not ours to revoke)', async () => {
    const name = '8a8a8a8a-0000-4000-8000-000000000008';
    const scope = '/providers/Microsoft.Management/managementGroups/mg-healthcare';
    const inherited = {
      id: `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`,
      name,
      type: 'Microsoft.Authorization/roleAssignments',
      properties: { ...EXPIRED.properties, scope, roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${READER}` },
    };
    world = await startWorld(parseSandboxState({ resources: [EXPIRED, inherited], directory: [{ id: STAFF, '@odata.type': '#microsoft.graph.user' }] }));
    // ARM lists the inherited grant among those that apply to the subscription...
    const client = new AuthorizationManagementClient(sandboxCredential({ objectId: STAFF, appId: '04b07795-8ddb-461a-bbee-02f9e1bf7b46', principalType: 'User' }), SUB, { endpoint: world.sandbox.url, tlsOptions: { ca: world.sandbox.ca } });
    const listed: string[] = [];
    for await (const a of client.roleAssignments.listForSubscription()) listed.push(a.name ?? '');
    expect(listed.sort()).toEqual([EXPIRED.name, name].sort());
    // ...and the sweep, which must not choke on its id, leaves it alone.
    const outcome = await world.runtime.pipeline.sweep('inherited');
    expect(outcome.results.map((r) => [r.resourceId, r.decision])).toEqual([[EXPIRED.id, 'remediated']]);
    expect(remaining()).toContain(name);
  });
});
