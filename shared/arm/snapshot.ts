import type { RoleAssignment } from '@azure/arm-authorization';
import type { Vault } from '@azure/arm-keyvault';
import type { DiagnosticSettingsResource } from '@azure/arm-monitor';
import type { Table, Workspace } from '@azure/arm-operationalinsights';
import type { KeyRotationPolicy } from '@azure/keyvault-keys';
import type { BlobContainer, BlobServiceProperties, StorageAccount } from '@azure/arm-storage';
import type { ArmResourceId } from './resourceId.js';
import { BLOB_CONTAINER, BLOB_SERVICE, KEY_VAULT, LOG_TABLE, LOG_WORKSPACE, ROLE_ASSIGNMENT, STORAGE_ACCOUNT } from './resourceTypes.js';

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

/** A key in a vault as the data plane shows it (no key material): what rotation rules judge. */
export interface KeyState {
  name: string;
  /** Data-plane id of the key (`https://<vault>/keys/<name>`). */
  id: string;
  enabled?: boolean;
  expiresOn?: Date;
  /** `unknown`: the data plane could not be asked (no permission, network rules); never treated as "no policy". */
  rotationPolicy: KeyRotationPolicy | 'unknown';
}

/**
 * The diagnostic settings on a monitored resource (undefined: not read, e.g. the type is not
 * monitored). A deleted required setting is a change to the resource's audit trail.
 */
export type DiagnosticSettings = readonly DiagnosticSettingsResource[] | undefined;

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
      diagnosticSettings?: DiagnosticSettings;
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
    }
  | {
      type: typeof KEY_VAULT;
      id: ArmResourceId;
      resource: Vault;
      /** Its keys from the data plane; undefined when not read. */
      keys?: readonly KeyState[];
      diagnosticSettings?: DiagnosticSettings;
    }
  | { type: typeof LOG_WORKSPACE; id: ArmResourceId; resource: Workspace }
  /** A Log Analytics table, as ARM returns it (its effective retention, defaults resolved). */
  | { type: typeof LOG_TABLE; id: ArmResourceId; resource: Table };
  // (more snapshot variants: insert above this line, before the semicolon)

export type SnapshotOf<T extends ResourceSnapshot['type']> = Extract<ResourceSnapshot, { type: T }>;
