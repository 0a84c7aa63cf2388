import { describe, expect, it } from 'vitest';
import { auditRetention, isAuditContainer } from '../../remediators/audit-retention.js';
import { container, CTX } from '../helpers/snapshots.js';

type Container = ReturnType<typeof container>;
const evaluate = (s: Container) => auditRetention.evaluate(s, CTX);
const plan = (s: Container) => auditRetention.plan(s, evaluate(s));
const ETAG = '"8d9f0c0a1b2c3d4"';
const withPolicy = (state: 'Locked' | 'Unlocked', days: number, name = 'insights-activity-logs', extra: object = {}) =>
  container({ hasImmutabilityPolicy: true, immutabilityPolicy: { etag: ETAG, state, immutabilityPeriodSinceCreationInDays: days, ...extra } }, name);

describe('audit-retention (164.316(b)(2)(i), 164.312(b))', () => {
  it('judges only audit-log containers: the defaults, prefixes, and configured names', () => {
    expect(isAuditContainer('insights-activity-logs', CTX.policy.auditRetention.containers)).toBe(true);
    expect(isAuditContainer('insights-logs-storageread', CTX.policy.auditRetention.containers)).toBe(true);
    expect(isAuditContainer('hipaa-audit', CTX.policy.auditRetention.containers)).toBe(true);
    expect(isAuditContainer('lab-results', CTX.policy.auditRetention.containers)).toBe(false);
    expect(evaluate(container({ hasImmutabilityPolicy: false }, 'lab-results'))).toEqual([]);
  });

  it('creates a missing policy unlocked at six years with protected append writes, and reports that locking is for an operator', () => {
    const snapshot = container({ hasImmutabilityPolicy: false }, 'insights-activity-logs');
    expect(plan(snapshot)).toEqual([
      {
        operation: 'immutabilityPolicies.createOrUpdate',
        method: 'PUT',
        resourceId: `${snapshot.id.id}/immutabilityPolicies/default`,
        body: { immutabilityPeriodSinceCreationInDays: 2190, allowProtectedAppendWrites: true },
        target: 'immutabilityPolicy',
      },
    ]);
    expect(evaluate(snapshot).find((f) => f.property === 'immutabilityPolicy.state')).toMatchObject({ remediable: false, expected: 'Locked' });
  });

  it('raises a short unlocked policy with If-Match on its etag, keeping its append-write setting', () => {
    expect(plan(withPolicy('Unlocked', 365, 'insights-activity-logs', { allowProtectedAppendWritesAll: true }))).toEqual([
      expect.objectContaining({ operation: 'immutabilityPolicies.createOrUpdate', ifMatch: ETAG, body: { immutabilityPeriodSinceCreationInDays: 2190, allowProtectedAppendWritesAll: true } }),
    ]);
  });

  it('extends a short locked policy (the only change ARM allows on it), with If-Match', () => {
    const snapshot = withPolicy('Locked', 730);
    expect(plan(snapshot)).toEqual([
      { operation: 'immutabilityPolicies.extend', method: 'POST', resourceId: `${snapshot.id.id}/immutabilityPolicies/default`, body: { immutabilityPeriodSinceCreationInDays: 2190 }, ifMatch: ETAG, target: 'immutabilityPolicy' },
    ]);
  });

  it('never shortens: a longer policy is left as it is; a locked one long enough is compliant', () => {
    expect(plan(withPolicy('Unlocked', 3650))).toEqual([]);
    expect(evaluate(withPolicy('Unlocked', 3650)).map((f) => f.property)).toEqual(['immutabilityPolicy.state']);
    expect(evaluate(withPolicy('Locked', 2190))).toEqual([]);
    expect(evaluate(withPolicy('Locked', 4000))).toEqual([]);
  });
});
