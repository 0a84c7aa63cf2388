import type { RoleAssignment } from '@azure/arm-authorization';
import type { BlobContainer, BlobServiceProperties, StorageAccount } from '@azure/arm-storage';
import type { ArmResourceId } from './resourceId.js';
import { BLOB_CONTAINER, BLOB_SERVICE, ROLE_ASSIGNMENT, STORAGE_ACCOUNT } from './resourceTypes.js';

/** What Microsoft Graph says of a principal: deleted only when Graph positively says so. */
export type PrincipalStatus = 'exists' | 'deleted' | 'unknown';

/**
 * What Privileged Identity Management says of a role assignment: `managed` when a role
 * assignment schedule instance names it as its origin (PIM made it and, with an end time,
 * removes it then), `none` when no instance does, `unknown` when PIM could not be asked.
 */
export type PimSchedule =
  | { state: 'none' }
  | { state: 'managed'; instanceId: string; assignmentType?: string; endDateTime?: Date }
  | { state: 'unknown'; reason: string };

/**
 * A live resource as the SDK read it, tagged with its type so remediators can narrow it.
 * Later resource families add one member each.
 */
export type ResourceSnapshot =
  | { type: typeof STORAGE_ACCOUNT; id: ArmResourceId; resource: StorageAccount }
  | {
      type: typeof BLOB_SERVICE;
      id: ArmResourceId;
      resource: BlobServiceProperties;
      /** The account it belongs to: what the blob service can offer depends on it (hierarchical namespace). */
      account: StorageAccount;
    }
  /** A container as ARM returns it; its `immutabilityPolicy` (with the policy's etag) comes with it. */
  | { type: typeof BLOB_CONTAINER; id: ArmResourceId; resource: BlobContainer }
  | {
      type: typeof ROLE_ASSIGNMENT;
      id: ArmResourceId;
      resource: RoleAssignment;
      principal: PrincipalStatus;
      /** For an Owner assignment: how many other Owner assignments share its scope (undefined: not known). */
      otherOwnersAtScope?: number;
      /** Undefined when not looked up (an assignment the service itself just created). */
      pim?: PimSchedule;
    };

export type SnapshotOf<T extends ResourceSnapshot['type']> = Extract<ResourceSnapshot, { type: T }>;
