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

/**
 * Types whose audit logs must reach the audit workspace: the gateway reads their diagnostic
 * settings with them, and a write or delete of a setting on one is judged as that resource.
 */
export const DIAGNOSTICS_MONITORED_TYPES = [BLOB_SERVICE, KEY_VAULT] as const;
export type DiagnosticsMonitoredType = (typeof DIAGNOSTICS_MONITORED_TYPES)[number];
const MONITORED = new Set<string>(DIAGNOSTICS_MONITORED_TYPES.map((t) => t.toLowerCase()));

export function isDiagnosticsMonitored(type: string): boolean {
  return MONITORED.has(type.toLowerCase());
}

export function judgedResource(id: ArmResourceId): ArmResourceId {
  const parent = id.parent;
  if (parent === undefined) return id;
  const type = id.resourceType.toLowerCase();
  if (JUDGED_WITH_PARENT.has(type)) return parent;
  // A diagnostic setting is an extension on the resource whose logs it routes: deleting or
  // changing it changes that resource's audit trail. Settings elsewhere (a subscription's
  // activity log, unmonitored types) stay what they are, which no remediator handles.
  return type === DIAGNOSTIC_SETTING.toLowerCase() && isDiagnosticsMonitored(parent.resourceType) ? parent : id;
}
