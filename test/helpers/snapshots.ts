import type { BlobContainer, StorageAccount } from '@azure/arm-storage';
import { parseResourceId } from '../../shared/arm/resourceId.js';
import { BLOB_CONTAINER, STORAGE_ACCOUNT } from '../../shared/arm/resourceTypes.js';
import type { ResourceSnapshot, SnapshotOf } from '../../shared/arm/snapshot.js';
import type { Change, EvalContext } from '../../shared/remediator.js';

const SUB = '11111111-2222-4333-8444-555555555555';
export const ACCOUNT_ID = `/subscriptions/${SUB}/resourceGroups/rg-clinical/providers/Microsoft.Storage/storageAccounts/stclinical01`;
export const CONTAINER_ID = `${ACCOUNT_ID}/blobServices/default/containers/lab-results`;

export const CTX: EvalContext = { now: new Date('2026-11-23T00:00:00Z'), policy: { minimumTlsVersion: 'TLS1_2' } };

export function account(resource: Partial<StorageAccount>): SnapshotOf<typeof STORAGE_ACCOUNT> {
  return { type: STORAGE_ACCOUNT, id: parseResourceId(ACCOUNT_ID), resource: { id: ACCOUNT_ID, name: 'stclinical01', type: STORAGE_ACCOUNT, ...resource, location: resource.location ?? 'eastus2' } };
}

export function container(resource: BlobContainer): SnapshotOf<typeof BLOB_CONTAINER> {
  return { type: BLOB_CONTAINER, id: parseResourceId(CONTAINER_ID), resource: { id: CONTAINER_ID, name: 'lab-results', type: BLOB_CONTAINER, ...resource } };
}

/** What ARM would hold after the change: the SDK parameter fields land on the same SDK model fields. */
export function applied<S extends ResourceSnapshot>(snapshot: S, changes: readonly Change[]): S {
  let resource: object = snapshot.resource;
  for (const change of changes) resource = { ...resource, ...change.body };
  return { ...snapshot, resource } as S;
}
