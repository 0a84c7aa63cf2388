/**
 * Key Vault snapshots for the pure tests: a vault in the shape of the 2025-05-01 getVault
 * example (../shared/fixtures/arm/keyvault/vaults.get.2025-05-01.json) and its keys as the data
 * plane shows them (KeyProperties + KeyRotationPolicy, as @azure/keyvault-keys returns them).
 */
import type { VaultProperties } from '@azure/arm-keyvault';
import type { KeyRotationPolicy } from '@azure/keyvault-keys';
import type { KeyStateRead, KeyVaultSnapshot } from '../../shared/arm/keyVault.js';
import { parseResourceId } from '../../shared/arm/resourceId.js';
import { KEY_VAULT } from '../../shared/arm/resourceTypes.js';

const SUB = '11111111-2222-4333-8444-555555555555';
export const VAULT_NAME = 'kv-phi-clinical';
export const VAULT_ID = `/subscriptions/${SUB}/resourceGroups/rg-clinical/providers/Microsoft.KeyVault/vaults/${VAULT_NAME}`;
export const VAULT_URI = `https://${VAULT_NAME}.vault.azure.net`;

/** Everything a protected vault has: soft delete (90 days), purge protection, RBAC, no public access. */
export const PROTECTED_VAULT: Partial<VaultProperties> = {
  enableSoftDelete: true,
  softDeleteRetentionInDays: 90,
  enablePurgeProtection: true,
  enableRbacAuthorization: true,
  publicNetworkAccess: 'Disabled',
};

/** A policy that rotates and expires, as the data plane answers it once set. */
export const ROTATING: KeyRotationPolicy = {
  id: `${VAULT_URI}/keys/cmk-ehr/rotationpolicy`,
  expiresIn: 'P2Y',
  lifetimeActions: [
    { action: 'Rotate', timeAfterCreate: 'P18M' },
    { action: 'Notify', timeBeforeExpiry: 'P30D' },
  ],
  createdOn: new Date('2026-01-05T00:00:00Z'),
  updatedOn: new Date('2026-01-05T00:00:00Z'),
};

/** What the data plane answers for a key that never had a policy: the default Notify, no id. */
export const NEVER_SET: KeyRotationPolicy = { lifetimeActions: [{ action: 'Notify', timeBeforeExpiry: 'P30D' }] };

export function key(name: string, state: Partial<KeyStateRead> = {}): KeyStateRead {
  return { name, id: `${VAULT_URI}/keys/${name}`, enabled: true, expiresOn: new Date('2027-06-01T00:00:00Z'), rotationPolicy: ROTATING, ...state };
}

export function vault(properties: Partial<VaultProperties>, beside: Pick<KeyVaultSnapshot, 'keys' | 'keysUnknownBecause'> = { keys: [] }): KeyVaultSnapshot {
  return {
    type: KEY_VAULT,
    id: parseResourceId(VAULT_ID),
    resource: {
      id: VAULT_ID,
      name: VAULT_NAME,
      type: KEY_VAULT,
      location: 'eastus2',
      tags: {},
      properties: { tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47', sku: { family: 'A', name: 'standard' }, accessPolicies: [], vaultUri: VAULT_URI, ...properties },
    },
    ...beside,
  };
}
