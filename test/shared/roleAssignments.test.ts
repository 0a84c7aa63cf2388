/**
 * Role assignments end to end: a role-assignment write event, the live assignment re-read with
 * the real @azure/arm-authorization client, the principal looked up in the sandbox's Graph, and
 * the revocation (DELETE) audited with the whole assignment so it can be restored.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseSandboxState, type SandboxState } from '../../sandbox/index.js';
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
    // GET the assignment, ask Graph about its principal (POST getByIds), DELETE it.
    expect(world.serviceRequests().map((r) => r.method)).toEqual(['GET', 'POST', 'DELETE']);
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
});
