import { describe, expect, it } from 'vitest';
import { keyVaultProtection } from '../../remediators/key-vault-protection.js';
import type { KeyVaultSnapshot } from '../../shared/arm/keyVault.js';
import { buildConfig, ConfigError } from '../../shared/config.js';
import { DEFAULT_ROTATION_POLICY, rotationPolicyProblem } from '../../shared/keyVaultPolicy.js';
import type { EvalContext } from '../../shared/remediator.js';
import { key, NEVER_SET, PROTECTED_VAULT, ROTATING, VAULT_ID, vault } from '../helpers/keyVaults.js';
import { applied, CTX } from '../helpers/snapshots.js';

const evaluate = (s: KeyVaultSnapshot, ctx: EvalContext = CTX) => keyVaultProtection.evaluate(s, ctx);
const plan = (s: KeyVaultSnapshot, ctx: EvalContext = CTX) => keyVaultProtection.plan(s, evaluate(s, ctx));
const withPolicy = (keyVault: Partial<EvalContext['policy']['keyVault']>): EvalContext => ({ ...CTX, policy: { ...CTX.policy, keyVault: { ...CTX.policy.keyVault, ...keyVault } } });
const properties = (s: KeyVaultSnapshot) => evaluate(s).map((f) => [f.property, f.remediable !== false]);

const ROTATION_BODY = { expiresIn: 'P1Y', lifetimeActions: [{ action: 'Rotate', timeAfterCreate: 'P11M' }, { action: 'Notify', timeBeforeExpiry: 'P30D' }] };

describe('key-vault-protection (164.312(a)(2)(iv), 164.312(c)(1), 164.308(a)(7)(ii)(A), 164.312(a)(1))', () => {
  it('is compliant: soft delete 90 days, purge protection, RBAC, no public access, keys rotating and expiring', () => {
    expect(evaluate(vault(PROTECTED_VAULT, { keys: [key('cmk-ehr')] }))).toEqual([]);
    // Network rules that deny by default are enough, with public network access left on.
    expect(evaluate(vault({ ...PROTECTED_VAULT, publicNetworkAccess: 'Enabled', networkAcls: { defaultAction: 'Deny', bypass: 'AzureServices' } }))).toEqual([]);
    expect(keyVaultProtection.defaultMode).toBe('alert');
  });

  it('turns soft delete on with one PATCH of only that property (retention left to Key Vault: 90 days)', () => {
    const snapshot = vault({ ...PROTECTED_VAULT, enableSoftDelete: false, softDeleteRetentionInDays: undefined });
    expect(evaluate(snapshot)).toMatchObject([{ property: 'properties.enableSoftDelete', actual: false, expected: true, controls: ['data-backup', 'integrity'] }]);
    expect(plan(snapshot)).toEqual([{ operation: 'vaults.update', method: 'PATCH', resourceId: VAULT_ID, body: { properties: { enableSoftDelete: true } } }]);
  });

  it('purge protection is irreversible: alerted, never planned, unless policy.keyVault.remediatePurgeProtection', () => {
    const snapshot = vault({ ...PROTECTED_VAULT, enablePurgeProtection: undefined });
    const [finding] = evaluate(snapshot);
    expect(finding).toMatchObject({ property: 'properties.enablePurgeProtection', remediable: false });
    expect(finding?.message).toMatch(/irreversible/);
    expect(plan(snapshot)).toEqual([]);

    const optedIn = withPolicy({ remediatePurgeProtection: true });
    expect(evaluate(snapshot, optedIn)[0]?.remediable).toBeUndefined();
    expect(plan(snapshot, optedIn)).toEqual([{ operation: 'vaults.update', method: 'PATCH', resourceId: VAULT_ID, body: { properties: { enablePurgeProtection: true } } }]);
    // Both off: one PATCH turns on soft delete and, opted in, purge protection with it.
    const neither = vault({ ...PROTECTED_VAULT, enableSoftDelete: false, enablePurgeProtection: false });
    expect(plan(neither, optedIn)[0]?.body).toEqual({ properties: { enableSoftDelete: true, enablePurgeProtection: true } });
    expect(plan(neither)[0]?.body).toEqual({ properties: { enableSoftDelete: true } });
  });

  it('reports what only a person can change: short retention (fixed once set), open network, access policies', () => {
    const snapshot = vault({ ...PROTECTED_VAULT, softDeleteRetentionInDays: 7, publicNetworkAccess: 'enabled', networkAcls: { defaultAction: 'Allow' }, enableRbacAuthorization: false });
    expect(properties(snapshot)).toEqual([
      ['properties.softDeleteRetentionInDays', false],
      ['properties.publicNetworkAccess', false],
      ['properties.enableRbacAuthorization', false],
    ]);
    expect(plan(snapshot)).toEqual([]);
    // Absent publicNetworkAccess is Key Vault's default, Enabled.
    expect(properties(vault({ ...PROTECTED_VAULT, publicNetworkAccess: undefined }))).toEqual([['properties.publicNetworkAccess', false]]);
    expect(evaluate(vault({ ...PROTECTED_VAULT, enableRbacAuthorization: false }), withPolicy({ requireRbacAuthorization: false }))).toEqual([]);
    expect(evaluate(vault({ ...PROTECTED_VAULT, softDeleteRetentionInDays: 30 }), withPolicy({ softDeleteRetentionDays: 30 }))).toEqual([]);
  });

  it('sets the configured rotation policy on a key without one, or with one that neither rotates nor expires', () => {
    const snapshot = vault(PROTECTED_VAULT, {
      keys: [
        key('cmk-ehr', { rotationPolicy: NEVER_SET }),
        key('cmk-lab', { rotationPolicy: { ...ROTATING, expiresIn: undefined } }),
        key('cmk-rx', { rotationPolicy: { ...ROTATING, lifetimeActions: [{ action: 'Notify', timeBeforeExpiry: 'P60D' }] } }),
        key('cmk-ok'),
      ],
    });
    const findings = evaluate(snapshot);
    expect(findings.map((f) => [f.property, f.message])).toEqual([
      ['keys/cmk-ehr/rotationpolicy', expect.stringMatching(/^key cmk-ehr has no rotation policy: it is never rotated/)],
      ['keys/cmk-lab/rotationpolicy', expect.stringMatching(/^key cmk-lab's rotation policy gives new versions no expiry/)],
      ['keys/cmk-rx/rotationpolicy', expect.stringMatching(/^key cmk-rx's rotation policy never rotates it/)],
    ]);
    expect(findings[0]).toMatchObject({ actual: null, expected: CTX.policy.keyVault.rotation, controls: ['encryption-at-rest'] });
    expect(findings[1]?.actual).toEqual({ expiresIn: null, lifetimeActions: [{ action: 'Rotate', timeAfterCreate: 'P18M' }, { action: 'Notify', timeBeforeExpiry: 'P30D' }] });
    expect(plan(snapshot)).toEqual(
      ['cmk-ehr', 'cmk-lab', 'cmk-rx'].map((name) => ({
        operation: 'keys.updateRotationPolicy',
        method: 'PUT',
        resourceId: `${VAULT_ID}/keys/${name}`,
        body: ROTATION_BODY,
        dataAction: 'Microsoft.KeyVault/vaults/keyrotationpolicies/write',
        target: 'keys',
        targetField: 'rotationPolicy',
      })),
    );
  });

  it('alerts on a key without expiry (setting one can break consumers) and leaves disabled keys alone', () => {
    const snapshot = vault(PROTECTED_VAULT, { keys: [key('cmk-ehr', { expiresOn: undefined }), key('cmk-retired', { enabled: false, expiresOn: undefined, rotationPolicy: NEVER_SET })] });
    expect(evaluate(snapshot)).toMatchObject([{ property: 'keys/cmk-ehr/attributes.exp', remediable: false, message: expect.stringMatching(/never expires: .*break its consumers/) }]);
    expect(plan(snapshot)).toEqual([]);
  });

  it('a data plane that would not answer is unknown, with the reason: alerted, never taken for "no policy"', () => {
    const refused = vault(PROTECTED_VAULT, { keysUnknownBecause: 'Key Vault answered 403 Forbidden: Client address is not authorized' });
    expect(evaluate(refused)).toEqual([
      { controls: ['encryption-at-rest'], property: 'keys', actual: 'unknown', expected: 'keys readable by the service', message: 'could not read keys: Key Vault answered 403 Forbidden: Client address is not authorized', remediable: false },
    ]);
    expect(plan(refused)).toEqual([]);
    const onePolicy = vault(PROTECTED_VAULT, { keys: [key('cmk-ehr', { rotationPolicy: 'unknown', rotationPolicyUnknownBecause: 'Key Vault answered 403 Forbidden' })] });
    expect(evaluate(onePolicy)).toMatchObject([{ property: 'keys/cmk-ehr/rotationpolicy', remediable: false, message: 'could not read the rotation policy of key cmk-ehr: Key Vault answered 403 Forbidden' }]);
    expect(plan(onePolicy)).toEqual([]);
    // Keys not read at all (no reason: not asked) are not judged.
    expect(evaluate(vault(PROTECTED_VAULT, {}))).toEqual([]);
  });

  it('is idempotent: what it plans, applied, leaves nothing to plan', () => {
    const worst = vault({ enableSoftDelete: false, publicNetworkAccess: 'Enabled' }, { keys: [key('cmk-ehr', { rotationPolicy: NEVER_SET, expiresOn: undefined }), key('cmk-lab', { rotationPolicy: { ...ROTATING, expiresIn: undefined } })] });
    for (const ctx of [CTX, withPolicy({ remediatePurgeProtection: true })]) {
      const changes = plan(worst, ctx);
      expect(changes.map((c) => c.operation)).toEqual(['vaults.update', 'keys.updateRotationPolicy', 'keys.updateRotationPolicy']);
      const fixed = applied(worst, changes);
      expect(fixed).toBeDefined();
      expect(plan(fixed!, ctx)).toEqual([]);
      // The PATCH kept the vault's other properties.
      expect(fixed?.resource.properties.vaultUri).toBe(worst.resource.properties.vaultUri);
    }
  });
});

describe('policy.keyVault (config)', () => {
  it('defaults: rotate 11 months after creation, expire after a year, notify 30 days before; purge protection alert only', () => {
    expect(buildConfig({}, {}).policy.keyVault).toEqual({
      rotation: { expiresIn: 'P1Y', lifetimeActions: [{ action: 'Rotate', timeAfterCreate: 'P11M' }, { action: 'Notify', timeBeforeExpiry: 'P30D' }] },
      remediatePurgeProtection: false,
      requireRbacAuthorization: true,
      softDeleteRetentionDays: 90,
    });
    expect(rotationPolicyProblem(DEFAULT_ROTATION_POLICY)).toBeUndefined();
    const own = buildConfig({ policy: { keyVault: { rotation: { expiresIn: 'P90D', lifetimeActions: [{ action: 'Rotate', timeBeforeExpiry: 'P30D' }] }, remediatePurgeProtection: true } } }, {});
    expect(own.policy.keyVault).toMatchObject({ rotation: { expiresIn: 'P90D' }, remediatePurgeProtection: true, softDeleteRetentionDays: 90 });
  });

  it('refuses at start a rotation policy Key Vault would refuse, or one that does not rotate', () => {
    const bad: [unknown, RegExp][] = [
      [{ expiresIn: 'P14D', lifetimeActions: [{ action: 'Rotate', timeAfterCreate: 'P7D' }] }, /minimum of 28 days/],
      [{ expiresIn: 'P1Y', lifetimeActions: [{ action: 'Rotate', timeAfterCreate: 'P3D' }] }, /minimum of 7 days/],
      [{ expiresIn: 'P1Y', lifetimeActions: [{ action: 'Rotate', timeAfterCreate: 'P362D' }] }, /less than 7 days before expiry/],
      [{ expiresIn: 'P1Y', lifetimeActions: [{ action: 'Notify', timeBeforeExpiry: 'P30D' }] }, /no Rotate action/],
      [{ expiresIn: 'P1Y', lifetimeActions: [{ action: 'Rotate', timeAfterCreate: 'P90D', timeBeforeExpiry: 'P30D' }] }, /exactly one of/],
      [{ expiresIn: 'P1Y', lifetimeActions: [{ action: 'Rotate', timeAfterCreate: 'P90D' }, { action: 'Notify', timeAfterCreate: 'P30D' }] }, /Notify action can only be triggered by timeBeforeExpiry/],
      [{ expiresIn: 'one year', lifetimeActions: [{ action: 'Rotate', timeAfterCreate: 'P90D' }] }, /ISO 8601 duration/],
      [{ lifetimeActions: [{ action: 'Rotate', timeAfterCreate: 'P90D' }] }, /expiresIn/],
    ];
    for (const [rotation, message] of bad) {
      expect(() => buildConfig({ policy: { keyVault: { rotation } } }, {}), JSON.stringify(rotation)).toThrow(ConfigError);
      expect(() => buildConfig({ policy: { keyVault: { rotation } } }, {}), JSON.stringify(rotation)).toThrow(message);
    }
    expect(() => buildConfig({ policy: { keyVault: { softDeleteRetentionDays: 120 } } }, {})).toThrow(/policy\.keyVault\.softDeleteRetentionDays/);
  });
});
