/** ARM resource types the service reads and writes. One constant per type; compared case-insensitively. */
import type { ArmResourceId } from './resourceId.js';

export const STORAGE_ACCOUNT = 'Microsoft.Storage/storageAccounts';
export const BLOB_SERVICE = 'Microsoft.Storage/storageAccounts/blobServices';
export const BLOB_CONTAINER = 'Microsoft.Storage/storageAccounts/blobServices/containers';
export const IMMUTABILITY_POLICY = 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies';
export const ROLE_ASSIGNMENT = 'Microsoft.Authorization/roleAssignments';
export const KEY_VAULT = 'Microsoft.KeyVault/vaults';
export const LOG_WORKSPACE = 'Microsoft.OperationalInsights/workspaces';
export const LOG_TABLE = 'Microsoft.OperationalInsights/workspaces/tables';
export const DIAGNOSTIC_SETTING = 'Microsoft.Insights/diagnosticSettings';

export type SupportedResourceType = typeof STORAGE_ACCOUNT | typeof BLOB_SERVICE | typeof BLOB_CONTAINER | typeof ROLE_ASSIGNMENT;

/**
 * Sub-resources that are part of what a remediator judges: a change to a container's
 * immutability policy is a change to the container's retention, so the container is what is
 * re-read and decided on (and locked, and audited).
 */
const JUDGED_WITH_PARENT = new Set([IMMUTABILITY_POLICY].map((t) => t.toLowerCase()));

export function judgedResource(id: ArmResourceId): ArmResourceId {
  return JUDGED_WITH_PARENT.has(id.resourceType.toLowerCase()) && id.parent !== undefined ? id.parent : id;
}
