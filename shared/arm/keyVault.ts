/**
 * What the Key Vault family reads beside a vault's ARM resource, in the `KEY_VAULT` member of the
 * snapshot union (shared/arm/snapshot.ts) — plus why, when the data plane could not be asked.
 *
 * The union's member says `keys` is undefined "when not read" and a key's rotation policy
 * `'unknown'` when it could not be read, but has no place for the reason; the family adds it
 * here, as optional fields of a subtype, so the remediator can say why in its finding (as the
 * PIM lookup does for role assignments). A snapshot without them is still a valid `KEY_VAULT`
 * snapshot: `keys` undefined with no reason means "not read", and is not judged.
 */
import type { KeyState, SnapshotOf } from './snapshot.js';
import type { KEY_VAULT } from './resourceTypes.js';

export type KeyStateRead = KeyState & {
  /** Why `rotationPolicy` is `'unknown'` (Key Vault's answer: 403, a network failure). */
  readonly rotationPolicyUnknownBecause?: string;
};

export type KeyVaultSnapshot = SnapshotOf<typeof KEY_VAULT> & {
  readonly keys?: readonly KeyStateRead[];
  /** Why `keys` is undefined: the vault's data plane refused or could not be reached. */
  readonly keysUnknownBecause?: string;
};

/** The RBAC data action that authorizes setting a key's rotation policy (Azure permissions reference, Microsoft.KeyVault). */
export const KEY_ROTATION_POLICY_WRITE = 'Microsoft.KeyVault/vaults/keyrotationpolicies/write';
