import { isRestError, type StorageAccount } from '@azure/arm-storage';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../sandbox/index.js';
import { SDK_STORAGE_API_VERSION, SUBSCRIPTION_ID, accountPath, exampleState, rawRequest, storageClient } from './helpers.js';

const RG = 'rg-pharmacy';
const PRESCRIPTIONS = `${accountPath(RG, 'stpharmacyok02')}/blobServices/default/containers/prescriptions`;

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('storage accounts through @azure/arm-storage', () => {
  let sandbox: Sandbox;
  beforeEach(async () => {
    sandbox = await startSandbox({ state: await exampleState() });
  });
  afterEach(() => sandbox.close());

  it('accepts the api-version the installed SDK sends (20.1.0: 2026-04-01)', async () => {
    await storageClient(sandbox).storageAccounts.getProperties(RG, 'stpharmacyrx01');
    expect(sandbox.requests).toEqual([
      {
        method: 'GET',
        path: accountPath(RG, 'stpharmacyrx01'),
        apiVersion: SDK_STORAGE_API_VERSION,
        status: 200,
        callerObjectId: '4b8d2f6a-1c3e-45a7-b9d0-e2f4a6c8b1d3',
      },
    ]);
  });

  it('gets an account with the properties of the state', async () => {
    const account = await storageClient(sandbox).storageAccounts.getProperties(RG, 'stpharmacyrx01');
    expect(account.id).toBe(accountPath(RG, 'stpharmacyrx01'));
    expect(account.kind).toBe('StorageV2');
    expect(account.sku?.name).toBe('Standard_GRS');
    expect(account.tags).toEqual({ 'data-classification': 'phi' });
    expect(account.allowBlobPublicAccess).toBe(true);
    expect(account.minimumTlsVersion).toBe('TLS1_0');
    expect(account.enableHttpsTrafficOnly).toBe(false);
    expect(account.networkRuleSet?.defaultAction).toBe('Allow');
  });

  it('finds ids case-insensitively and answers with the stored casing', async () => {
    const response = await rawRequest(sandbox, 'GET', `${accountPath(RG, 'stpharmacyrx01').replace('resourceGroups', 'resourcegroups').toLowerCase()}?api-version=2025-08-01`);
    expect(response.status).toBe(200);
    expect((response.json as { id: string }).id).toBe(accountPath(RG, 'stpharmacyrx01'));
  });

  it('PATCH merges properties deeply and leaves the rest unchanged', async () => {
    const client = storageClient(sandbox);
    const updated = await client.storageAccounts.update(RG, 'stpharmacyrx01', {
      allowBlobPublicAccess: false,
      enableHttpsTrafficOnly: true,
      minimumTlsVersion: 'TLS1_2',
      networkRuleSet: { defaultAction: 'Deny' },
    });
    expect(updated.allowBlobPublicAccess).toBe(false);
    const stored = sandbox.snapshot().resources.find((r) => r.name === 'stpharmacyrx01');
    expect(stored?.properties).toMatchObject({
      allowBlobPublicAccess: false,
      supportsHttpsTrafficOnly: true,
      minimumTlsVersion: 'TLS1_2',
      publicNetworkAccess: 'Enabled',
      networkAcls: { bypass: 'AzureServices', virtualNetworkRules: [], ipRules: [], defaultAction: 'Deny' },
      creationTime: '2025-03-14T09:21:44.5120000Z',
    });
    expect(stored?.tags).toEqual({ 'data-classification': 'phi' });
  });

  it('PATCH replaces tags and sku when given', async () => {
    const updated = await storageClient(sandbox).storageAccounts.update(RG, 'stpharmacyrx01', {
      tags: { owner: 'pharmacy-it' },
      sku: { name: 'Standard_LRS' },
    });
    expect(updated.tags).toEqual({ owner: 'pharmacy-it' });
    expect(updated.sku).toEqual({ name: 'Standard_LRS', tier: 'Standard' });
  });

  it('creates an account with the long-running create and applies the service defaults', async () => {
    const client = storageClient(sandbox);
    const created = await client.storageAccounts.create('rg-clinical', 'stnewclinical01', {
      location: 'eastus2',
      kind: 'StorageV2',
      sku: { name: 'Standard_RAGRS' },
      tags: { 'data-classification': 'phi' },
    });
    expect(created.id).toBe(accountPath('rg-clinical', 'stnewclinical01'));
    expect(created.provisioningState).toBe('Succeeded');
    expect(created.minimumTlsVersion).toBe('TLS1_2');
    expect(created.allowBlobPublicAccess).toBe(false);
    expect(created.primaryEndpoints?.blob).toBe('https://stnewclinical01.blob.core.windows.net/');
    expect(created.secondaryLocation).toBe('centralus');
    expect(created.sku?.tier).toBe('Standard');
    const fetched = await client.storageAccounts.getProperties('rg-clinical', 'stnewclinical01');
    expect(fetched.creationTime).toEqual(created.creationTime);
    // The blob service exists with the account, as in Azure.
    const blobService = await client.blobServices.getServiceProperties('rg-clinical', 'stnewclinical01');
    expect(blobService.deleteRetentionPolicy?.enabled).toBe(false);
  });

  it('a PUT on an existing account updates the given properties only', async () => {
    const client = storageClient(sandbox);
    const updated = await client.storageAccounts.create(RG, 'stpharmacyrx01', {
      location: 'eastus2',
      kind: 'StorageV2',
      sku: { name: 'Standard_GRS' },
      minimumTlsVersion: 'TLS1_2',
    });
    expect(updated.minimumTlsVersion).toBe('TLS1_2');
    expect(updated.allowBlobPublicAccess).toBe(true);
    expect(updated.creationTime).toEqual(new Date('2025-03-14T09:21:44.512Z'));
  });

  it('refuses to move an account to another location', async () => {
    const error = await rejection(
      storageClient(sandbox).storageAccounts.create(RG, 'stpharmacyrx01', { location: 'westus', kind: 'StorageV2', sku: { name: 'Standard_GRS' } }),
    );
    expect(isRestError(error) && error.statusCode).toBe(409);
    expect(isRestError(error) && error.code).toBe('InvalidResourceLocation');
  });

  it('rejects invalid account names and missing required create fields', async () => {
    const bad = await rawRequest(sandbox, 'PUT', `${accountPath(RG, 'Bad_Name')}?api-version=2025-08-01`, {
      body: JSON.stringify({ location: 'eastus2', kind: 'StorageV2', sku: { name: 'Standard_LRS' } }),
    });
    expect(bad.status).toBe(400);
    expect((bad.json as { error: { code: string } }).error.code).toBe('AccountNameInvalid');

    const missing = await rawRequest(sandbox, 'PUT', `${accountPath(RG, 'stnosku01')}?api-version=2025-08-01`, {
      body: JSON.stringify({ location: 'eastus2', kind: 'StorageV2' }),
    });
    expect(missing.status).toBe(400);
    expect(missing.json).toEqual({
      error: { code: 'InvalidRequestContent', message: expect.stringContaining("'sku'") as unknown },
    });
  });

  it('lists by subscription and resource group, paging with nextLink', async () => {
    await sandbox.close();
    const base = await exampleState();
    const extra = Array.from({ length: 11 }, (_, i) => ({
      ...structuredClone(base.resources[0]!),
      id: accountPath(i % 2 === 0 ? 'rg-research' : 'rg-clinical', `stpaging${String(i).padStart(2, '0')}`),
      name: `stpaging${String(i).padStart(2, '0')}`,
    }));
    sandbox = await startSandbox({ state: { resources: [...base.resources, ...extra] }, pageSize: 5 });
    const client = storageClient(sandbox);

    const names: string[] = [];
    for await (const account of client.storageAccounts.list()) names.push(account.name ?? '');
    expect(names).toHaveLength(13);
    expect(new Set(names).size).toBe(13);
    const listCalls = sandbox.requests.filter((r) => r.path === `/subscriptions/${SUBSCRIPTION_ID}/providers/Microsoft.Storage/storageAccounts`);
    expect(listCalls).toHaveLength(3);
    expect(listCalls.every((r) => r.apiVersion === SDK_STORAGE_API_VERSION && r.status === 200)).toBe(true);

    const research: StorageAccount[] = [];
    for await (const account of client.storageAccounts.listByResourceGroup('rg-research')) research.push(account);
    expect(research.map((a) => a.name)).toEqual(['stpaging00', 'stpaging02', 'stpaging04', 'stpaging06', 'stpaging08', 'stpaging10']);
  });

  it('deletes an account with its children; deleting again answers 204', async () => {
    const client = storageClient(sandbox);
    await client.storageAccounts.delete(RG, 'stpharmacyok02');
    expect(sandbox.snapshot().resources.map((r) => r.name)).toEqual(['stpharmacyrx01']);
    await client.storageAccounts.delete(RG, 'stpharmacyok02');
    expect(sandbox.requests.filter((r) => r.method === 'DELETE').map((r) => r.status)).toEqual([200, 204]);
    const error = await rejection(client.storageAccounts.getProperties(RG, 'stpharmacyok02'));
    expect(isRestError(error) && error.statusCode).toBe(404);
  });

  it('answers 404 with ARM’s ResourceNotFound body', async () => {
    const response = await rawRequest(sandbox, 'GET', `${accountPath(RG, 'stmissing01')}?api-version=2025-08-01`);
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.json).toEqual({
      error: {
        code: 'ResourceNotFound',
        message:
          "The Resource 'Microsoft.Storage/storageAccounts/stmissing01' under resource group 'rg-pharmacy' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
      },
    });
    const error = await rejection(storageClient(sandbox).storageAccounts.getProperties(RG, 'stmissing01'));
    expect(isRestError(error) && error.code).toBe('ResourceNotFound');
  });

  it('validates writable properties and names the property', async () => {
    const client = storageClient(sandbox);
    const tls = await rejection(client.storageAccounts.update(RG, 'stpharmacyrx01', { minimumTlsVersion: 'TLS9' }));
    expect(isRestError(tls) && tls.statusCode).toBe(400);
    expect(isRestError(tls) && tls.code).toBe('InvalidValuesForRequestParameters');
    expect(isRestError(tls) && tls.message).toContain('properties.minimumTlsVersion');

    const typed = await rawRequest(sandbox, 'PATCH', `${accountPath(RG, 'stpharmacyrx01')}?api-version=2025-08-01`, {
      body: JSON.stringify({ properties: { allowBlobPublicAccess: 'no' } }),
    });
    expect(typed.status).toBe(400);
    expect((typed.json as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'InvalidRequestContent',
      message: expect.stringContaining('properties.allowBlobPublicAccess') as unknown,
    });

    const acl = await rawRequest(sandbox, 'PATCH', `${accountPath(RG, 'stpharmacyrx01')}?api-version=2025-08-01`, {
      body: JSON.stringify({ properties: { networkAcls: { defaultAction: 'Block' } } }),
    });
    expect((acl.json as { error: { message: string } }).error.message).toContain('properties.networkAcls.defaultAction');

    const network = await rawRequest(sandbox, 'PATCH', `${accountPath(RG, 'stpharmacyrx01')}?api-version=2025-08-01`, {
      body: JSON.stringify({ properties: { publicNetworkAccess: 'Sometimes' } }),
    });
    expect((network.json as { error: { message: string } }).error.message).toContain('properties.publicNetworkAccess');

    const malformed = await rawRequest(sandbox, 'PATCH', `${accountPath(RG, 'stpharmacyrx01')}?api-version=2025-08-01`, { body: '{"properties":' });
    expect(malformed.status).toBe(400);
    expect((malformed.json as { error: { code: string } }).error.code).toBe('InvalidRequestContent');
    // None of the rejected requests changed anything.
    expect(sandbox.snapshot()).toEqual(await exampleState());
  });

  it('ignores read-only properties in request bodies', async () => {
    const response = await rawRequest(sandbox, 'PATCH', `${accountPath(RG, 'stpharmacyrx01')}?api-version=2025-08-01`, {
      body: JSON.stringify({ properties: { provisioningState: 'Failed', creationTime: '2000-01-01T00:00:00Z' } }),
    });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ properties: { provisioningState: 'Succeeded', creationTime: '2025-03-14T09:21:44.5120000Z' } });
  });
});

describe('blob services and containers through @azure/arm-storage', () => {
  let sandbox: Sandbox;
  beforeEach(async () => {
    sandbox = await startSandbox({ state: await exampleState() });
  });
  afterEach(() => sandbox.close());

  it('gets a container with its etag', async () => {
    const container = await storageClient(sandbox).blobContainers.get(RG, 'stpharmacyok02', 'prescriptions');
    expect(container.id).toBe(PRESCRIPTIONS);
    expect(container.etag).toBe('"0x8DCB1E5A7F3C2D1"');
    expect(container.publicAccess).toBe('Blob');
    expect(container.hasImmutabilityPolicy).toBe(false);
  });

  it('PATCHes a container, changing its etag and lastModifiedTime', async () => {
    const client = storageClient(sandbox);
    const updated = await client.blobContainers.update(RG, 'stpharmacyok02', 'prescriptions', { publicAccess: 'None' });
    expect(updated.publicAccess).toBe('None');
    expect(updated.etag).toMatch(/^"0x8D[0-9A-F]{13}"$/);
    expect(updated.etag).not.toBe('"0x8DCB1E5A7F3C2D1"');
    expect(updated.lastModifiedTime?.getTime()).toBeGreaterThan(new Date('2025-06-02T17:40:11Z').getTime());
    const again = await client.blobContainers.update(RG, 'stpharmacyok02', 'prescriptions', { metadata: { owner: 'pharmacy' } });
    expect(again.etag).not.toBe(updated.etag);
    expect(again.publicAccess).toBe('None');
    expect(again.metadata).toEqual({ owner: 'pharmacy' });
  });

  it('creates a container (201) and updates it with PUT (200)', async () => {
    const client = storageClient(sandbox);
    const created = await client.blobContainers.create(RG, 'stpharmacyrx01', 'lab-results', { metadata: { unit: 'lab' } });
    expect(created.publicAccess).toBe('None');
    expect(created.defaultEncryptionScope).toBe('$account-encryption-key');
    const replaced = await client.blobContainers.create(RG, 'stpharmacyrx01', 'lab-results', { publicAccess: 'Blob' });
    expect(replaced.publicAccess).toBe('Blob');
    expect(replaced.metadata).toBeUndefined();
    expect(replaced.leaseState).toBe('Available');
    const statuses = sandbox.requests.filter((r) => r.method === 'PUT').map((r) => r.status);
    expect(statuses).toEqual([201, 200]);
  });

  it('refuses public access on a container when the account forbids it', async () => {
    const error = await rejection(storageClient(sandbox).blobContainers.create(RG, 'stpharmacyok02', 'exports', { publicAccess: 'Container' }));
    expect(isRestError(error) && error.statusCode).toBe(409);
    expect(isRestError(error) && error.code).toBe('PublicAccessNotPermitted');
  });

  it('lists containers with nextLink paging', async () => {
    await sandbox.close();
    sandbox = await startSandbox({ state: await exampleState(), pageSize: 2 });
    const client = storageClient(sandbox);
    for (const name of ['a-one', 'a-two', 'a-three', 'a-four']) await client.blobContainers.create(RG, 'stpharmacyok02', name, {});
    const names: string[] = [];
    for await (const item of client.blobContainers.list(RG, 'stpharmacyok02')) names.push(item.name ?? '');
    expect(names).toEqual(['prescriptions', 'a-one', 'a-two', 'a-three', 'a-four']);
    const listCalls = sandbox.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/containers'));
    expect(listCalls).toHaveLength(3);
  });

  it('deletes a container', async () => {
    const client = storageClient(sandbox);
    await client.blobContainers.delete(RG, 'stpharmacyok02', 'prescriptions');
    const error = await rejection(client.blobContainers.get(RG, 'stpharmacyok02', 'prescriptions'));
    expect(isRestError(error) && error.statusCode).toBe(404);
  });

  it('answers ParentResourceNotFound for a child of a missing account', async () => {
    const error = await rejection(storageClient(sandbox).blobContainers.create(RG, 'stmissing01', 'c1', {}));
    expect(isRestError(error) && error.statusCode).toBe(404);
    expect(isRestError(error) && error.code).toBe('ParentResourceNotFound');
  });

  it('sets blob service properties with merge semantics and lists the blob service', async () => {
    const client = storageClient(sandbox);
    const before = await client.blobServices.getServiceProperties(RG, 'stpharmacyok02');
    expect(before.deleteRetentionPolicy).toEqual({ enabled: false, allowPermanentDelete: false });
    await client.blobServices.setServiceProperties(RG, 'stpharmacyok02', { deleteRetentionPolicy: { enabled: true, days: 30 } });
    await client.blobServices.setServiceProperties(RG, 'stpharmacyok02', { containerDeleteRetentionPolicy: { enabled: true, days: 7 } });
    const after = await client.blobServices.getServiceProperties(RG, 'stpharmacyok02');
    expect(after.deleteRetentionPolicy).toMatchObject({ enabled: true, days: 30 });
    expect(after.containerDeleteRetentionPolicy).toMatchObject({ enabled: true, days: 7 });
    const services = [];
    for await (const service of client.blobServices.list(RG, 'stpharmacyok02')) services.push(service);
    expect(services.map((s) => s.name)).toEqual(['default']);
    const stored = sandbox.snapshot().resources.find((r) => r.type === 'Microsoft.Storage/storageAccounts/blobServices');
    expect(stored?.etag).toMatch(/^"0x8D[0-9A-F]{13}"$/);
  });

  it('rejects retention days outside 1-365', async () => {
    const error = await rejection(
      storageClient(sandbox).blobServices.setServiceProperties(RG, 'stpharmacyok02', { deleteRetentionPolicy: { enabled: true, days: 400 } }),
    );
    expect(isRestError(error) && error.statusCode).toBe(400);
    expect(isRestError(error) && error.message).toContain('properties.deleteRetentionPolicy.days');
  });

  it('rejects an invalid publicAccess value', async () => {
    const response = await rawRequest(sandbox, 'PATCH', `${PRESCRIPTIONS}?api-version=2025-08-01`, {
      body: JSON.stringify({ properties: { publicAccess: 'Everyone' } }),
    });
    expect(response.status).toBe(400);
    expect((response.json as { error: { message: string } }).error.message).toContain('properties.publicAccess');
  });
});

describe('conditional requests', () => {
  let sandbox: Sandbox;
  beforeEach(async () => {
    sandbox = await startSandbox({ state: await exampleState() });
  });
  afterEach(() => sandbox.close());

  it('answers 412 when If-Match differs from the current etag, and changes nothing', async () => {
    const error = await rejection(
      storageClient(sandbox).blobContainers.update(RG, 'stpharmacyok02', 'prescriptions', { publicAccess: 'None' }, {
        requestOptions: { headers: { 'if-match': '"x"' } },
      }),
    );
    expect(isRestError(error) && error.statusCode).toBe(412);
    expect(isRestError(error) && error.code).toBe('PreconditionFailed');
    expect(sandbox.snapshot()).toEqual(await exampleState());
  });

  it('applies the write when If-Match carries the current etag or *', async () => {
    const client = storageClient(sandbox);
    const first = await client.blobContainers.update(RG, 'stpharmacyok02', 'prescriptions', { publicAccess: 'None' }, {
      requestOptions: { headers: { 'if-match': '"0x8DCB1E5A7F3C2D1"' } },
    });
    expect(first.publicAccess).toBe('None');
    const second = await client.blobContainers.update(RG, 'stpharmacyok02', 'prescriptions', { metadata: { a: 'b' } }, {
      requestOptions: { headers: { 'if-match': '*' } },
    });
    expect(second.metadata).toEqual({ a: 'b' });
    const stale = await rejection(
      client.blobContainers.update(RG, 'stpharmacyok02', 'prescriptions', { publicAccess: 'None' }, {
        requestOptions: { headers: { 'if-match': first.etag ?? '' } },
      }),
    );
    expect(isRestError(stale) && stale.statusCode).toBe(412);
  });

  it('answers 412 to If-None-Match: * on an existing resource, and creates a missing one', async () => {
    const client = storageClient(sandbox);
    const existing = await rejection(
      client.blobContainers.create(RG, 'stpharmacyok02', 'prescriptions', {}, { requestOptions: { headers: { 'if-none-match': '*' } } }),
    );
    expect(isRestError(existing) && existing.statusCode).toBe(412);
    const created = await client.blobContainers.create(RG, 'stpharmacyok02', 'fresh', {}, { requestOptions: { headers: { 'if-none-match': '*' } } });
    expect(created.name).toBe('fresh');
  });

  it('answers 412 to If-Match: * on a missing resource', async () => {
    const response = await rawRequest(sandbox, 'PUT', `${accountPath(RG, 'stpharmacyok02')}/blobServices/default/containers/ghost?api-version=2025-08-01`, {
      body: '{}',
      headers: { 'if-match': '*' },
    });
    expect(response.status).toBe(412);
  });
});
