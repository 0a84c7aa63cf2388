import type { DeleteRetentionPolicy } from '@azure/arm-storage';
import type { SnapshotOf } from '../shared/arm/snapshot.js';
import { BLOB_SERVICE } from '../shared/arm/resourceTypes.js';
import type { Change, EvalContext, Finding, Remediator } from '../shared/remediator.js';

type Snapshot = SnapshotOf<typeof BLOB_SERVICE>;
type Body = Extract<Change, { operation: 'blobServices.setServiceProperties' }>['body'];

const CONTROLS = ['integrity', 'data-backup'] as const;

/**
 * ePHI must not be improperly altered or destroyed (164.312(c)(1)) and must be recoverable
 * (164.308(a)(7)(ii)(A)): a blob or container deleted or overwritten by mistake — or by
 * ransomware — is recoverable only with soft delete and versioning on. Turning them on never
 * breaks a workload (it costs storage), so the default is to remediate; an account with a
 * hierarchical namespace cannot have versioning, which is reported, not attempted.
 */
export const storageDataProtection: Remediator<Snapshot> = {
  id: 'storage-data-protection',
  title: 'Blob and container soft delete and blob versioning',
  controls: [...CONTROLS],
  resourceTypes: [BLOB_SERVICE],
  armActions: ['Microsoft.Storage/storageAccounts/blobServices/write'],
  defaultMode: 'remediate',

  evaluate(snapshot, ctx: EvalContext) {
    const policy = ctx.policy.dataProtection;
    const service = snapshot.resource;
    const findings: Finding[] = [];
    const softDelete = (property: 'deleteRetentionPolicy' | 'containerDeleteRetentionPolicy', what: string, minimumDays: number): void => {
      const current = service[property];
      if (current?.enabled === true && (current.days ?? 0) >= minimumDays && current.allowPermanentDelete !== true) return;
      const message =
        current?.enabled !== true
          ? `${what} soft delete is off: a deleted ${what} cannot be recovered`
          : current.allowPermanentDelete === true
            ? `${what} soft delete allows permanent delete, which bypasses it`
            : `${what} soft delete keeps deleted ${what}s ${current.days ?? 0} days, less than ${minimumDays}`;
      // `expected.days` is the minimum: the plan keeps a longer retention where there is one.
      const expected: DeleteRetentionPolicy = { enabled: true, days: minimumDays, allowPermanentDelete: false };
      findings.push({ controls: [...CONTROLS], property: `properties.${property}`, actual: current ?? null, expected, message });
    };
    softDelete('deleteRetentionPolicy', 'blob', policy.blobSoftDeleteDays);
    softDelete('containerDeleteRetentionPolicy', 'container', policy.containerSoftDeleteDays);
    if (policy.versioning && service.isVersioningEnabled !== true) {
      const hierarchical = snapshot.account.isHnsEnabled === true;
      findings.push({
        controls: [...CONTROLS],
        property: 'properties.isVersioningEnabled',
        actual: service.isVersioningEnabled ?? false,
        expected: true,
        message: hierarchical ? 'blob versioning is off and cannot be enabled on an account with a hierarchical namespace: protect it by other means (snapshots, backup)' : 'blob versioning is off: an overwritten blob cannot be recovered',
        ...(hierarchical ? { remediable: false } : {}),
      });
    }
    return findings;
  },

  plan(snapshot, findings): Change[] {
    const body: Body = {};
    for (const finding of findings) {
      if (finding.remediable === false) continue;
      if (finding.property === 'properties.deleteRetentionPolicy') body.deleteRetentionPolicy = raised(snapshot.resource.deleteRetentionPolicy, finding);
      if (finding.property === 'properties.containerDeleteRetentionPolicy') body.containerDeleteRetentionPolicy = raised(snapshot.resource.containerDeleteRetentionPolicy, finding);
      if (finding.property === 'properties.isVersioningEnabled') body.isVersioningEnabled = true;
    }
    return Object.keys(body).length === 0 ? [] : [{ operation: 'blobServices.setServiceProperties', method: 'PUT', resourceId: snapshot.id.id, body }];
  },
};

/** On, never shorter than it was, never with the permanent-delete bypass. */
function raised(current: DeleteRetentionPolicy | undefined, finding: Finding): DeleteRetentionPolicy {
  const minimum = (finding.expected as DeleteRetentionPolicy).days ?? 1;
  return { enabled: true, days: Math.max(current?.enabled === true ? (current.days ?? 0) : 0, minimum), allowPermanentDelete: false };
}
