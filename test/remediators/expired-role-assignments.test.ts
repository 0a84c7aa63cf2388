import { describe, expect, it } from 'vitest';
import type { RoleAssignment } from '@azure/arm-authorization';
import type { PimSchedule } from '../../shared/arm/snapshot.js';
import { expiredRoleAssignments, parseExpiryMarker } from '../../remediators/expired-role-assignments.js';
import { CTX, OWNER, READER, roleAssignment } from '../helpers/snapshots.js';

const evaluate = (snapshot: Parameters<typeof expiredRoleAssignments.evaluate>[0]) => expiredRoleAssignments.evaluate(snapshot, CTX);
const plan = (snapshot: Parameters<typeof expiredRoleAssignments.evaluate>[0]) => expiredRoleAssignments.plan(snapshot, evaluate(snapshot));

describe('expiry marker syntax (DESIGN §9: expires=<ISO 8601 date or date-time>, UTC when no zone)', () => {
  it.each([
    ['expires=2026-12-31', '2026-12-31T00:00:00.000Z'],
    ['temporary access; expires=2026-12-31T08:30', '2026-12-31T08:30:00.000Z'],
    ['(expires=2026-12-31T08:30:15Z)', '2026-12-31T08:30:15.000Z'],
    ['EXPIRES=2026-12-31T10:00+02:00 ticket 42', '2026-12-31T08:00:00.000Z'],
  ])('%s → %s', (description, iso) => {
    const marker = parseExpiryMarker(description);
    expect(marker.kind === 'valid' && marker.at.toISOString()).toBe(iso);
  });

  it.each(['expires=2026-02-30', 'expires=31/12/2026', 'expires=soon', 'expires=2026-12-31T25:00'])('rejects %s as unparseable', (description) => {
    expect(parseExpiryMarker(description).kind).toBe('invalid');
  });

  it('finds no marker where there is none (or only a lookalike)', () => {
    expect(parseExpiryMarker(undefined).kind).toBe('none');
    expect(parseExpiryMarker('neverexpires=2020-01-01').kind).toBe('none');
  });
});

describe('expired-role-assignments', () => {
  it('revokes an assignment whose marker is in the past (164.308(a)(3)(ii)(C))', () => {
    const snapshot = roleAssignment({ description: 'contractor; expires=2026-11-01' });
    expect(evaluate(snapshot)[0]).toMatchObject({ controls: ['termination-procedures', 'access-authorization'] });
    expect(plan(snapshot)).toEqual([{ operation: 'roleAssignments.deleteById', method: 'DELETE', resourceId: snapshot.id.id }]);
  });

  it('leaves an assignment whose marker is in the future alone', () => {
    expect(evaluate(roleAssignment({ roleDefinitionId: OWNER, description: 'expires=2027-01-01' }))).toEqual([]);
  });

  it('alerts, never revokes, on an unparseable marker', () => {
    const snapshot = roleAssignment({ description: 'expires=2026-02-30' });
    expect(evaluate(snapshot)[0]?.message).toMatch(/unparseable/);
    expect(plan(snapshot)).toEqual([]);
  });

  it('alerts on a privileged assignment with no expiry, and revokes it once older than the policy allows', () => {
    const young = roleAssignment({ roleDefinitionId: OWNER, createdOn: new Date('2026-11-01T00:00:00Z') });
    expect(evaluate(young).map((f) => f.message)).toEqual(['privileged assignment without an expiry']);
    expect(plan(young)).toEqual([]);
    const stale = roleAssignment({ roleDefinitionId: OWNER, createdOn: new Date('2026-06-01T00:00:00Z') });
    expect(evaluate(stale)[0]?.message).toMatch(/older than 90 days/);
    expect(plan(stale)).toHaveLength(1);
  });

  it('applies the maximum age only to the principal types the policy names', () => {
    const servicePrincipal = roleAssignment({ roleDefinitionId: OWNER, principalType: 'ServicePrincipal', createdOn: new Date('2020-01-01T00:00:00Z') });
    expect(plan(servicePrincipal)).toEqual([]);
  });

  it('revokes an orphaned assignment only when the directory positively says the principal is deleted', () => {
    expect(plan(roleAssignment({}, 'deleted'))).toHaveLength(1);
    expect(evaluate(roleAssignment({}, 'unknown'))).toEqual([]);
  });

  it('never revokes a protected principal: the findings stay, the plan is empty', () => {
    const snapshot = roleAssignment({ principalId: '00000000-0000-4000-8000-00000000B6A5', description: 'expires=2020-01-01' });
    expect(evaluate(snapshot)[0]).toMatchObject({ remediable: false });
    expect(evaluate(snapshot)[0]?.message).toMatch(/protected principal/);
    expect(plan(snapshot)).toEqual([]);
  });

  it('never revokes the last Owner of the subscription (nor one whose co-owners are unknown): alert instead', () => {
    const last = roleAssignment({ roleDefinitionId: OWNER, description: 'expires=2020-01-01' }, 'exists', 0);
    expect(evaluate(last)[0]?.message).toMatch(/last Owner of the subscription/);
    expect(plan(last)).toEqual([]);
    const atGroup = roleAssignment({ roleDefinitionId: OWNER, description: 'expires=2020-01-01', scope: '/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg' }, 'exists', 0);
    expect(plan(atGroup)).toHaveLength(1);
  });

  describe('assignments PIM manages (a role assignment schedule instance names them as origin)', () => {
    const pim = (endDateTime?: string) => ({ state: 'managed' as const, instanceId: 'i', assignmentType: 'Activated', ...(endDateTime === undefined ? {} : { endDateTime: new Date(endDateTime) }) });
    const withPim = (schedule: PimSchedule, resource: Partial<RoleAssignment> = { roleDefinitionId: OWNER, description: 'expires=2026-01-01' }) => ({ ...roleAssignment(resource), pim: schedule });

    it('are left to PIM while their schedule runs: exempt, with the end in the reason', () => {
      const snapshot = withPim(pim('2026-11-23T08:00:00Z'));
      expect(expiredRoleAssignments.exemption?.(snapshot, CTX)).toMatch(/managed by PIM \(Activated until 2026-11-23T08:00:00.000Z\)/);
    });

    it('are alerted, never revoked, once the schedule has ended and the assignment is still there', () => {
      const snapshot = withPim(pim('2026-11-22T08:00:00Z'));
      expect(expiredRoleAssignments.exemption?.(snapshot, CTX)).toBeUndefined();
      const findings = evaluate(snapshot);
      expect(findings.map((f) => f.message)).toContain('PIM schedule ended at 2026-11-22T08:00:00.000Z but the assignment still exists (managed by PIM: alert only, change it in PIM)');
      expect(findings.every((f) => f.remediable === false)).toBe(true);
      expect(plan(snapshot)).toEqual([]);
    });

    it('without an end time (a permanent PIM assignment) are judged like others, but only alerted', () => {
      const snapshot = withPim(pim());
      expect(expiredRoleAssignments.exemption?.(snapshot, CTX)).toBeUndefined();
      expect(evaluate(snapshot)[0]?.message).toMatch(/expired at .*managed by PIM/);
      expect(plan(snapshot)).toEqual([]);
    });

    it('when PIM cannot be asked, are decided as if PIM made nothing, and the finding says so', () => {
      const snapshot = withPim({ state: 'unknown', reason: 'PIM schedule instances unavailable: ARM answered 403' }, { description: 'expires=2026-01-01' });
      expect(evaluate(snapshot)[0]?.message).toMatch(/\(PIM schedule instances unavailable: ARM answered 403\)$/);
      expect(plan(snapshot)).toHaveLength(1);
      expect(plan(withPim({ state: 'none' }, { description: 'expires=2026-01-01' }))).toHaveLength(1);
    });
  });

  it('ignores non-privileged roles without a marker', () => {
    expect(evaluate(roleAssignment({ roleDefinitionId: READER }))).toEqual([]);
  });
});
