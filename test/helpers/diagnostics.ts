/**
 * Snapshots of monitored resources with their diagnostic settings, in the shape @azure/arm-monitor
 * 8 deserializes them (flattened properties; ids lower-cased in parts, as Azure Monitor answers).
 */
import type { DiagnosticSettingsResource } from '@azure/arm-monitor';
import type { Vault } from '@azure/arm-keyvault';
import type { BlobServiceProperties } from '@azure/arm-storage';
import { parseResourceId } from '../../shared/arm/resourceId.js';
import { BLOB_SERVICE, KEY_VAULT } from '../../shared/arm/resourceTypes.js';
import type { DiagnosticSettings, SnapshotOf } from '../../shared/arm/snapshot.js';
import { blobService, BLOB_SERVICE_ID, CTX } from './snapshots.js';

const SUB = '11111111-2222-4333-8444-555555555555';

/** The audit workspace of CTX's policy. */
export const AUDIT_WORKSPACE_ID = CTX.policy.diagnosticSettings.workspaceId!;
export const OTHER_WORKSPACE_ID = `/subscriptions/${SUB}/resourceGroups/rg-attacker/providers/Microsoft.OperationalInsights/workspaces/law-elsewhere`;
export const VAULT_ID = `/subscriptions/${SUB}/resourceGroups/rg-security/providers/Microsoft.KeyVault/vaults/kv-phi-keys`;

/** A setting on `scope` as the SDK returns it. */
export function setting(scope: string, name: string, properties: Omit<DiagnosticSettingsResource, 'id' | 'name' | 'type' | 'systemData'>): DiagnosticSettingsResource {
  return { id: `${scope.toLowerCase()}/providers/microsoft.insights/diagnosticSettings/${name}`, name, type: 'Microsoft.Insights/diagnosticSettings', ...properties };
}

/** The required blob service setting, compliant with CTX. */
export function compliantBlobSetting(): DiagnosticSettingsResource {
  return setting(BLOB_SERVICE_ID, 'hipaa-audit', {
    workspaceId: AUDIT_WORKSPACE_ID,
    logs: [
      { category: 'StorageRead', enabled: true },
      { category: 'StorageWrite', enabled: true },
      { category: 'StorageDelete', enabled: true },
    ],
  });
}

export function monitoredBlobService(diagnosticSettings: DiagnosticSettings, resource: BlobServiceProperties = {}): SnapshotOf<typeof BLOB_SERVICE> {
  return { ...blobService(resource), diagnosticSettings };
}

export function monitoredVault(diagnosticSettings: DiagnosticSettings, resource: Partial<Vault> = {}): SnapshotOf<typeof KEY_VAULT> {
  return {
    type: KEY_VAULT,
    id: parseResourceId(VAULT_ID),
    resource: {
      id: VAULT_ID,
      name: 'kv-phi-keys',
      type: KEY_VAULT,
      location: 'eastus2',
      // Purge protection unset and public network access on: a worst case for the vault's own remediator too.
      properties: { tenantId: '0f5e8c2a-9b7d-4e31-a6c4-5d8f2e1b3a79', sku: { family: 'A', name: 'standard' }, accessPolicies: [], publicNetworkAccess: 'Enabled' },
      ...resource,
    },
    diagnosticSettings,
  };
}
