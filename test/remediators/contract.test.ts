/**
 * The Remediator contract (DESIGN §3), walked over the whole registry: a new remediator is
 * checked here the moment its registry line is added.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REMEDIATORS } from '../../remediators/index.js';
import { parseResourceId } from '../../shared/arm/resourceId.js';
import { BLOB_CONTAINER, BLOB_SERVICE, KEY_VAULT, LOG_TABLE, LOG_WORKSPACE, ROLE_ASSIGNMENT, STORAGE_ACCOUNT } from '../../shared/arm/resourceTypes.js';
import type { ResourceSnapshot } from '../../shared/arm/snapshot.js';
import { CONTROLS } from '../../shared/controls.js';
import { MODES } from '../../shared/remediator.js';
import { account, ACCOUNT_ID, applied, blobService, BLOB_SERVICE_ID, container, CTX, logTable, logWorkspace, OWNER, roleAssignment } from '../helpers/snapshots.js';
import { AUDIT_WORKSPACE_ID, monitoredBlobService, monitoredVault, OTHER_WORKSPACE_ID, setting, VAULT_ID } from '../helpers/diagnostics.js';
import { REPO_ROOT, sharedPath } from '../helpers/fixtures.js';
import { key, NEVER_SET, ROTATING, vault } from '../helpers/keyVaults.js';

/** Spec example bodies (Azure/azure-rest-api-specs, via ../shared/fixtures/arm) per resource type. */
const FIXTURES: Record<string, string> = {
  [STORAGE_ACCOUNT]: 'fixtures/arm/storage/storageAccounts.get.json',
  [BLOB_CONTAINER]: 'fixtures/arm/storage/blobContainers.get.json',
  [BLOB_SERVICE]: 'fixtures/arm/storage/blobServices.get.json',
  [LOG_WORKSPACE]: 'fixtures/arm/operationalinsights/workspaces.get.json',
  [LOG_TABLE]: 'fixtures/arm/operationalinsights/tables.get.json',
  [KEY_VAULT]: 'fixtures/arm/keyvault/vaults.get.2025-05-01.json',
  // (more fixtures: insert above this line)
  [ROLE_ASSIGNMENT]: 'fixtures/arm/authorization/roleAssignments.get.json',
};

/**
 * The most non-compliant snapshots of each type we can describe: every remediator must find
 * something in the first, and between them they exercise every kind of change it plans.
 */
const WORST: Record<string, readonly [ResourceSnapshot, ...ResourceSnapshot[]]> = {
  [STORAGE_ACCOUNT]: [account({ allowBlobPublicAccess: true, enableHttpsTrafficOnly: false, minimumTlsVersion: 'TLS1_0' })],
  [BLOB_CONTAINER]: [
    // An audit-log container: public, and without a retention policy...
    container({ publicAccess: 'Container', hasImmutabilityPolicy: false }, 'insights-activity-logs'),
    // ...and one whose locked policy is too short (extend only).
    container({ publicAccess: 'Blob', hasImmutabilityPolicy: true, immutabilityPolicy: { etag: '"8d9f0c0a1b2c3d4"', state: 'Locked', immutabilityPeriodSinceCreationInDays: 365 } }, 'insights-logs-auditevent'),
  ],
  [BLOB_SERVICE]: [
    blobService({ deleteRetentionPolicy: { enabled: false }, containerDeleteRetentionPolicy: { enabled: true, days: 1, allowPermanentDelete: true }, isVersioningEnabled: false }),
    // The required diagnostic setting deleted...
    monitoredBlobService([]),
    // ...and re-pointed elsewhere with a required category switched off (metrics and an extra destination kept).
    monitoredBlobService([
      setting(BLOB_SERVICE_ID, 'hipaa-audit', { workspaceId: OTHER_WORKSPACE_ID, storageAccountId: ACCOUNT_ID, logs: [{ category: 'StorageRead', enabled: false }, { category: 'StorageWrite', enabled: true }], metrics: [{ category: 'Transaction', enabled: true }] }),
    ]),
  ],
  [LOG_WORKSPACE]: [logWorkspace({ retentionInDays: 30, sku: { name: 'PerGB2018' } })],
  [LOG_TABLE]: [logTable({ retentionInDays: 30, totalRetentionInDays: 30 })],
  [KEY_VAULT]: [
    // A vault without the required setting, and one whose setting sends nothing the policy requires.
    monitoredVault([]),
    monitoredVault([setting(VAULT_ID, 'hipaa-audit', { workspaceId: AUDIT_WORKSPACE_ID, logs: [{ categoryGroup: 'audit', enabled: false }] })]),
    // Soft delete off, short retention, access policies, open network; keys never rotated, never expiring, unreadable...
    vault({ enableSoftDelete: false, softDeleteRetentionInDays: 7, enableRbacAuthorization: false, publicNetworkAccess: 'Enabled' }, {
      keys: [key('cmk-ehr', { rotationPolicy: NEVER_SET, expiresOn: undefined }), key('cmk-lab', { rotationPolicy: { ...ROTATING, expiresIn: undefined } }), key('cmk-old', { rotationPolicy: 'unknown', rotationPolicyUnknownBecause: 'Key Vault answered 403 Forbidden' })],
    }),
    // ...and a vault whose data plane refused to list its keys.
    vault({ enableSoftDelete: true }, { keysUnknownBecause: 'Key Vault answered 403 Forbidden: Client address is not authorized' }),
  ],
  // (more worst cases: insert above this line)
  [ROLE_ASSIGNMENT]: [roleAssignment({ roleDefinitionId: OWNER, description: 'expires=2026-01-01', createdOn: new Date('2025-01-01T00:00:00Z') }, 'deleted')],
};

function armActionOf(change: { method: string; resourceId: string; operation: string; dataAction?: string }): string {
  // A data-plane write is authorized by the RBAC data action its Change type names, not by an ARM action.
  if (change.dataAction !== undefined) return change.dataAction;
  const type = parseResourceId(change.resourceId).resourceType;
  // POST is an action named by the operation's verb (`immutabilityPolicies.extend` → `.../extend/action`).
  if (change.method === 'POST') return `${type}/${change.operation.split('.').at(-1) ?? ''}/action`;
  return `${type}/${change.method === 'DELETE' ? 'delete' : 'write'}`;
}

describe('remediator registry contract', () => {
  it('has unique kebab-case ids, each in a file of the same name', () => {
    const ids = REMEDIATORS.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
      expect(existsSync(join(REPO_ROOT, 'remediators', `${id}.ts`)), id).toBe(true);
    }
  });

  describe.each(REMEDIATORS.map((r) => [r.id, r] as const))('%s', (_id, remediator) => {
    it('cites only controls of the HIPAA catalog and has a valid default mode', () => {
      expect(remediator.controls.length).toBeGreaterThan(0);
      for (const control of remediator.controls) expect(Object.hasOwn(CONTROLS, control), control).toBe(true);
      expect(MODES).toContain(remediator.defaultMode);
    });

    it('has spec fixtures for every resource type it evaluates', () => {
      for (const type of remediator.resourceTypes) {
        const fixture = FIXTURES[type];
        expect(fixture, type).toBeDefined();
        expect(existsSync(sharedPath(fixture!)), fixture).toBe(true);
        expect(WORST[type], type).toBeDefined();
      }
    });

    it('declares exactly the ARM actions its plans emit, and its findings cite its own controls', () => {
      const emitted = new Set<string>();
      for (const type of remediator.resourceTypes) {
        const [first, ...others] = WORST[type]!;
        expect(remediator.evaluate(first, CTX).length, `${type} worst case`).toBeGreaterThan(0);
        for (const snapshot of [first, ...others]) {
          const findings = remediator.evaluate(snapshot, CTX);
          for (const f of findings) for (const c of f.controls) expect(remediator.controls).toContain(c);
          for (const change of remediator.plan(snapshot, findings)) emitted.add(armActionOf(change));
        }
      }
      expect([...emitted].sort()).toEqual([...remediator.armActions].sort());
    });

    it('is idempotent on its worst cases: plan(applied(plan(x))) is []', () => {
      for (const type of remediator.resourceTypes) {
        for (const snapshot of WORST[type]!) {
          const fixed = applied(snapshot, remediator.plan(snapshot, remediator.evaluate(snapshot, CTX)));
          // A deleted resource has nothing left to plan for.
          if (fixed !== undefined) expect(remediator.plan(fixed, remediator.evaluate(fixed, CTX))).toEqual([]);
        }
      }
    });
  });
});
