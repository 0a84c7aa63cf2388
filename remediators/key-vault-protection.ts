import type { VaultPatchProperties } from '@azure/arm-keyvault';
import type { KeyRotationLifetimeAction, KeyRotationPolicy } from '@azure/keyvault-keys';
import { KEY_ROTATION_POLICY_WRITE, type KeyStateRead, type KeyVaultSnapshot } from '../shared/arm/keyVault.js';
import { KEY_VAULT } from '../shared/arm/resourceTypes.js';
import type { Change, EvalContext, Finding, Policy, Remediator } from '../shared/remediator.js';

type RotationSetting = Policy['keyVault']['rotation'];

const RECOVERY = ['data-backup', 'integrity'] as const;
const KEYS = ['encryption-at-rest'] as const;
const ACCESS = ['access-control'] as const;

/** Property of a key's rotation-policy finding: the data-plane path it is read from and written to. */
const ROTATION_PROPERTY = /^keys\/([^/]+)\/rotationpolicy$/;

/**
 * The vaults that hold ePHI encryption keys (164.312(a)(2)(iv)) must not lose them — a deleted or
 * purged key takes every byte encrypted with it along (164.312(c)(1), 164.308(a)(7)(ii)(A)) — and
 * keys must be rotated and expire. Soft delete is turned on (harmless) and keys without a rotation
 * policy that rotates and expires get the configured one; the rest is for a person, because it can
 * break a workload or cannot be undone: purge protection (irreversible, unless the operator opts
 * in), public network access, access policies instead of RBAC, an expiry on an existing key, a
 * retention shorter than policy (fixed once set). Keys the data plane would not show are reported
 * as unknown, never as "no policy". Default mode: alert.
 */
export const keyVaultProtection: Remediator<KeyVaultSnapshot> = {
  id: 'key-vault-protection',
  title: 'Key Vault recoverability (soft delete, purge protection), network exposure and key rotation',
  controls: ['encryption-at-rest', 'integrity', 'data-backup', 'access-control'],
  resourceTypes: [KEY_VAULT],
  armActions: ['Microsoft.KeyVault/vaults/write', KEY_ROTATION_POLICY_WRITE],
  defaultMode: 'alert',

  evaluate(snapshot, ctx: EvalContext) {
    const policy = ctx.policy.keyVault;
    const vault = snapshot.resource.properties ?? {};
    const findings: Finding[] = [];

    if (vault.enableSoftDelete !== true) {
      findings.push({
        controls: [...RECOVERY],
        property: 'properties.enableSoftDelete',
        actual: vault.enableSoftDelete ?? null,
        expected: true,
        message: 'soft delete is off: a deleted vault, key or secret is gone at once, and with a key the data encrypted with it',
      });
    }
    const retention = vault.softDeleteRetentionInDays;
    if (retention !== undefined && retention < policy.softDeleteRetentionDays) {
      findings.push({
        controls: [...RECOVERY],
        property: 'properties.softDeleteRetentionInDays',
        actual: retention,
        expected: policy.softDeleteRetentionDays,
        message: `soft delete keeps deleted objects ${retention} days, less than ${policy.softDeleteRetentionDays}: Key Vault never changes it once set (a new vault is needed)`,
        remediable: false,
      });
    }
    if (vault.enablePurgeProtection !== true) {
      findings.push({
        controls: [...RECOVERY],
        property: 'properties.enablePurgeProtection',
        actual: vault.enablePurgeProtection ?? null,
        expected: true,
        message: policy.remediatePurgeProtection
          ? 'purge protection is off: a soft-deleted vault or key can be purged for good before its retention ends (enabling it is irreversible; enabled as policy.keyVault.remediatePurgeProtection allows)'
          : 'purge protection is off: a soft-deleted vault or key can be purged for good before its retention ends. Enabling it is irreversible, so it is left to an operator (or set policy.keyVault.remediatePurgeProtection)',
        ...(policy.remediatePurgeProtection ? {} : { remediable: false }),
      });
    }
    const publicAccess = vault.publicNetworkAccess ?? 'Enabled';
    if (!/^disabled$/i.test(publicAccess) && !/^deny$/i.test(vault.networkAcls?.defaultAction ?? '')) {
      findings.push({
        controls: [...ACCESS],
        property: 'properties.publicNetworkAccess',
        actual: { publicNetworkAccess: publicAccess, networkAclsDefaultAction: vault.networkAcls?.defaultAction ?? null },
        expected: { publicNetworkAccess: 'Disabled', or: { networkAclsDefaultAction: 'Deny' } },
        message: 'the vault accepts requests from any network: restrict it (private endpoint, or network rules that deny by default); closing it can cut off the applications that use it, so a person decides',
        remediable: false,
      });
    }
    if (policy.requireRbacAuthorization && vault.enableRbacAuthorization !== true) {
      findings.push({
        controls: [...ACCESS],
        property: 'properties.enableRbacAuthorization',
        actual: vault.enableRbacAuthorization ?? false,
        expected: true,
        message: 'access policies, not Azure RBAC, authorize access to keys and secrets: switching changes who can use them, so a person migrates the grants first',
        remediable: false,
      });
    }
    findings.push(...keyFindings(snapshot, policy.rotation));
    return findings;
  },

  plan(snapshot, findings): Change[] {
    const properties: VaultPatchProperties = {};
    const changes: Change[] = [];
    for (const finding of findings) {
      if (finding.remediable === false) continue;
      if (finding.property === 'properties.enableSoftDelete') properties.enableSoftDelete = true;
      if (finding.property === 'properties.enablePurgeProtection') properties.enablePurgeProtection = true;
      const key = ROTATION_PROPERTY.exec(finding.property)?.[1];
      if (key !== undefined) {
        const rotation = finding.expected as RotationSetting;
        changes.push({
          operation: 'keys.updateRotationPolicy',
          method: 'PUT',
          resourceId: `${snapshot.id.id}/keys/${key}`,
          body: { expiresIn: rotation.expiresIn, lifetimeActions: rotation.lifetimeActions.map((action): KeyRotationLifetimeAction => ({ ...action })) },
          dataAction: KEY_ROTATION_POLICY_WRITE,
          target: 'keys',
          targetField: 'rotationPolicy',
        });
      }
    }
    // The vault first: soft delete protects the keys before anything else is written.
    if (Object.keys(properties).length > 0) changes.unshift({ operation: 'vaults.update', method: 'PATCH', resourceId: snapshot.id.id, body: { properties } });
    return changes;
  },
};

function keyFindings(snapshot: KeyVaultSnapshot, rotation: RotationSetting): Finding[] {
  if (snapshot.keys === undefined) {
    // Not read at all (no reason given) is not judged; refused or unreachable is reported.
    if (snapshot.keysUnknownBecause === undefined) return [];
    return [{ controls: [...KEYS], property: 'keys', actual: 'unknown', expected: 'keys readable by the service', message: `could not read keys: ${snapshot.keysUnknownBecause}`, remediable: false }];
  }
  const findings: Finding[] = [];
  for (const key of snapshot.keys) {
    // A disabled key is retired: rotating it would bring it back as a new, enabled version.
    if (key.enabled === false) continue;
    const policyFinding = rotationFinding(key, rotation);
    if (policyFinding !== undefined) findings.push(policyFinding);
    if (key.expiresOn === undefined) {
      findings.push({
        controls: [...KEYS],
        property: `keys/${key.name}/attributes.exp`,
        actual: null,
        expected: 'an expiry date',
        message: `key ${key.name} never expires: setting an expiry on a key in use can break its consumers when it passes, so a person does it (versions its rotation policy creates get one)`,
        remediable: false,
      });
    }
  }
  return findings;
}

function rotationFinding(key: KeyStateRead, rotation: RotationSetting): Finding | undefined {
  const property = `keys/${key.name}/rotationpolicy`;
  const policy = key.rotationPolicy;
  if (policy === 'unknown') {
    const because = key.rotationPolicyUnknownBecause === undefined ? '' : `: ${key.rotationPolicyUnknownBecause}`;
    return { controls: [...KEYS], property, actual: 'unknown', expected: rotation, message: `could not read the rotation policy of key ${key.name}${because}`, remediable: false };
  }
  const rotates = (policy.lifetimeActions ?? []).some((action) => /^rotate$/i.test(action.action));
  const expires = policy.expiresIn !== undefined && policy.expiresIn.length > 0;
  if (rotates && expires) return undefined;
  const message =
    policy.id === undefined && !rotates
      ? `key ${key.name} has no rotation policy: it is never rotated`
      : !rotates
        ? `key ${key.name}'s rotation policy never rotates it`
        : `key ${key.name}'s rotation policy gives new versions no expiry`;
  return { controls: [...KEYS], property, actual: describePolicy(policy), expected: rotation, message: `${message} (the configured policy replaces it; a key older than its rotation period then rotates soon)` };
}

function describePolicy(policy: KeyRotationPolicy): unknown {
  if (policy.id === undefined) return null;
  return { expiresIn: policy.expiresIn ?? null, lifetimeActions: (policy.lifetimeActions ?? []).map(({ action, timeAfterCreate, timeBeforeExpiry }) => ({ action, ...(timeAfterCreate === undefined ? {} : { timeAfterCreate }), ...(timeBeforeExpiry === undefined ? {} : { timeBeforeExpiry }) })) };
}
