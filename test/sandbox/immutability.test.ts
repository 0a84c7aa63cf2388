import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ImmutabilityPolicy, KnownVersions, StorageManagementClient, isRestError } from '@azure/arm-storage';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type ArmEvent,
  type Sandbox,
  type SandboxChange,
  type SandboxState,
  loadSandboxState,
  sandboxCredential,
  saveSandboxState,
  startSandbox,
} from '../../sandbox/index.js';
import {
  SDK_STORAGE_API_VERSION,
  SUBSCRIPTION_ID,
  USER,
  type TestWebhook,
  accountPath,
  exampleState,
  rawRequest,
  startWebhook,
  storageClient,
} from './helpers.js';

/*
 * Container immutability policies as blob.json 2025-08-01 describes them
 * (azure-rest-api-specs specification/storage/resource-manager/Microsoft.Storage/stable/2025-08-01/blob.json
 * and its examples BlobContainers{Get,Put,Delete,Lock,Extend}ImmutabilityPolicy.json), through the
 * real StorageManagementClient: the SDK default (2026-04-01) and the service's pinned 2025-08-01.
 */

const RG = 'rg-pharmacy';
const ACCOUNT = 'stpharmacyok02';
const CONTAINER = 'prescriptions';
const CONTAINER_ID = `${accountPath(RG, ACCOUNT)}/blobServices/default/containers/${CONTAINER}`;
const POLICY_ID = `${CONTAINER_ID}/immutabilityPolicies/default`;
const POLICY_TYPE = 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies';
const POLICY_ETAG = /^"8d[0-9a-f]{13}"$/;
const PINNED = KnownVersions.V20250801;

/** The client as the service builds it (shared/arm/families/storage.ts pins the api-version). */
function pinnedClient(sandbox: Sandbox): StorageManagementClient {
  return new StorageManagementClient(sandboxCredential(USER), SUBSCRIPTION_ID, {
    apiVersion: PINNED,
    endpoint: sandbox.url,
    tlsOptions: { ca: sandbox.ca },
  });
}

async function rejection(promise: Promise<unknown>): Promise<{ status: number | undefined; code: string | undefined; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (!isRestError(error)) throw error;
    return { status: error.statusCode, code: error.code, message: error.message };
  }
  throw new Error('expected the call to fail');
}

function etagOf(policy: ImmutabilityPolicy): string {
  if (policy.etag === undefined) throw new Error('policy without etag');
  return policy.etag;
}

describe.each([
  ['the SDK default api-version', SDK_STORAGE_API_VERSION, (sandbox: Sandbox) => storageClient(sandbox)],
  ['the pinned api-version', PINNED, pinnedClient],
])('container immutability policies through @azure/arm-storage (%s)', (_label, apiVersion, clientFor) => {
  let sandbox: Sandbox;
  let client: StorageManagementClient;
  beforeEach(async () => {
    sandbox = await startSandbox({ state: await exampleState() });
    client = clientFor(sandbox);
  });
  afterEach(() => sandbox.close());

  async function create(days = 2190): Promise<ImmutabilityPolicy> {
    return client.blobContainers.createOrUpdateImmutabilityPolicy(RG, ACCOUNT, CONTAINER, {
      parameters: { immutabilityPeriodSinceCreationInDays: days, allowProtectedAppendWrites: true },
    });
  }

  async function lockedPolicy(days = 2190): Promise<ImmutabilityPolicy> {
    return client.blobContainers.lockImmutabilityPolicy(RG, ACCOUNT, CONTAINER, etagOf(await create(days)));
  }

  it('shows every container an empty, unlocked policy before one is set', async () => {
    const policy = await client.blobContainers.getImmutabilityPolicy(RG, ACCOUNT, CONTAINER);
    expect(policy).toMatchObject({ id: POLICY_ID, name: 'default', type: POLICY_TYPE, immutabilityPeriodSinceCreationInDays: 0, state: 'Unlocked' });
    expect(policy.etag).toMatch(POLICY_ETAG);
    expect(sandbox.requests.map((r) => r.apiVersion)).toEqual([apiVersion]);
  });

  it('creates an unlocked policy shaped like the spec example, and the container shows it', async () => {
    const before = await client.blobContainers.get(RG, ACCOUNT, CONTAINER);
    const created = await create();
    expect(created).toMatchObject({ id: POLICY_ID, name: 'default', type: POLICY_TYPE, immutabilityPeriodSinceCreationInDays: 2190, state: 'Unlocked', allowProtectedAppendWrites: true });
    expect(created.etag).toMatch(POLICY_ETAG);

    const raw = await rawRequest(sandbox, 'GET', `${POLICY_ID}?api-version=${apiVersion}`);
    expect(raw.json).toEqual({
      id: POLICY_ID,
      name: 'default',
      type: POLICY_TYPE,
      etag: created.etag,
      properties: { immutabilityPeriodSinceCreationInDays: 2190, allowProtectedAppendWrites: true, state: 'Unlocked' },
    });
    expect(raw.headers.etag).toBe(created.etag);

    const container = await client.blobContainers.get(RG, ACCOUNT, CONTAINER);
    expect(container.hasImmutabilityPolicy).toBe(true);
    expect(container.etag).not.toBe(before.etag);
    expect(container.immutabilityPolicy).toMatchObject({
      etag: created.etag,
      immutabilityPeriodSinceCreationInDays: 2190,
      state: 'Unlocked',
      allowProtectedAppendWrites: true,
    });
    expect(container.immutabilityPolicy?.updateHistory).toEqual([
      expect.objectContaining({ update: 'put', immutabilityPeriodSinceCreationInDays: 2190, objectIdentifier: USER.objectId, tenantId: USER.tenantId, timestamp: expect.any(Date) as unknown }),
    ]);
    const listed = [];
    for await (const item of client.blobContainers.list(RG, ACCOUNT)) listed.push(item);
    expect(listed[0]?.immutabilityPolicy?.etag).toBe(created.etag);
  });

  it('updates an unlocked policy with its current etag; a stale one answers 412 and changes nothing', async () => {
    const first = await create(30);
    const second = await client.blobContainers.createOrUpdateImmutabilityPolicy(RG, ACCOUNT, CONTAINER, {
      parameters: { immutabilityPeriodSinceCreationInDays: 10, allowProtectedAppendWritesAll: true },
      ifMatch: etagOf(first),
    });
    // An unlocked policy may be shortened, and PUT replaces its settings.
    expect(second).toMatchObject({ immutabilityPeriodSinceCreationInDays: 10, allowProtectedAppendWritesAll: true, state: 'Unlocked' });
    expect(second.allowProtectedAppendWrites).toBeUndefined();
    expect(second.etag).not.toBe(first.etag);

    const snapshot = sandbox.snapshot();
    const stale = await rejection(
      client.blobContainers.createOrUpdateImmutabilityPolicy(RG, ACCOUNT, CONTAINER, { parameters: { immutabilityPeriodSinceCreationInDays: 1 }, ifMatch: etagOf(first) }),
    );
    expect(stale).toEqual({ status: 412, code: 'ContainerImmutabilityPolicyFailure', message: 'Operation not allowed on immutability policy with incorrect etag.' });
    expect(sandbox.snapshot()).toEqual(snapshot);

    const read = await rejection(client.blobContainers.getImmutabilityPolicy(RG, ACCOUNT, CONTAINER, { ifMatch: etagOf(first) }));
    expect(read.status).toBe(412);
  });

  it('locks with the current etag only', async () => {
    const created = await create();
    const stale = await rejection(client.blobContainers.lockImmutabilityPolicy(RG, ACCOUNT, CONTAINER, '"8d0000000000000"'));
    expect(stale).toMatchObject({ status: 412, code: 'ContainerImmutabilityPolicyFailure' });
    const missing = await rawRequest(sandbox, 'POST', `${POLICY_ID}/lock?api-version=${apiVersion}`);
    expect(missing.status).toBe(412);

    const locked = await client.blobContainers.lockImmutabilityPolicy(RG, ACCOUNT, CONTAINER, etagOf(created));
    expect(locked).toMatchObject({ id: POLICY_ID, state: 'Locked', immutabilityPeriodSinceCreationInDays: 2190, allowProtectedAppendWrites: true });
    expect(locked.etag).toMatch(POLICY_ETAG);
    expect(locked.etag).not.toBe(created.etag);
    expect(await client.blobContainers.getImmutabilityPolicy(RG, ACCOUNT, CONTAINER)).toMatchObject({ state: 'Locked', etag: locked.etag });
    const container = await client.blobContainers.get(RG, ACCOUNT, CONTAINER);
    expect(container.immutabilityPolicy).toMatchObject({ state: 'Locked', etag: locked.etag });
    expect(container.immutabilityPolicy?.updateHistory?.map((entry) => entry.update)).toEqual(['put', 'lock']);
  });

  it('refuses PUT, DELETE and a second lock on a locked policy', async () => {
    const locked = await lockedPolicy();
    const wrongState = { status: 409, code: 'ContainerImmutabilityPolicyFailure', message: 'Operation not allowed on immutability policy with current state.' };
    expect(
      await rejection(client.blobContainers.createOrUpdateImmutabilityPolicy(RG, ACCOUNT, CONTAINER, { parameters: { immutabilityPeriodSinceCreationInDays: 1 }, ifMatch: etagOf(locked) })),
    ).toEqual(wrongState);
    expect(await rejection(client.blobContainers.createOrUpdateImmutabilityPolicy(RG, ACCOUNT, CONTAINER, { parameters: { immutabilityPeriodSinceCreationInDays: 1 } }))).toEqual(wrongState);
    expect(await rejection(client.blobContainers.deleteImmutabilityPolicy(RG, ACCOUNT, CONTAINER, etagOf(locked)))).toEqual(wrongState);
    expect(await rejection(client.blobContainers.lockImmutabilityPolicy(RG, ACCOUNT, CONTAINER, etagOf(locked)))).toEqual(wrongState);
    expect(await client.blobContainers.getImmutabilityPolicy(RG, ACCOUNT, CONTAINER)).toMatchObject({ state: 'Locked', etag: locked.etag, immutabilityPeriodSinceCreationInDays: 2190 });
  });

  it('extends a locked policy (never shorter, at most five times)', async () => {
    let policy = await lockedPolicy(100);
    const unchanged = await client.blobContainers.extendImmutabilityPolicy(RG, ACCOUNT, CONTAINER, etagOf(policy), { parameters: { immutabilityPeriodSinceCreationInDays: 100 } });
    expect(unchanged).toMatchObject({ state: 'Locked', immutabilityPeriodSinceCreationInDays: 100 });
    expect(unchanged.etag).not.toBe(policy.etag);
    policy = unchanged;

    const shorter = await rejection(client.blobContainers.extendImmutabilityPolicy(RG, ACCOUNT, CONTAINER, etagOf(policy), { parameters: { immutabilityPeriodSinceCreationInDays: 99 } }));
    expect(shorter).toMatchObject({ status: 409, code: 'ContainerImmutabilityPolicyFailure' });
    expect(shorter.message).toContain('can only be extended');
    const stale = await rejection(client.blobContainers.extendImmutabilityPolicy(RG, ACCOUNT, CONTAINER, '"8d0000000000000"', { parameters: { immutabilityPeriodSinceCreationInDays: 200 } }));
    expect(stale.status).toBe(412);
    // Append-write settings are fixed once locked.
    const appendAll = await rejection(
      client.blobContainers.extendImmutabilityPolicy(RG, ACCOUNT, CONTAINER, etagOf(policy), { parameters: { immutabilityPeriodSinceCreationInDays: 200, allowProtectedAppendWritesAll: true } }),
    );
    expect(appendAll.status).toBe(409);

    for (const days of [200, 300, 400, 500]) {
      policy = await client.blobContainers.extendImmutabilityPolicy(RG, ACCOUNT, CONTAINER, etagOf(policy), { parameters: { immutabilityPeriodSinceCreationInDays: days } });
      expect(policy).toMatchObject({ state: 'Locked', immutabilityPeriodSinceCreationInDays: days, allowProtectedAppendWrites: true });
    }
    const sixth = await rejection(client.blobContainers.extendImmutabilityPolicy(RG, ACCOUNT, CONTAINER, etagOf(policy), { parameters: { immutabilityPeriodSinceCreationInDays: 600 } }));
    expect(sixth).toMatchObject({ status: 409, code: 'ContainerImmutabilityPolicyFailure' });
    expect(sixth.message).toContain('at most 5 times');

    const container = await client.blobContainers.get(RG, ACCOUNT, CONTAINER);
    expect(container.immutabilityPolicy).toMatchObject({ etag: policy.etag, immutabilityPeriodSinceCreationInDays: 500, state: 'Locked' });
    expect(container.immutabilityPolicy?.updateHistory?.map((entry) => [entry.update, entry.immutabilityPeriodSinceCreationInDays])).toEqual([
      ['put', 100],
      ['lock', 100],
      ['extend', 100],
      ['extend', 200],
      ['extend', 300],
      ['extend', 400],
      ['extend', 500],
    ]);
  });

  it('extends only a locked policy', async () => {
    const created = await create();
    const unlocked = await rejection(client.blobContainers.extendImmutabilityPolicy(RG, ACCOUNT, CONTAINER, etagOf(created), { parameters: { immutabilityPeriodSinceCreationInDays: 3000 } }));
    expect(unlocked).toMatchObject({ status: 409, code: 'ContainerImmutabilityPolicyFailure' });
  });

  it('deletes an unlocked policy with its etag: the answer and the container show no policy', async () => {
    const created = await create();
    const missing = await rawRequest(sandbox, 'DELETE', `${POLICY_ID}?api-version=${apiVersion}`);
    expect(missing.status).toBe(412);
    expect(missing.json).toEqual({ error: { code: 'ContainerImmutabilityPolicyFailure', message: 'Operation not allowed on immutability policy with incorrect etag.' } });

    const deleted = await client.blobContainers.deleteImmutabilityPolicy(RG, ACCOUNT, CONTAINER, etagOf(created));
    // "The response of delete has immutabilityPeriodSinceCreationInDays set to 0" (spec).
    expect(deleted).toMatchObject({ id: POLICY_ID, immutabilityPeriodSinceCreationInDays: 0, state: 'Unlocked' });
    expect(deleted.etag).toMatch(POLICY_ETAG);
    expect(deleted.etag).not.toBe(created.etag);
    expect(await client.blobContainers.getImmutabilityPolicy(RG, ACCOUNT, CONTAINER)).toMatchObject({ immutabilityPeriodSinceCreationInDays: 0, state: 'Unlocked', etag: deleted.etag });
    const container = await client.blobContainers.get(RG, ACCOUNT, CONTAINER);
    expect(container.hasImmutabilityPolicy).toBe(false);
    expect(container.immutabilityPolicy).toBeUndefined();
    expect(sandbox.snapshot().resources.some((r) => r.type === POLICY_TYPE)).toBe(false);
  });

  it('refuses bodies and names the service refuses', async () => {
    const put = (body: unknown, name = 'default') =>
      rawRequest(sandbox, 'PUT', `${CONTAINER_ID}/immutabilityPolicies/${name}?api-version=${apiVersion}`, { body: JSON.stringify(body) });
    for (const days of [0, 146_001, 1.5]) {
      const answer = await put({ properties: { immutabilityPeriodSinceCreationInDays: days } });
      expect(answer.status, String(days)).toBe(400);
      expect((answer.json as { error: { message: string } }).error.message).toContain('immutabilityPeriodSinceCreationInDays');
    }
    expect((await put({ properties: { immutabilityPeriodSinceCreationInDays: 146_000 } })).status).toBe(200);
    const both = await put({ properties: { immutabilityPeriodSinceCreationInDays: 7, allowProtectedAppendWrites: true, allowProtectedAppendWritesAll: true } });
    expect(both.status).toBe(400);
    expect((both.json as { error: { message: string } }).error.message).toContain('mutually exclusive');
    expect((await put({})).status).toBe(400);
    const other = await put({ properties: { immutabilityPeriodSinceCreationInDays: 7 } }, 'custom');
    expect(other.status).toBe(400);
    expect((other.json as { error: { code: string } }).error.code).toBe('InvalidResourceName');
    const orphan = await rawRequest(sandbox, 'GET', `${accountPath(RG, ACCOUNT)}/blobServices/default/containers/ghost/immutabilityPolicies/default?api-version=${apiVersion}`);
    expect(orphan.status).toBe(404);
    expect((orphan.json as { error: { code: string } }).error.code).toBe('ParentResourceNotFound');
    const unknownAction = await rawRequest(sandbox, 'POST', `${POLICY_ID}/unlock?api-version=${apiVersion}`, { headers: { 'if-match': '*' } });
    expect(unknownAction.status).toBe(404);
    expect((unknownAction.json as { error: { code: string } }).error.code).toBe('InvalidResourceType');
  });
});

describe('immutability policy events and state', () => {
  let sandbox: Sandbox;
  let webhook: TestWebhook | undefined;
  let directory: string | undefined;
  beforeEach(async () => {
    sandbox = await startSandbox({ state: await exampleState() });
  });
  afterEach(async () => {
    await sandbox.close();
    await webhook?.close();
    webhook = undefined;
    if (directory !== undefined) await rm(directory, { recursive: true, force: true });
    directory = undefined;
  });

  it('publishes a write event for PUT and action events for lock and extend', async () => {
    webhook = await startWebhook();
    await sandbox.eventGrid.subscribe({ name: 'immutability', endpoint: webhook.url });
    const changes: SandboxChange[] = [];
    sandbox.onChange((change) => changes.push(change));
    const client = pinnedClient(sandbox);

    const created = await client.blobContainers.createOrUpdateImmutabilityPolicy(RG, ACCOUNT, CONTAINER, { parameters: { immutabilityPeriodSinceCreationInDays: 7 } });
    const locked = await client.blobContainers.lockImmutabilityPolicy(RG, ACCOUNT, CONTAINER, etagOf(created));
    await client.blobContainers.extendImmutabilityPolicy(RG, ACCOUNT, CONTAINER, etagOf(locked), { parameters: { immutabilityPeriodSinceCreationInDays: 14 } });
    // A refused request changes nothing and publishes nothing.
    expect((await rejection(client.blobContainers.createOrUpdateImmutabilityPolicy(RG, ACCOUNT, CONTAINER, { parameters: { immutabilityPeriodSinceCreationInDays: 1 } }))).status).toBe(409);
    await sandbox.eventGrid.idle();

    const events = webhook.notifications().flatMap((request) => JSON.parse(request.body) as ArmEvent[]);
    expect(events.map((event) => [event.eventType, event.data.operationName, event.subject])).toEqual([
      ['Microsoft.Resources.ResourceWriteSuccess', `${POLICY_TYPE}/write`, POLICY_ID],
      ['Microsoft.Resources.ResourceActionSuccess', `${POLICY_TYPE}/lock/action`, POLICY_ID],
      ['Microsoft.Resources.ResourceActionSuccess', `${POLICY_TYPE}/extend/action`, POLICY_ID],
    ]);
    const [, lockEvent] = events as [ArmEvent, ArmEvent];
    // Like the docs' listKeys example: the subject is the resource, the URL the action's.
    expect(lockEvent.data).toMatchObject({
      authorization: { scope: POLICY_ID, action: `${POLICY_TYPE}/lock/action` },
      resourceUri: POLICY_ID,
      resourceProvider: 'Microsoft.Storage',
      httpRequest: { method: 'POST', url: `${sandbox.url}${POLICY_ID}/lock?api-version=${PINNED}` },
      status: 'Succeeded',
    });

    // Every write also rewrites the container that shows the policy (no event of its own).
    expect(changes.map((change) => [change.operation, change.action, change.resourceType])).toEqual([
      ['write', undefined, POLICY_TYPE],
      ['write', undefined, 'Microsoft.Storage/storageAccounts/blobServices/containers'],
      ['write', 'lock', POLICY_TYPE],
      ['write', undefined, 'Microsoft.Storage/storageAccounts/blobServices/containers'],
      ['write', 'extend', POLICY_TYPE],
      ['write', undefined, 'Microsoft.Storage/storageAccounts/blobServices/containers'],
    ]);
  });

  it('publishes a delete event for DELETE', async () => {
    webhook = await startWebhook();
    await sandbox.eventGrid.subscribe({ name: 'immutability', endpoint: webhook.url });
    const client = pinnedClient(sandbox);
    const created = await client.blobContainers.createOrUpdateImmutabilityPolicy(RG, ACCOUNT, CONTAINER, { parameters: { immutabilityPeriodSinceCreationInDays: 7 } });
    await client.blobContainers.deleteImmutabilityPolicy(RG, ACCOUNT, CONTAINER, etagOf(created));
    await sandbox.eventGrid.idle();
    const events = webhook.notifications().flatMap((request) => JSON.parse(request.body) as ArmEvent[]);
    expect(events.map((event) => [event.eventType, event.data.operationName])).toEqual([
      ['Microsoft.Resources.ResourceWriteSuccess', `${POLICY_TYPE}/write`],
      ['Microsoft.Resources.ResourceDeleteSuccess', `${POLICY_TYPE}/delete`],
    ]);
  });

  it('keeps policies as entries with full ids: a saved state loads back with the policy locked', async () => {
    const client = pinnedClient(sandbox);
    const created = await client.blobContainers.createOrUpdateImmutabilityPolicy(RG, ACCOUNT, CONTAINER, { parameters: { immutabilityPeriodSinceCreationInDays: 2190 } });
    const locked = await client.blobContainers.lockImmutabilityPolicy(RG, ACCOUNT, CONTAINER, etagOf(created));
    const before = await client.blobContainers.get(RG, ACCOUNT, CONTAINER);

    directory = await mkdtemp(join(tmpdir(), 'sandbox-immutability-'));
    const file = join(directory, 'state.json');
    await saveSandboxState(file, sandbox.snapshot());
    const loaded = await loadSandboxState(file);
    expect(loaded.resources.find((r) => r.type === POLICY_TYPE)).toEqual({
      id: POLICY_ID,
      name: 'default',
      type: POLICY_TYPE,
      etag: locked.etag,
      properties: { immutabilityPeriodSinceCreationInDays: 2190, state: 'Locked' },
    });
    await sandbox.close();

    sandbox = await startSandbox({ state: loaded });
    const again = pinnedClient(sandbox);
    expect(await again.blobContainers.getImmutabilityPolicy(RG, ACCOUNT, CONTAINER)).toMatchObject({ state: 'Locked', etag: locked.etag });
    expect((await again.blobContainers.get(RG, ACCOUNT, CONTAINER)).immutabilityPolicy).toEqual(before.immutabilityPolicy);
    expect((await rejection(again.blobContainers.deleteImmutabilityPolicy(RG, ACCOUNT, CONTAINER, etagOf(locked)))).status).toBe(409);
    const extended = await again.blobContainers.extendImmutabilityPolicy(RG, ACCOUNT, CONTAINER, etagOf(locked), { parameters: { immutabilityPeriodSinceCreationInDays: 2555 } });
    expect(extended.immutabilityPeriodSinceCreationInDays).toBe(2555);
    expect(sandbox.snapshot().resources.map((r) => r.id)).toEqual(loaded.resources.map((r) => r.id));
  });

  it('serves the policy a state file shows only on its container', async () => {
    await sandbox.close();
    const base = await exampleState();
    const shown = { etag: '"8d592d74cb3011a"', properties: { immutabilityPeriodSinceCreationInDays: 100, state: 'Locked' }, updateHistory: [] };
    const state: SandboxState = {
      resources: base.resources.map((r) => (r.id === CONTAINER_ID ? { ...r, properties: { ...r.properties, hasImmutabilityPolicy: true, immutabilityPolicy: shown } } : r)),
    };
    sandbox = await startSandbox({ state });
    const client = pinnedClient(sandbox);
    expect(await client.blobContainers.getImmutabilityPolicy(RG, ACCOUNT, CONTAINER)).toMatchObject({ etag: shown.etag, state: 'Locked', immutabilityPeriodSinceCreationInDays: 100 });
    expect((await rejection(client.blobContainers.deleteImmutabilityPolicy(RG, ACCOUNT, CONTAINER, shown.etag))).status).toBe(409);
    const extended = await client.blobContainers.extendImmutabilityPolicy(RG, ACCOUNT, CONTAINER, shown.etag, { parameters: { immutabilityPeriodSinceCreationInDays: 365 } });
    expect(extended).toMatchObject({ state: 'Locked', immutabilityPeriodSinceCreationInDays: 365 });
    expect(sandbox.snapshot().resources.find((r) => r.type === POLICY_TYPE)?.id).toBe(POLICY_ID);
  });

  it('deletes an unlocked policy a state file shows only on its container', async () => {
    await sandbox.close();
    const base = await exampleState();
    const shown = { etag: '"8d59f828e64b75c"', properties: { immutabilityPeriodSinceCreationInDays: 5, state: 'Unlocked' } };
    sandbox = await startSandbox({
      state: { resources: base.resources.map((r) => (r.id === CONTAINER_ID ? { ...r, properties: { ...r.properties, hasImmutabilityPolicy: true, immutabilityPolicy: shown } } : r)) },
    });
    const changes: SandboxChange[] = [];
    sandbox.onChange((change) => changes.push(change));
    const client = pinnedClient(sandbox);
    const deleted = await client.blobContainers.deleteImmutabilityPolicy(RG, ACCOUNT, CONTAINER, shown.etag);
    expect(deleted).toMatchObject({ immutabilityPeriodSinceCreationInDays: 0, state: 'Unlocked' });
    expect((await client.blobContainers.get(RG, ACCOUNT, CONTAINER)).hasImmutabilityPolicy).toBe(false);
    expect(changes.map((change) => [change.operation, change.resourceType])).toEqual([
      ['delete', POLICY_TYPE],
      ['write', 'Microsoft.Storage/storageAccounts/blobServices/containers'],
    ]);
  });
});
