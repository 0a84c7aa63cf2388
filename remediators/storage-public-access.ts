import type { SnapshotOf } from '../shared/arm/snapshot.js';
import { BLOB_CONTAINER, STORAGE_ACCOUNT } from '../shared/arm/resourceTypes.js';
import type { Change, Remediator } from '../shared/remediator.js';

type Snapshot = SnapshotOf<typeof STORAGE_ACCOUNT> | SnapshotOf<typeof BLOB_CONTAINER>;

/**
 * Anonymous read access to blobs exposes ePHI to anyone with the URL. The account switch
 * (`allowBlobPublicAccess`) overrides every container, but containers are fixed too so that
 * re-enabling the account switch later does not silently re-open them.
 */
export const storagePublicAccess: Remediator<Snapshot> = {
  id: 'storage-public-access',
  title: 'Anonymous public read access to blob storage',
  controls: ['access-control', 'transmission-security'],
  resourceTypes: [STORAGE_ACCOUNT, BLOB_CONTAINER],
  armActions: ['Microsoft.Storage/storageAccounts/write', 'Microsoft.Storage/storageAccounts/blobServices/containers/write'],
  defaultMode: 'remediate',

  evaluate(snapshot) {
    if (snapshot.type === STORAGE_ACCOUNT) {
      // The spec: "The default interpretation is false for this property" — absent is closed.
      if (snapshot.resource.allowBlobPublicAccess !== true) return [];
      return [
        {
          controls: ['access-control', 'transmission-security'],
          property: 'properties.allowBlobPublicAccess',
          actual: true,
          expected: false,
          message: 'storage account allows anonymous public access to blobs',
        },
      ];
    }
    const actual = snapshot.resource.publicAccess ?? 'None';
    if (actual === 'None') return [];
    return [
      {
        controls: ['access-control', 'transmission-security'],
        property: 'properties.publicAccess',
        actual,
        expected: 'None',
        message: `container grants anonymous public read access (${actual})`,
      },
    ];
  },

  plan(snapshot, findings): Change[] {
    if (findings.length === 0) return [];
    if (snapshot.type === STORAGE_ACCOUNT) {
      return [{ operation: 'storageAccounts.update', method: 'PATCH', resourceId: snapshot.id.id, body: { allowBlobPublicAccess: false } }];
    }
    return [{ operation: 'blobContainers.update', method: 'PATCH', resourceId: snapshot.id.id, body: { publicAccess: 'None' } }];
  },
};

