import type { Remediator } from '../shared/remediator.js';
import type { ResourceSnapshot } from '../shared/arm/snapshot.js';
import { auditRetention } from './audit-retention.js';
import { diagnosticSettings } from './diagnostic-settings.js';
import { expiredRoleAssignments } from './expired-role-assignments.js';
import { keyVaultProtection } from './key-vault-protection.js';
import { logRetention } from './log-retention.js';
import { storagePublicAccess } from './storage-public-access.js';
import { storageDataProtection } from './storage-data-protection.js';
import { storageSecureTransfer } from './storage-secure-transfer.js';

/**
 * The registry: adding a remediator is one file plus one line here. Each remediator narrows
 * the snapshot union to its own resource types; the router only hands it those.
 */
export const REMEDIATORS: readonly Remediator<ResourceSnapshot>[] = [
  storagePublicAccess,
  storageSecureTransfer,
  storageDataProtection,
  auditRetention,
  logRetention,
  diagnosticSettings,
  keyVaultProtection,
  // (more remediators: insert above this line)
  expiredRoleAssignments,
];

export function findRemediator(id: string): Remediator<ResourceSnapshot> | undefined {
  return REMEDIATORS.find((r) => r.id === id);
}
