import { describe, expect, it } from 'vitest';
import { storageDataProtection } from '../../remediators/storage-data-protection.js';
import { blobService, CTX } from '../helpers/snapshots.js';

const evaluate = (s: ReturnType<typeof blobService>) => storageDataProtection.evaluate(s, CTX);
const plan = (s: ReturnType<typeof blobService>) => storageDataProtection.plan(s, evaluate(s));
const PROTECTED = { deleteRetentionPolicy: { enabled: true, days: 30 }, containerDeleteRetentionPolicy: { enabled: true, days: 30 }, isVersioningEnabled: true };

describe('storage-data-protection (164.312(c)(1), 164.308(a)(7)(ii)(A))', () => {
  it('is compliant with soft delete (>= policy days) and versioning on', () => {
    expect(evaluate(blobService(PROTECTED))).toEqual([]);
  });

  it('turns on what is off in one PUT of only the failing properties', () => {
    const snapshot = blobService({ ...PROTECTED, deleteRetentionPolicy: { enabled: false }, isVersioningEnabled: false });
    expect(plan(snapshot)).toEqual([
      { operation: 'blobServices.setServiceProperties', method: 'PUT', resourceId: snapshot.id.id, body: { deleteRetentionPolicy: { enabled: true, days: 7, allowPermanentDelete: false }, isVersioningEnabled: true } },
    ]);
  });

  it('raises short retention to the minimum, never shortens a longer one, and closes the permanent-delete bypass', () => {
    const short = blobService({ ...PROTECTED, containerDeleteRetentionPolicy: { enabled: true, days: 2 } });
    expect(plan(short)[0]?.body).toEqual({ containerDeleteRetentionPolicy: { enabled: true, days: 7, allowPermanentDelete: false } });
    const bypass = blobService({ ...PROTECTED, deleteRetentionPolicy: { enabled: true, days: 90, allowPermanentDelete: true } });
    expect(evaluate(bypass)[0]?.message).toMatch(/permanent delete/);
    expect(plan(bypass)[0]?.body).toEqual({ deleteRetentionPolicy: { enabled: true, days: 90, allowPermanentDelete: false } });
  });

  it('reports, and does not attempt, versioning on an account with a hierarchical namespace', () => {
    const adls = blobService({ ...PROTECTED, isVersioningEnabled: false }, { isHnsEnabled: true });
    expect(evaluate(adls)).toMatchObject([{ property: 'properties.isVersioningEnabled', remediable: false }]);
    expect(plan(adls)).toEqual([]);
  });

  it('follows the policy: longer minimums, versioning not required', () => {
    const ctx = { ...CTX, policy: { ...CTX.policy, dataProtection: { blobSoftDeleteDays: 35, containerSoftDeleteDays: 7, versioning: false } } };
    const snapshot = blobService({ ...PROTECTED, isVersioningEnabled: false });
    expect(storageDataProtection.plan(snapshot, storageDataProtection.evaluate(snapshot, ctx))[0]?.body).toEqual({ deleteRetentionPolicy: { enabled: true, days: 35, allowPermanentDelete: false } });
  });
});
