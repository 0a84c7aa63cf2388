/**
 * Resource Graph rows are ARM GET bodies; shared/arm/resourceGraph/rows.ts turns them into the
 * SDK's shape by hand (the SDKs do not export their deserializers). This holds the mapping to
 * the real SDKs: for every top-level resource of the seeded healthcare subscription, each
 * remediator judges the REST body mapped from a "row" exactly as it judges what the SDK read
 * through the sandbox, and the renamed properties arrive under the SDK's names.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthcareSubscription, startSandbox, type ArmResource, type Sandbox } from '../../../sandbox/index.js';
import { REMEDIATORS } from '../../../remediators/index.js';
import { ROLE_ASSIGNMENTS_API_VERSION } from '../../../shared/arm/families/authorization.js';
import { KEY_VAULT_API_VERSION } from '../../../shared/arm/families/keyVault.js';
import { LOG_ANALYTICS_API_VERSION } from '../../../shared/arm/families/logAnalytics.js';
import { STORAGE_API_VERSION } from '../../../shared/arm/families/storage.js';
import { SdkArmGateway } from '../../../shared/arm/gateway.js';
import { roleAssignmentFromRow, storageAccountFromRow, vaultFromRow, workspaceFromRow, type GraphRow } from '../../../shared/arm/resourceGraph/rows.js';
import { parseResourceId } from '../../../shared/arm/resourceId.js';
import { KEY_VAULT, LOG_WORKSPACE, ROLE_ASSIGNMENT, STORAGE_ACCOUNT } from '../../../shared/arm/resourceTypes.js';
import { sandboxConnection } from '../../../shared/arm/sandboxConnection.js';
import type { ResourceSnapshot } from '../../../shared/arm/snapshot.js';
import { CTX } from '../../helpers/snapshots.js';
import { rawRequest } from '../../sandbox/helpers.js';

const FAMILIES = [
  { type: STORAGE_ACCOUNT, apiVersion: STORAGE_API_VERSION, fromRow: storageAccountFromRow },
  { type: ROLE_ASSIGNMENT, apiVersion: ROLE_ASSIGNMENTS_API_VERSION, fromRow: roleAssignmentFromRow },
  { type: KEY_VAULT, apiVersion: KEY_VAULT_API_VERSION, fromRow: vaultFromRow },
  { type: LOG_WORKSPACE, apiVersion: LOG_ANALYTICS_API_VERSION, fromRow: workspaceFromRow },
] as const;

let sandbox: Sandbox;
let gateway: SdkArmGateway;
let resources: ArmResource[];

beforeAll(async () => {
  const state = healthcareSubscription();
  resources = state.resources;
  sandbox = await startSandbox({ state });
  gateway = new SdkArmGateway(sandboxConnection(sandbox.url, sandbox.ca));
});

afterAll(async () => {
  await sandbox.close();
});

/** The REST body of an ARM GET, as Resource Graph indexes it (ARG lowercases `type`). */
async function rowOf(id: string, apiVersion: string): Promise<GraphRow> {
  const response = await rawRequest(sandbox, 'GET', `${id}?api-version=${apiVersion}`);
  expect(response.status).toBe(200);
  const body = response.json as GraphRow;
  return { ...body, type: (body.type ?? '').toLowerCase() };
}

describe('Resource Graph rows in the SDK shape', () => {
  for (const family of FAMILIES) {
    it(`${family.type}: every remediator judges the row as it judges the SDK's read`, async () => {
      const ids = resources.filter((r) => r.type.toLowerCase() === family.type.toLowerCase()).map((r) => r.id);
      expect(ids.length).toBeGreaterThan(0);
      let judged = 0;
      let findings = 0;
      for (const id of ids) {
        const live = await gateway.read(parseResourceId(id));
        const fromRow = { ...live, resource: family.fromRow(await rowOf(id, family.apiVersion)) } as ResourceSnapshot;
        for (const remediator of REMEDIATORS.filter((r) => r.resourceTypes.some((t) => t.toLowerCase() === family.type.toLowerCase()))) {
          const expected = remediator.evaluate(live, CTX);
          expect(remediator.evaluate(fromRow, CTX), `${remediator.id} on ${id}`).toEqual(expected);
          judged += 1;
          findings += expected.length;
        }
      }
      expect(judged).toBeGreaterThan(0);
      if (family.type !== LOG_WORKSPACE) expect(findings, 'the seed drifts somewhere in this family, so a wrong mapping would show').toBeGreaterThan(0);
    });
  }

  it('renamed storage properties arrive under the SDK names', async () => {
    const id = resources.find((r) => r.type === STORAGE_ACCOUNT)!.id;
    const live = await gateway.read(parseResourceId(id));
    const mapped = storageAccountFromRow(await rowOf(id, STORAGE_API_VERSION));
    if (live.type !== STORAGE_ACCOUNT) throw new Error('not an account');
    expect(mapped.enableHttpsTrafficOnly).toBe(live.resource.enableHttpsTrafficOnly);
    expect(mapped.networkRuleSet?.defaultAction).toBe(live.resource.networkRuleSet?.defaultAction);
    expect(mapped.minimumTlsVersion).toBe(live.resource.minimumTlsVersion);
    expect(mapped.allowBlobPublicAccess).toBe(live.resource.allowBlobPublicAccess);
    expect(mapped.creationTime?.toISOString()).toBe(live.resource.creationTime?.toISOString());
  });

  it('role assignment dates are dates, properties flattened', async () => {
    const id = resources.find((r) => r.type === ROLE_ASSIGNMENT)!.id;
    const live = await gateway.read(parseResourceId(id));
    if (live.type !== ROLE_ASSIGNMENT) throw new Error('not an assignment');
    const mapped = roleAssignmentFromRow(await rowOf(id, ROLE_ASSIGNMENTS_API_VERSION));
    expect(mapped.principalId).toBe(live.resource.principalId);
    expect(mapped.roleDefinitionId).toBe(live.resource.roleDefinitionId);
    expect(mapped.description).toBe(live.resource.description);
    expect(mapped.createdOn?.getTime()).toBe(live.resource.createdOn?.getTime());
  });
});
