import { KeyVaultManagementClient, type Vault, type VaultProperties } from '@azure/arm-keyvault';
import { isRestError } from '@azure/core-rest-pipeline';
import { KeyClient } from '@azure/keyvault-keys';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ArmEvent,
  type ArmResource,
  KEY_VAULT_ARM_API_VERSIONS,
  SANDBOX_TENANT_ID,
  type Sandbox,
  type SandboxChange,
  type SandboxState,
  type SandboxIdentity,
  sandboxCredential,
  startSandbox,
} from '../../sandbox/index.js';
import { SERVICE_PRINCIPAL, SUBSCRIPTION_ID, USER, rawRequest, startWebhook } from './helpers.js';

/**
 * Microsoft.KeyVault/vaults through the real @azure/arm-keyvault client. The rules come from
 * azure-rest-api-specs `specification/keyvault/resource-manager/Microsoft.KeyVault/stable/2025-05-01/keyvault.json`
 * (VaultProperties / VaultPatchProperties) and the live error answers cited in sandbox/providers/keyVault.ts.
 */

/** What the installed @azure/arm-keyvault (5.0.0) sends; a test fails if an upgrade changes it. */
const SDK_KEY_VAULT_ARM_API_VERSION = '2026-02-01';

const RG = 'rg-clinical';
const VAULT = 'kv-phi-clinical';
const VAULT_ID = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${RG}/providers/Microsoft.KeyVault/vaults/${VAULT}`;
const OTHER_RG = 'rg-research';

/** A vault as a state file holds it: the 2025-05-01 getVault example's shape (fixtures/arm/keyvault). */
function seededVault(name: string, resourceGroup: string, properties: Record<string, unknown> = {}): ArmResource {
  return {
    id: `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${resourceGroup}/providers/Microsoft.KeyVault/vaults/${name}`,
    name,
    type: 'Microsoft.KeyVault/vaults',
    location: 'eastus2',
    tags: { 'data-classification': 'phi' },
    properties: {
      sku: { family: 'A', name: 'standard' },
      tenantId: SANDBOX_TENANT_ID,
      accessPolicies: [],
      enabledForDeployment: false,
      enabledForDiskEncryption: false,
      enabledForTemplateDeployment: false,
      enableSoftDelete: true,
      softDeleteRetentionInDays: 90,
      enableRbacAuthorization: true,
      vaultUri: `https://${name}.vault.azure.net`,
      provisioningState: 'Succeeded',
      publicNetworkAccess: 'Enabled',
      ...properties,
    },
  };
}

function stateWith(...resources: ArmResource[]): SandboxState {
  return { resources };
}

function vaultsClient(sandbox: Sandbox, identity: SandboxIdentity = SERVICE_PRINCIPAL): KeyVaultManagementClient {
  return new KeyVaultManagementClient(sandboxCredential(identity), SUBSCRIPTION_ID, {
    endpoint: sandbox.url,
    tlsOptions: { ca: sandbox.ca },
  });
}

const NEW_VAULT: VaultProperties = {
  tenantId: SANDBOX_TENANT_ID,
  sku: { family: 'A', name: 'standard' },
  accessPolicies: [],
  enableRbacAuthorization: true,
};

interface Failure {
  status: number | undefined;
  code: string | undefined;
  message: string;
}

async function failure(promise: Promise<unknown>): Promise<Failure> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isRestError(error)) throw new Error(`expected a RestError, got ${String(error)}`);
  return { status: error.statusCode, code: error.code, message: error.message };
}

async function listAll(iterable: AsyncIterable<Vault>): Promise<Vault[]> {
  const out: Vault[] = [];
  for await (const vault of iterable) out.push(vault);
  return out;
}

describe('Microsoft.KeyVault/vaults', () => {
  let sandbox: Sandbox | undefined;
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

  it('gets a vault in the 2025-05-01 shape, its vaultUri pointing at the sandbox data plane', async () => {
    sandbox = await startSandbox({ state: stateWith(seededVault(VAULT, RG)), throttling: false });
    sandbox.clearRequests();
    const vault = await vaultsClient(sandbox).vaults.get(RG, VAULT);
    expect(vault).toMatchObject({
      id: VAULT_ID,
      name: VAULT,
      type: 'Microsoft.KeyVault/vaults',
      location: 'eastus2',
      tags: { 'data-classification': 'phi' },
      properties: {
        sku: { family: 'A', name: 'standard' },
        tenantId: SANDBOX_TENANT_ID,
        enableSoftDelete: true,
        softDeleteRetentionInDays: 90,
        enableRbacAuthorization: true,
        provisioningState: 'Succeeded',
        publicNetworkAccess: 'Enabled',
        vaultUri: sandbox.keyVaultUrl,
      },
    });
    expect(sandbox.requests).toEqual([
      { method: 'GET', path: VAULT_ID, apiVersion: SDK_KEY_VAULT_ARM_API_VERSION, status: 200, callerObjectId: SERVICE_PRINCIPAL.objectId },
    ]);

    // The vaultUri is usable as it is: a KeyClient built from it reaches the sandbox's keys.
    const keys = new KeyClient(vault.properties.vaultUri ?? '', sandboxCredential(SERVICE_PRINCIPAL), {
      tlsOptions: { ca: sandbox.ca },
      disableChallengeResourceVerification: true,
    });
    expect((await keys.createKey('from-arm', 'EC')).id).toMatch(new RegExp(`^${sandbox.keyVaultUrl}/keys/from-arm/`));

    const missing = await failure(vaultsClient(sandbox).vaults.get(RG, 'kv-missing'));
    expect(missing).toMatchObject({ status: 404, code: 'ResourceNotFound' });
  });

  it('serves the configured vault, leaving other vaults their public-cloud vaultUri', async () => {
    sandbox = await startSandbox({
      state: stateWith(seededVault('kv-first', RG), seededVault(VAULT, OTHER_RG)),
      keyVaultName: VAULT,
      throttling: false,
    });
    const client = vaultsClient(sandbox);
    expect((await client.vaults.get(OTHER_RG, VAULT)).properties.vaultUri).toBe(sandbox.keyVaultUrl);
    expect((await client.vaults.get(RG, 'kv-first')).properties.vaultUri).toBe('https://kv-first.vault.azure.net');
    // A write re-derives it: callers cannot point a vault elsewhere.
    const patched = await client.vaults.update(RG, 'kv-first', { properties: { enabledForDeployment: true } });
    expect(patched.properties.vaultUri).toBe('https://kv-first.vault.azure.net');
  });

  it('re-points the served vault at the new port when a saved state is loaded again', async () => {
    sandbox = await startSandbox({ throttling: false });
    await vaultsClient(sandbox).vaults.createOrUpdate(RG, VAULT, { location: 'eastus2', properties: NEW_VAULT });
    const saved = sandbox.snapshot();
    const oldUrl = sandbox.keyVaultUrl;
    await sandbox.close();
    sandbox = await startSandbox({ state: saved, throttling: false });
    expect(sandbox.keyVaultUrl).not.toBe(oldUrl);
    expect((await vaultsClient(sandbox).vaults.get(RG, VAULT)).properties.vaultUri).toBe(sandbox.keyVaultUrl);
    expect(sandbox.snapshot().resources.find((resource) => resource.id === VAULT_ID)?.properties?.vaultUri).toBe(sandbox.keyVaultUrl);
  });

  it('accepts the SDK version and the two stable versions before it, nothing else', async () => {
    sandbox = await startSandbox({ state: stateWith(seededVault(VAULT, RG)), throttling: false });
    expect(KEY_VAULT_ARM_API_VERSIONS).toEqual([SDK_KEY_VAULT_ARM_API_VERSION, '2025-05-01', '2024-11-01']);
    for (const version of KEY_VAULT_ARM_API_VERSIONS) {
      const response = await rawRequest(sandbox, 'GET', `${VAULT_ID}?api-version=${version}`);
      expect(response.status, version).toBe(200);
      const pinned = new KeyVaultManagementClient(sandboxCredential(USER), SUBSCRIPTION_ID, {
        endpoint: sandbox.url,
        tlsOptions: { ca: sandbox.ca },
        apiVersion: version,
      });
      expect((await pinned.vaults.get(RG, VAULT)).name, version).toBe(VAULT);
    }
    const old = await rawRequest(sandbox, 'GET', `${VAULT_ID}?api-version=2023-07-01`);
    expect(old.status).toBe(400);
    expect((old.json as { error: { code: string } }).error.code).toBe('InvalidApiVersionParameter');
  });

  it('creates a vault through the long-running PUT with the service defaults', async () => {
    sandbox = await startSandbox({ throttling: false });
    const client = vaultsClient(sandbox);
    sandbox.clearRequests();
    const created = await client.vaults.createOrUpdate(RG, VAULT, { location: 'eastus2', properties: NEW_VAULT });
    // The answer says Succeeded and names no operation to poll: the poller is done after one PUT.
    expect(sandbox.requests.map((r) => [r.method, r.path, r.apiVersion, r.status])).toEqual([['PUT', VAULT_ID, SDK_KEY_VAULT_ARM_API_VERSION, 200]]);
    expect(created).toMatchObject({
      id: VAULT_ID,
      name: VAULT,
      location: 'eastus2',
      tags: {},
      properties: {
        ...NEW_VAULT,
        enabledForDeployment: false,
        enabledForDiskEncryption: false,
        enabledForTemplateDeployment: false,
        enableSoftDelete: true,
        softDeleteRetentionInDays: 90,
        publicNetworkAccess: 'Enabled',
        provisioningState: 'Succeeded',
        // The first vault of an empty sandbox is the one its data plane serves.
        vaultUri: sandbox.keyVaultUrl,
      },
    });
    expect(created.properties.enablePurgeProtection).toBeUndefined();
    expect(created.properties.createMode).toBeUndefined();
    expect(created.systemData).toMatchObject({ createdBy: SERVICE_PRINCIPAL.objectId, lastModifiedBy: SERVICE_PRINCIPAL.objectId });
    expect(await client.vaults.get(RG, VAULT)).toEqual(created);

    // A second vault is not the served one.
    const other = await client.vaults.createOrUpdate(RG, 'kv-second', { location: 'eastus2', properties: NEW_VAULT });
    expect(other.properties.vaultUri).toBe('https://kv-second.vault.azure.net');
  });

  it('refuses what the service refuses on create', async () => {
    sandbox = await startSandbox({ throttling: false });
    const client = vaultsClient(sandbox);
    const create = (name: string, properties: VaultProperties, location = 'eastus2') =>
      failure(client.vaults.createOrUpdate(RG, name, { location, properties }).pollUntilDone());

    expect(await create(VAULT, { ...NEW_VAULT, accessPolicies: undefined })).toMatchObject({
      status: 400,
      code: 'BadRequest',
      message: 'The parameter accessPolicies is not specified.',
    });
    expect(await create(VAULT, { ...NEW_VAULT, enablePurgeProtection: false })).toMatchObject({ status: 400, code: 'BadRequest' });
    expect(await create(VAULT, { ...NEW_VAULT, softDeleteRetentionInDays: 6 })).toMatchObject({ status: 400, code: 'InvalidValuesForRequestParameters' });
    expect(await create(VAULT, { ...NEW_VAULT, softDeleteRetentionInDays: 91 })).toMatchObject({ status: 400, code: 'InvalidValuesForRequestParameters' });
    expect(await create(VAULT, { ...NEW_VAULT, tenantId: 'not-a-guid' })).toMatchObject({ status: 400, code: 'InvalidValuesForRequestParameters' });
    expect(await create(VAULT, { ...NEW_VAULT, publicNetworkAccess: 'Sometimes' })).toMatchObject({ status: 400 });
    for (const name of ['kv', '1kv-starts-with-digit', 'kv--double-hyphen', 'kv-ends-with-hyphen-', 'kv-name-longer-than-24-chars']) {
      expect(await create(name, NEW_VAULT), name).toMatchObject({ status: 400, code: 'VaultNameNotValid' });
    }
    // Nothing was created by the refused requests.
    expect(await listAll(client.vaults.listBySubscription())).toEqual([]);
  });

  it('stores soft delete as enabled even when a create asks for it off', async () => {
    sandbox = await startSandbox({ throttling: false });
    const created = await vaultsClient(sandbox).vaults.createOrUpdate(RG, VAULT, {
      location: 'eastus2',
      properties: { ...NEW_VAULT, enableSoftDelete: false, softDeleteRetentionInDays: 7 },
    });
    expect(created.properties).toMatchObject({ enableSoftDelete: true, softDeleteRetentionInDays: 7 });
  });

  it('updates a vault with PATCH, merging what it is given', async () => {
    sandbox = await startSandbox({ state: stateWith(seededVault(VAULT, RG)), throttling: false });
    const client = vaultsClient(sandbox);
    const updated = await client.vaults.update(RG, VAULT, {
      properties: {
        publicNetworkAccess: 'Disabled',
        networkAcls: { bypass: 'AzureServices', defaultAction: 'Deny', ipRules: [{ value: '203.0.113.0/24' }], virtualNetworkRules: [] },
        enablePurgeProtection: true,
      },
    });
    expect(updated.properties).toMatchObject({
      publicNetworkAccess: 'Disabled',
      networkAcls: { bypass: 'AzureServices', defaultAction: 'Deny', ipRules: [{ value: '203.0.113.0/24' }], virtualNetworkRules: [] },
      enablePurgeProtection: true,
      enableRbacAuthorization: true,
      enableSoftDelete: true,
    });
    expect(updated.tags).toEqual({ 'data-classification': 'phi' });
    expect(await client.vaults.get(RG, VAULT)).toEqual(updated);

    // publicNetworkAccess is matched case-insensitively and answered in the service's casing.
    const raw = await rawRequest(sandbox, 'PATCH', `${VAULT_ID}?api-version=2025-05-01`, {
      body: JSON.stringify({ properties: { publicNetworkAccess: 'enabled' } }),
    });
    expect(raw.status).toBe(200);
    expect((raw.json as Vault).properties.publicNetworkAccess).toBe('Enabled');

    const badAcl = await failure(client.vaults.update(RG, VAULT, { properties: { networkAcls: { defaultAction: 'Block' } } }));
    expect(badAcl).toMatchObject({ status: 400, code: 'InvalidValuesForRequestParameters' });
    const missing = await failure(client.vaults.update(RG, 'kv-missing', { properties: { enabledForDeployment: true } }));
    expect(missing).toMatchObject({ status: 404, code: 'ResourceNotFound' });
  });

  it('never turns purge protection off again, by PATCH or by PUT', async () => {
    sandbox = await startSandbox({ state: stateWith(seededVault(VAULT, RG)), throttling: false });
    const client = vaultsClient(sandbox);
    await client.vaults.update(RG, VAULT, { properties: { enablePurgeProtection: true } });

    const patch = await failure(client.vaults.update(RG, VAULT, { properties: { enablePurgeProtection: false } }));
    expect(patch).toEqual({
      status: 400,
      code: 'BadRequest',
      message: 'The property "enablePurgeProtection" cannot be set to false. Enabling the purge protection for a vault is an irreversible action.',
    });
    const put = await failure(
      client.vaults.createOrUpdate(RG, VAULT, { location: 'eastus2', properties: { ...NEW_VAULT, enablePurgeProtection: false } }).pollUntilDone(),
    );
    expect(put).toMatchObject({ status: 400, code: 'BadRequest' });

    // A PUT that leaves it out does not clear it either, while what else it leaves out goes back to the defaults.
    const replaced = await client.vaults.createOrUpdate(RG, VAULT, {
      location: 'eastus2',
      properties: { ...NEW_VAULT, enableRbacAuthorization: undefined },
    });
    expect(replaced.properties).toMatchObject({ enablePurgeProtection: true, enableSoftDelete: true, softDeleteRetentionInDays: 90, enableRbacAuthorization: false });
    expect((await client.vaults.get(RG, VAULT)).properties.enablePurgeProtection).toBe(true);
  });

  it('keeps soft delete on and its retention fixed once set', async () => {
    sandbox = await startSandbox({ state: stateWith(seededVault(VAULT, RG)), throttling: false });
    const client = vaultsClient(sandbox);
    const off = await failure(client.vaults.update(RG, VAULT, { properties: { enableSoftDelete: false } }));
    expect(off).toMatchObject({ status: 400, code: 'BadRequest' });
    expect(off.message).toContain('enableSoftDelete');

    const retention = await failure(client.vaults.update(RG, VAULT, { properties: { softDeleteRetentionInDays: 30 } }));
    expect(retention).toEqual({
      status: 400,
      code: 'BadRequest',
      message: 'The property "softDeleteRetentionInDays" has been set already and it can\'t be modified.',
    });
    // Sending the value it has (a round-tripped GET) is not a modification.
    const same = await client.vaults.update(RG, VAULT, { properties: { softDeleteRetentionInDays: 90, enableSoftDelete: true } });
    expect(same.properties).toMatchObject({ softDeleteRetentionInDays: 90, enableSoftDelete: true });

    // A vault from before soft delete was enforced can turn it on, and set the retention once.
    sandbox.clearRequests();
    await sandbox.close();
    const legacy = seededVault(VAULT, RG, { enableSoftDelete: false, softDeleteRetentionInDays: undefined });
    sandbox = await startSandbox({ state: stateWith(legacy), throttling: false });
    const enabled = await vaultsClient(sandbox).vaults.update(RG, VAULT, { properties: { enableSoftDelete: true, softDeleteRetentionInDays: 14 } });
    expect(enabled.properties).toMatchObject({ enableSoftDelete: true, softDeleteRetentionInDays: 14 });
  });

  it('lists vaults by subscription and resource group, following nextLink', async () => {
    const names = Array.from({ length: 5 }, (_, i) => `kv-list-${i}`);
    sandbox = await startSandbox({
      state: stateWith(...names.map((name, i) => seededVault(name, i % 2 === 0 ? RG : OTHER_RG))),
      pageSize: 2,
      throttling: false,
    });
    const client = vaultsClient(sandbox);
    sandbox.clearRequests();
    const all = await listAll(client.vaults.listBySubscription());
    expect(all.map((vault) => vault.name).sort()).toEqual(names);
    // 5 vaults at 2 a page: three GETs, each at the SDK's api-version.
    expect(sandbox.requests.map((r) => [r.method, r.apiVersion, r.status])).toEqual([
      ['GET', SDK_KEY_VAULT_ARM_API_VERSION, 200],
      ['GET', SDK_KEY_VAULT_ARM_API_VERSION, 200],
      ['GET', SDK_KEY_VAULT_ARM_API_VERSION, 200],
    ]);
    const inGroup = await listAll(client.vaults.listByResourceGroup(OTHER_RG));
    expect(inGroup.map((vault) => vault.name).sort()).toEqual(['kv-list-1', 'kv-list-3']);
  });

  it('emits ARM write and delete events for vault writes', async () => {
    sandbox = await startSandbox({ state: stateWith(seededVault(VAULT, RG)), throttling: false });
    const webhook = await startWebhook();
    try {
      await sandbox.eventGrid.subscribe({ name: 'kv-events', endpoint: webhook.url });
      const changes: SandboxChange[] = [];
      sandbox.onChange((change) => changes.push(change));
      const client = vaultsClient(sandbox, USER);

      await client.vaults.get(RG, VAULT);
      await client.vaults.update(RG, VAULT, { properties: { publicNetworkAccess: 'Disabled' } });
      // A refused write changes nothing and says nothing.
      await failure(client.vaults.update(RG, VAULT, { properties: { enablePurgeProtection: false } }));
      await client.vaults.delete(RG, VAULT);
      await webhook.waitForNotifications(2);
      await sandbox.eventGrid.idle();

      expect(changes.map((c) => [c.operation, c.resourceType, c.caller.objectId])).toEqual([
        ['write', 'Microsoft.KeyVault/vaults', USER.objectId],
        ['delete', 'Microsoft.KeyVault/vaults', USER.objectId],
      ]);
      expect(changes[0]?.before?.properties?.publicNetworkAccess).toBe('Enabled');
      expect(changes[0]?.after?.properties?.publicNetworkAccess).toBe('Disabled');
      const events = webhook.notifications().flatMap((request) => JSON.parse(request.body) as ArmEvent[]);
      expect(events.map((event) => [event.eventType, event.subject, event.data.operationName, event.data.resourceProvider])).toEqual([
        ['Microsoft.Resources.ResourceWriteSuccess', VAULT_ID, 'Microsoft.KeyVault/vaults/write', 'Microsoft.KeyVault'],
        ['Microsoft.Resources.ResourceDeleteSuccess', VAULT_ID, 'Microsoft.KeyVault/vaults/delete', 'Microsoft.KeyVault'],
      ]);
      expect(await failure(client.vaults.get(RG, VAULT))).toMatchObject({ status: 404 });
    } finally {
      await webhook.close();
    }
  });
});
