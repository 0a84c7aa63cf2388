import type { BlobContainer, StorageAccount } from '@azure/arm-storage';
import type { ArmResourceId } from './resourceId.js';
import { BLOB_CONTAINER, STORAGE_ACCOUNT } from './resourceTypes.js';

/**
 * A live resource as the SDK read it, tagged with its type so remediators can narrow it.
 * Later resource families add one member each.
 */
export type ResourceSnapshot =
  | { type: typeof STORAGE_ACCOUNT; id: ArmResourceId; resource: StorageAccount }
  | { type: typeof BLOB_CONTAINER; id: ArmResourceId; resource: BlobContainer };

export type SnapshotOf<T extends ResourceSnapshot['type']> = Extract<ResourceSnapshot, { type: T }>;
