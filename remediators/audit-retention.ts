import type { SnapshotOf } from '../shared/arm/snapshot.js';
import { BLOB_CONTAINER } from '../shared/arm/resourceTypes.js';
import type { Change, EvalContext, Finding, Remediator } from '../shared/remediator.js';

type Snapshot = SnapshotOf<typeof BLOB_CONTAINER>;

const CONTROLS = ['documentation-retention', 'audit-controls'] as const;

/** Whether a container name is one of the configured audit-log containers (`prefix*` matches by prefix). */
export function isAuditContainer(name: string, patterns: readonly string[]): boolean {
  const lower = name.toLowerCase();
  return patterns.some((pattern) => (pattern.endsWith('*') ? lower.startsWith(pattern.slice(0, -1)) : lower === pattern));
}

/**
 * Audit logs are HIPAA documentation, kept six years (164.316(b)(2)(i)), and the evidence
 * behind audit controls (164.312(b)): containers that hold them need a time-based retention
 * policy of at least that long. An unlocked policy is raised to the target (If-Match on its
 * etag); a locked one can only be extended — ARM forbids shortening or deleting it, and so do
 * we. A missing policy is created unlocked with protected append writes (Azure Monitor and this
 * service write append blobs); locking is irreversible, so it stays an operator's decision and
 * every unlocked policy is reported until someone takes it.
 */
export const auditRetention: Remediator<Snapshot> = {
  id: 'audit-retention',
  title: 'Time-based retention (WORM) of audit-log containers',
  controls: [...CONTROLS],
  resourceTypes: [BLOB_CONTAINER],
  // A deleted (unlocked) policy is a change to the container's retention too.
  triggers: ['write', 'delete'],
  armActions: [
    'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies/write',
    'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies/extend/action',
  ],
  defaultMode: 'remediate',

  appliesTo(id, policy) {
    return isAuditContainer(id.name, policy.auditRetention.containers);
  },

  evaluate(snapshot, ctx: EvalContext) {
    const { days, containers } = ctx.policy.auditRetention;
    if (!isAuditContainer(snapshot.id.name, containers)) return [];
    const policy = snapshot.resource.immutabilityPolicy;
    const period = policy?.immutabilityPeriodSinceCreationInDays;
    const findings: Finding[] = [];
    if (policy === undefined || period === undefined || snapshot.resource.hasImmutabilityPolicy === false) {
      findings.push({ controls: [...CONTROLS], property: 'immutabilityPolicy.immutabilityPeriodSinceCreationInDays', actual: null, expected: days, message: `audit-log container has no time-based retention policy (needs at least ${days} days)` });
    } else if (period < days) {
      findings.push({
        controls: [...CONTROLS],
        property: 'immutabilityPolicy.immutabilityPeriodSinceCreationInDays',
        actual: period,
        expected: days,
        message: `audit-log retention is ${period} days, less than ${days}${policy.state === 'Locked' ? ' (locked: extend only)' : ''}`,
      });
    }
    if (policy?.state !== 'Locked') {
      findings.push({
        controls: ['audit-controls'],
        property: 'immutabilityPolicy.state',
        actual: policy?.state ?? null,
        expected: 'Locked',
        message: 'retention policy is not locked, so an administrator can still shorten or delete it: locking is irreversible and left to an operator (hipaa-remediator never locks)',
        remediable: false,
      });
    }
    return findings;
  },

  plan(snapshot, findings): Change[] {
    const period = findings.find((f) => f.property === 'immutabilityPolicy.immutabilityPeriodSinceCreationInDays' && f.remediable !== false);
    if (period === undefined) return [];
    const target = Number(period.expected);
    const policy = snapshot.resource.immutabilityPolicy;
    const resourceId = `${snapshot.id.id}/immutabilityPolicies/default`;
    const etag = policy?.etag;
    if (policy?.state === 'Locked') {
      // A locked policy without an etag cannot be extended safely: leave it to the alert.
      if (etag === undefined) return [];
      const unchanged = {
        ...(policy.allowProtectedAppendWrites === undefined ? {} : { allowProtectedAppendWrites: policy.allowProtectedAppendWrites }),
        ...(policy.allowProtectedAppendWritesAll === undefined ? {} : { allowProtectedAppendWritesAll: policy.allowProtectedAppendWritesAll }),
      };
      return [{ operation: 'immutabilityPolicies.extend', method: 'POST', resourceId, body: { immutabilityPeriodSinceCreationInDays: target, ...unchanged }, ifMatch: etag, target: 'immutabilityPolicy' }];
    }
    const appendWrites = policy?.allowProtectedAppendWritesAll === true ? { allowProtectedAppendWritesAll: true } : { allowProtectedAppendWrites: policy?.allowProtectedAppendWrites ?? true };
    return [
      {
        operation: 'immutabilityPolicies.createOrUpdate',
        method: 'PUT',
        resourceId,
        body: { immutabilityPeriodSinceCreationInDays: target, ...appendWrites },
        ...(etag === undefined || snapshot.resource.hasImmutabilityPolicy === false ? {} : { ifMatch: etag }),
        target: 'immutabilityPolicy',
      },
    ];
  },
};
