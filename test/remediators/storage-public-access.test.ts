import { describe, expect, it } from 'vitest';
import { storagePublicAccess } from '../../remediators/storage-public-access.js';
import { account, applied, container, CTX } from '../helpers/snapshots.js';

describe('storage-public-access', () => {
  it('finds an account that allows anonymous blob access and plans allowBlobPublicAccess=false', () => {
    const snapshot = account({ allowBlobPublicAccess: true });
    const findings = storagePublicAccess.evaluate(snapshot, CTX);
    expect(findings).toHaveLength(1);
    expect(findings[0]?.controls).toContain('access-control');
    expect(storagePublicAccess.plan(snapshot, findings)).toEqual([
      { operation: 'storageAccounts.update', method: 'PATCH', resourceId: snapshot.id.id, body: { allowBlobPublicAccess: false } },
    ]);
  });

  it('treats an absent allowBlobPublicAccess as closed, as the spec defines it', () => {
    // Azure/azure-rest-api-specs storage.json, StorageAccountProperties.allowBlobPublicAccess:
    // "The default interpretation is false for this property." (the spec GET example omits it)
    expect(storagePublicAccess.evaluate(account({}), CTX)).toEqual([]);
  });

  it.each(['Blob', 'Container'] as const)('finds a container with publicAccess %s and plans None', (level) => {
    const snapshot = container({ publicAccess: level });
    const findings = storagePublicAccess.evaluate(snapshot, CTX);
    expect(findings[0]?.actual).toBe(level);
    expect(storagePublicAccess.plan(snapshot, findings)).toEqual([
      { operation: 'blobContainers.update', method: 'PATCH', resourceId: snapshot.id.id, body: { publicAccess: 'None' } },
    ]);
  });

  it('leaves compliant resources alone', () => {
    expect(storagePublicAccess.evaluate(account({ allowBlobPublicAccess: false }), CTX)).toEqual([]);
    expect(storagePublicAccess.evaluate(container({ publicAccess: 'None' }), CTX)).toEqual([]);
    expect(storagePublicAccess.plan(account({ allowBlobPublicAccess: false }), [])).toEqual([]);
  });

  it('is idempotent: plan(applied(plan(x))) is []', () => {
    for (const snapshot of [account({ allowBlobPublicAccess: true }), container({ publicAccess: 'Container' })]) {
      const fixed = applied(snapshot, storagePublicAccess.plan(snapshot, storagePublicAccess.evaluate(snapshot, CTX)));
      expect(storagePublicAccess.plan(fixed!, storagePublicAccess.evaluate(fixed!, CTX))).toEqual([]);
    }
  });
});
