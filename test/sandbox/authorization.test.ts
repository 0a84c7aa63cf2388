import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthorizationManagementClient, type RoleAssignment } from '@azure/arm-authorization';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ArmEvent,
  type ArmResource,
  type Sandbox,
  type SandboxChange,
  type SandboxIdentity,
  loadSandboxState,
  parseSandboxState,
  saveSandboxState,
  sandboxCredential,
  startSandbox,
} from '../../sandbox/index.js';
import { BUILT_IN_ROLE_IDS } from '../../sandbox/providers/authorization.js';
import { SERVICE_PRINCIPAL, SUBSCRIPTION_ID, USER, accountPath, exampleState, rawRequest, startWebhook } from './helpers.js';

/** What @azure/arm-authorization 9.0.0 sends for roleAssignments and roleDefinitions; fails if an upgrade changes it. */
const SDK_AUTHORIZATION_API_VERSION = '2022-04-01';

const SUBSCRIPTION_SCOPE = `/subscriptions/${SUBSCRIPTION_ID}`;
const READER = `/providers/Microsoft.Authorization/roleDefinitions/${BUILT_IN_ROLE_IDS.reader}`;
const OWNER = `/subscriptions/${SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/${BUILT_IN_ROLE_IDS.owner}`;
const PRINCIPAL = 'ce2ce14e-85d7-4629-bdbc-454d0519d987';
const ACCOUNT = accountPath('rg-pharmacy', 'stpharmacyrx01');

function guid(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

function authorizationClient(sandbox: Sandbox, identity: SandboxIdentity = USER): AuthorizationManagementClient {
  return new AuthorizationManagementClient(sandboxCredential(identity), SUBSCRIPTION_ID, {
    endpoint: sandbox.url,
    tlsOptions: { ca: sandbox.ca },
  });
}

async function statusOf(action: () => Promise<unknown>): Promise<{ statusCode?: number; code?: string }> {
  try {
    await action();
  } catch (error) {
    return error as { statusCode?: number; code?: string };
  }
  throw new Error('expected the request to fail');
}

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

describe('Microsoft.Authorization/roleAssignments', () => {
  it('creates, reads and deletes an assignment at subscription scope with the real client', async () => {
    sandbox = await startSandbox({ throttling: false });
    const client = authorizationClient(sandbox);
    const name = guid(1);
    const created = await client.roleAssignments.create(SUBSCRIPTION_SCOPE, name, {
      roleDefinitionId: READER,
      principalId: PRINCIPAL,
      description: 'audit reader',
    });
    expect(created).toMatchObject({
      id: `${SUBSCRIPTION_SCOPE}/providers/Microsoft.Authorization/roleAssignments/${name}`,
      name,
      type: 'Microsoft.Authorization/roleAssignments',
      roleDefinitionId: READER,
      principalId: PRINCIPAL,
      principalType: 'User',
      scope: SUBSCRIPTION_SCOPE,
      description: 'audit reader',
      createdBy: USER.objectId,
      updatedBy: USER.objectId,
    });
    expect(created.createdOn).toBeInstanceOf(Date);

    const request = sandbox.requests.find((r) => r.method === 'PUT');
    expect(request?.apiVersion).toBe(SDK_AUTHORIZATION_API_VERSION);
    expect(request?.status).toBe(201);

    const fetched = await client.roleAssignments.get(SUBSCRIPTION_SCOPE, name);
    expect(fetched).toEqual(created);

    // The raw body has exactly the spec example's shape (roleAssignments.get.json) plus the service-filled fields.
    const raw = await rawRequest(sandbox, 'GET', `${created.id}?api-version=${SDK_AUTHORIZATION_API_VERSION}`);
    expect(Object.keys(raw.json as object).sort()).toEqual(['id', 'name', 'properties', 'type']);
    expect(Object.keys((raw.json as { properties: object }).properties).sort()).toEqual(
      ['createdBy', 'createdOn', 'description', 'principalId', 'principalType', 'roleDefinitionId', 'scope', 'updatedBy', 'updatedOn'].sort(),
    );

    const deleted = await client.roleAssignments.delete(SUBSCRIPTION_SCOPE, name);
    expect(deleted).toEqual(created);
    expect((await statusOf(() => client.roleAssignments.get(SUBSCRIPTION_SCOPE, name))).statusCode).toBe(404);
    const again = await rawRequest(sandbox, 'DELETE', `${created.id}?api-version=${SDK_AUTHORIZATION_API_VERSION}`);
    expect(again.status).toBe(204);
  });

  it('serves assignments on a resource group and on a resource (which must exist)', async () => {
    sandbox = await startSandbox({ state: await exampleState(), throttling: false });
    const client = authorizationClient(sandbox, SERVICE_PRINCIPAL);
    const onAccount = await client.roleAssignments.create(ACCOUNT, guid(2), {
      roleDefinitionId: OWNER,
      principalId: PRINCIPAL,
      principalType: 'ServicePrincipal',
    });
    expect(onAccount.id).toBe(`${ACCOUNT}/providers/Microsoft.Authorization/roleAssignments/${guid(2)}`);
    expect(onAccount.scope).toBe(ACCOUNT);
    expect(onAccount.createdBy).toBe(SERVICE_PRINCIPAL.objectId);
    expect(onAccount.principalType).toBe('ServicePrincipal');

    const group = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-pharmacy`;
    const onGroup = await client.roleAssignments.create(group, guid(3), { roleDefinitionId: READER, principalId: PRINCIPAL });
    expect(onGroup.scope).toBe(group);

    const forAccount: RoleAssignment[] = [];
    for await (const assignment of client.roleAssignments.listForScope(ACCOUNT)) forAccount.push(assignment);
    expect(forAccount.map((a) => a.name)).toEqual([guid(2)]);

    const missing = accountPath('rg-pharmacy', 'stmissing01');
    const error = await statusOf(() => client.roleAssignments.create(missing, guid(4), { roleDefinitionId: READER, principalId: PRINCIPAL }));
    expect(error.statusCode).toBe(404);
    expect(error.code).toBe('ParentResourceNotFound');

    // Deleting the resource takes its assignments with it, as in ARM.
    await rawRequest(sandbox, 'DELETE', `${ACCOUNT}?api-version=2025-08-01`);
    expect(sandbox.snapshot().resources.some((r) => r.id === onAccount.id)).toBe(false);
  });

  it('refuses what ARM refuses: duplicates, changed role or principal, non-GUID names, bad bodies', async () => {
    sandbox = await startSandbox({ throttling: false });
    const client = authorizationClient(sandbox);
    await client.roleAssignments.create(SUBSCRIPTION_SCOPE, guid(1), { roleDefinitionId: READER, principalId: PRINCIPAL });

    // Same scope, role (compared on its GUID, whatever the id spelling) and principal under another name.
    const readerAtSubscription = `${SUBSCRIPTION_SCOPE}${READER}`;
    const duplicate = await statusOf(() =>
      client.roleAssignments.create(SUBSCRIPTION_SCOPE, guid(2), { roleDefinitionId: readerAtSubscription, principalId: PRINCIPAL.toUpperCase() }),
    );
    expect(duplicate).toMatchObject({ statusCode: 409, code: 'RoleAssignmentExists' });

    const changedRole = await statusOf(() =>
      client.roleAssignments.create(SUBSCRIPTION_SCOPE, guid(1), { roleDefinitionId: OWNER, principalId: PRINCIPAL }),
    );
    expect(changedRole).toMatchObject({ statusCode: 409, code: 'RoleAssignmentUpdateNotPermitted' });
    const changedPrincipal = await statusOf(() =>
      client.roleAssignments.create(SUBSCRIPTION_SCOPE, guid(1), { roleDefinitionId: READER, principalId: guid(99) }),
    );
    expect(changedPrincipal).toMatchObject({ statusCode: 409, code: 'RoleAssignmentUpdateNotPermitted' });

    // The same role and principal again under the same name is an update, not a conflict.
    const updated = await client.roleAssignments.create(SUBSCRIPTION_SCOPE, guid(1), {
      roleDefinitionId: READER,
      principalId: PRINCIPAL,
      description: 'now described',
    });
    expect(updated.description).toBe('now described');
    expect(updated.principalType).toBe('User');
    expect(sandbox.requests.at(-1)?.status).toBe(200);

    // The same role and principal at another scope is a different assignment.
    await client.roleAssignments.create(`${SUBSCRIPTION_SCOPE}/resourceGroups/rg-a`, guid(3), { roleDefinitionId: READER, principalId: PRINCIPAL });

    const badName = await statusOf(() =>
      client.roleAssignments.create(SUBSCRIPTION_SCOPE, 'not-a-guid', { roleDefinitionId: READER, principalId: PRINCIPAL }),
    );
    expect(badName).toMatchObject({ statusCode: 400, code: 'InvalidRoleAssignmentId' });
    const badRole = await statusOf(() =>
      client.roleAssignments.create(SUBSCRIPTION_SCOPE, guid(5), { roleDefinitionId: 'Reader', principalId: PRINCIPAL }),
    );
    expect(badRole).toMatchObject({ statusCode: 400, code: 'InvalidRoleDefinitionId' });
    const path = `${SUBSCRIPTION_SCOPE}/providers/Microsoft.Authorization/roleAssignments/${guid(6)}?api-version=${SDK_AUTHORIZATION_API_VERSION}`;
    const noPrincipal = await rawRequest(sandbox, 'PUT', path, { body: JSON.stringify({ properties: { roleDefinitionId: READER } }) });
    expect(noPrincipal.status).toBe(400);
    expect((noPrincipal.json as { error: { code: string } }).error.code).toBe('InvalidRequestContent');

    const oldVersion = await rawRequest(sandbox, 'GET', path.replace(SDK_AUTHORIZATION_API_VERSION, '2015-07-01'));
    expect((oldVersion.json as { error: { code: string } }).error.code).toBe('InvalidApiVersionParameter');
  });

  it('lists assignments at every scope in the subscription, page by page', async () => {
    sandbox = await startSandbox({ state: await exampleState(), pageSize: 3, throttling: false });
    const client = authorizationClient(sandbox);
    const scopes = [SUBSCRIPTION_SCOPE, `${SUBSCRIPTION_SCOPE}/resourceGroups/rg-pharmacy`, ACCOUNT];
    const names: string[] = [];
    for (let i = 0; i < 8; i++) {
      const name = guid(100 + i);
      names.push(name);
      await client.roleAssignments.create(scopes[i % scopes.length] ?? SUBSCRIPTION_SCOPE, name, {
        roleDefinitionId: READER,
        principalId: guid(200 + i),
      });
    }
    // Another subscription's assignment must not show up.
    const other = '99999999-2222-4333-8444-555555555555';
    await authorizationClient(sandbox).roleAssignments.create(`/subscriptions/${other}`, guid(300), { roleDefinitionId: READER, principalId: PRINCIPAL });

    sandbox.clearRequests();
    const listed: RoleAssignment[] = [];
    for await (const assignment of client.roleAssignments.listForSubscription()) listed.push(assignment);
    expect(listed.map((a) => a.name).sort()).toEqual(names.sort());
    expect(new Set(listed.map((a) => a.scope))).toEqual(new Set(scopes));
    // 8 items at 3 a page: the client followed two nextLinks.
    expect(sandbox.requests.filter((r) => r.method === 'GET')).toHaveLength(3);
    expect(sandbox.requests[0]?.apiVersion).toBe(SDK_AUTHORIZATION_API_VERSION);
  });

  it('emits ARM write and delete events and change notifications', async () => {
    sandbox = await startSandbox({ throttling: false });
    const webhook = await startWebhook();
    try {
      await sandbox.eventGrid.subscribe({ name: 'rbac-events', endpoint: webhook.url });
      const changes: SandboxChange[] = [];
      sandbox.onChange((change) => changes.push(change));
      const client = authorizationClient(sandbox);

      await client.roleAssignments.create(SUBSCRIPTION_SCOPE, guid(1), { roleDefinitionId: READER, principalId: PRINCIPAL });
      await client.roleAssignments.delete(SUBSCRIPTION_SCOPE, guid(1));
      await webhook.waitForNotifications(1);
      await sandbox.eventGrid.idle();

      expect(changes.map((c) => [c.operation, c.resourceType])).toEqual([
        ['write', 'Microsoft.Authorization/roleAssignments'],
        ['delete', 'Microsoft.Authorization/roleAssignments'],
      ]);
      const events = webhook.notifications().flatMap((request) => JSON.parse(request.body) as ArmEvent[]);
      const id = `${SUBSCRIPTION_SCOPE}/providers/Microsoft.Authorization/roleAssignments/${guid(1)}`;
      expect(events.map((event) => [event.eventType, event.subject, event.data.operationName, event.data.resourceProvider])).toEqual([
        ['Microsoft.Resources.ResourceWriteSuccess', id, 'Microsoft.Authorization/roleAssignments/write', 'Microsoft.Authorization'],
        ['Microsoft.Resources.ResourceDeleteSuccess', id, 'Microsoft.Authorization/roleAssignments/delete', 'Microsoft.Authorization'],
      ]);
    } finally {
      await webhook.close();
    }
  });

  it('round-trips role assignments through a saved state', async () => {
    sandbox = await startSandbox({ state: await exampleState(), throttling: false });
    const client = authorizationClient(sandbox);
    const created = await client.roleAssignments.create(ACCOUNT, guid(7), { roleDefinitionId: READER, principalId: PRINCIPAL });
    const directory = await mkdtemp(join(tmpdir(), 'sandbox-authz-'));
    try {
      const file = join(directory, 'state.json');
      await saveSandboxState(file, sandbox.snapshot());
      await sandbox.close();
      sandbox = await startSandbox({ state: await loadSandboxState(file), throttling: false });
      const reloaded = await authorizationClient(sandbox).roleAssignments.get(ACCOUNT, guid(7));
      expect(reloaded).toEqual(created);
      // Duplicate detection sees loaded assignments too.
      const duplicate = await statusOf(() =>
        authorizationClient(sandbox as Sandbox).roleAssignments.create(ACCOUNT, guid(8), { roleDefinitionId: READER, principalId: PRINCIPAL }),
      );
      expect(duplicate.code).toBe('RoleAssignmentExists');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe('Microsoft.Authorization/roleDefinitions', () => {
  it('serves the built-in roles at subscription scope and refuses writes', async () => {
    sandbox = await startSandbox({ throttling: false });
    const client = authorizationClient(sandbox);
    const expected: Record<string, string> = {
      [BUILT_IN_ROLE_IDS.owner]: 'Owner',
      [BUILT_IN_ROLE_IDS.contributor]: 'Contributor',
      [BUILT_IN_ROLE_IDS.reader]: 'Reader',
      [BUILT_IN_ROLE_IDS.userAccessAdministrator]: 'User Access Administrator',
      [BUILT_IN_ROLE_IDS.roleBasedAccessControlAdministrator]: 'Role Based Access Control Administrator',
    };
    for (const [id, roleName] of Object.entries(expected)) {
      const definition = await client.roleDefinitions.get(SUBSCRIPTION_SCOPE, id);
      expect(definition).toMatchObject({
        id: `${SUBSCRIPTION_SCOPE}/providers/Microsoft.Authorization/roleDefinitions/${id}`,
        name: id,
        type: 'Microsoft.Authorization/roleDefinitions',
        roleName,
        roleType: 'BuiltInRole',
        assignableScopes: ['/'],
      });
    }
    const contributor = await client.roleDefinitions.get(SUBSCRIPTION_SCOPE, BUILT_IN_ROLE_IDS.contributor);
    expect(contributor.permissions?.[0]?.notActions).toContain('Microsoft.Authorization/*/Write');
    expect(sandbox.requests[0]?.apiVersion).toBe(SDK_AUTHORIZATION_API_VERSION);

    expect((await statusOf(() => client.roleDefinitions.get(SUBSCRIPTION_SCOPE, guid(1)))).statusCode).toBe(404);
    const path = `${SUBSCRIPTION_SCOPE}/providers/Microsoft.Authorization/roleDefinitions/${BUILT_IN_ROLE_IDS.owner}?api-version=${SDK_AUTHORIZATION_API_VERSION}`;
    expect((await rawRequest(sandbox, 'PUT', path, { body: '{"properties":{}}' })).status).toBe(405);
    expect((await rawRequest(sandbox, 'DELETE', path)).status).toBe(405);
  });

  it('serves the built-in roles at tenant scope, the id form assignments carry', async () => {
    sandbox = await startSandbox({ throttling: false });
    const client = authorizationClient(sandbox);
    const byId = await client.roleDefinitions.getById(READER);
    expect(byId).toMatchObject({ id: READER, name: BUILT_IN_ROLE_IDS.reader, roleName: 'Reader', permissions: [{ actions: ['*/read'] }] });
    const atRoot = await client.roleDefinitions.get('/', BUILT_IN_ROLE_IDS.userAccessAdministrator);
    expect(atRoot.roleName).toBe('User Access Administrator');
    expect(atRoot.id).toBe(`/providers/Microsoft.Authorization/roleDefinitions/${BUILT_IN_ROLE_IDS.userAccessAdministrator}`);

    const unknown = await statusOf(() => client.roleDefinitions.getById(`/providers/Microsoft.Authorization/roleDefinitions/${guid(1)}`));
    expect(unknown).toMatchObject({ statusCode: 404, code: 'RoleDefinitionDoesNotExist' });
    const write = await rawRequest(sandbox, 'DELETE', `${READER}?api-version=${SDK_AUTHORIZATION_API_VERSION}`);
    expect(write.status).toBe(405);
    const badVersion = await rawRequest(sandbox, 'GET', `${READER}?api-version=2015-07-01`);
    expect((badVersion.json as { error: { code: string } }).error.code).toBe('InvalidApiVersionParameter');
  });
});

describe('Microsoft Graph directoryObjects/getByIds', () => {
  const user = { id: PRINCIPAL, '@odata.type': '#microsoft.graph.user', displayName: 'Dr. Example' };
  const app = { id: SERVICE_PRINCIPAL.objectId, '@odata.type': '#microsoft.graph.servicePrincipal' };

  function getByIds(target: Sandbox, body: unknown): ReturnType<typeof rawRequest> {
    return rawRequest(target, 'POST', '/v1.0/directoryObjects/getByIds', { body: JSON.stringify(body) });
  }

  it('returns the directory objects that exist, filtered by type', async () => {
    sandbox = await startSandbox({ state: { resources: [], directory: [user, app] }, throttling: false });
    const all = await getByIds(sandbox, { ids: [PRINCIPAL, SERVICE_PRINCIPAL.objectId, guid(404)] });
    expect(all.status).toBe(200);
    expect((all.json as { value: unknown[] }).value).toEqual([user, app]);

    const usersOnly = await getByIds(sandbox, { ids: [PRINCIPAL.toUpperCase(), SERVICE_PRINCIPAL.objectId], types: ['user'] });
    expect((usersOnly.json as { value: unknown[] }).value).toEqual([user]);

    const none = await getByIds(sandbox, { ids: [guid(404)] });
    expect(none.json).toMatchObject({ value: [] });

    expect((await getByIds(sandbox, { ids: 'x' })).status).toBe(400);
    expect((await rawRequest(sandbox, 'POST', '/v1.0/directoryObjects/getByIds', { identity: null, body: '{"ids":[]}' })).status).toBe(401);
    // ARM routes are untouched by the Graph route.
    const arm = await authorizationClient(sandbox).roleDefinitions.getById(READER);
    expect(arm.roleName).toBe('Reader');
  });

  it('answers "unknown" (503), never "deleted", when the state has no directory', async () => {
    sandbox = await startSandbox({ throttling: false });
    const answer = await getByIds(sandbox, { ids: [PRINCIPAL] });
    expect(answer.status).toBe(503);
    expect((answer.json as { error: { code: string } }).error.code).toBe('ServiceUnavailable');
    expect(answer.json).not.toHaveProperty('value');

    // An empty directory is a known directory in which nobody exists.
    await sandbox.close();
    sandbox = await startSandbox({ state: { resources: [], directory: [] }, throttling: false });
    expect((await getByIds(sandbox, { ids: [PRINCIPAL] })).json).toMatchObject({ value: [] });
  });
});

describe('Microsoft.Authorization/roleAssignmentScheduleInstances (PIM, read-only)', () => {
  // The spec example's instance (GetRoleAssignmentScheduleInstancesByScope.json, 2020-10-01), served from state.
  const example = JSON.parse(
    readFileSync(new URL('../fixtures/arm/authorization/roleAssignmentScheduleInstances.listForScope.json', import.meta.url), 'utf8'),
  ) as { responses: { 200: { body: { value: ArmResource[] } } } };
  const [instance] = example.responses[200].body.value;
  if (instance === undefined) throw new Error('fixture has no instance');
  const specSubscription = 'dfa2a084-766f-4003-8ae1-c4aeb893a99f';
  const specPrincipal = 'a3bb8764-cb92-4276-9d2a-ca1e895e55ea';
  const atGroup: ArmResource = {
    ...instance,
    id: `/subscriptions/${specSubscription}/resourceGroups/rg-x/providers/Microsoft.Authorization/RoleAssignmentScheduleInstances/${guid(7)}`,
    name: guid(7),
    properties: { ...instance.properties, principalId: PRINCIPAL, scope: `/subscriptions/${specSubscription}/resourceGroups/rg-x` },
  };

  function pimClient(box: Sandbox): AuthorizationManagementClient {
    return new AuthorizationManagementClient(sandboxCredential(USER), specSubscription, { endpoint: box.url, tlsOptions: { ca: box.ca } });
  }

  async function listed(box: Sandbox, scope: string, filter?: string): Promise<string[]> {
    const names: string[] = [];
    for await (const item of pimClient(box).roleAssignmentScheduleInstances.listForScope(scope, filter === undefined ? {} : { filter })) names.push(item.name ?? '');
    return names.sort();
  }

  it('serves the spec example through the real client, typed as the SDK maps it', async () => {
    sandbox = await startSandbox({ state: parseSandboxState({ resources: [instance, atGroup] }), throttling: false });
    const items = [];
    for await (const item of pimClient(sandbox).roleAssignmentScheduleInstances.listForScope(`/subscriptions/${specSubscription}`)) items.push(item);
    const fromSpec = items.find((i) => i.name === instance.name);
    expect(fromSpec).toMatchObject({
      originRoleAssignmentId: `/subscriptions/${specSubscription}/providers/Microsoft.Authorization/roleAssignments/ed9b8180-cef7-4c77-a63c-b8566ecfc412`,
      assignmentType: 'Assigned',
      endDateTime: new Date('2020-09-10T05:35:17.91Z'),
    });
    expect(sandbox.requests[0]).toMatchObject({ method: 'GET', apiVersion: '2020-10-01' });
  });

  it('lists at or below a scope without a filter, at or above with atScope(), around the scope for one principal', async () => {
    sandbox = await startSandbox({ state: parseSandboxState({ resources: [instance, atGroup] }), throttling: false });
    const subscription = `/subscriptions/${specSubscription}`;
    const group = `${subscription}/resourceGroups/rg-x`;
    expect(await listed(sandbox, subscription)).toEqual([instance.name, atGroup.name].sort());
    expect(await listed(sandbox, subscription, 'atScope()')).toEqual([instance.name]);
    expect(await listed(sandbox, group, 'atScope()')).toEqual([instance.name, atGroup.name].sort());
    expect(await listed(sandbox, group, `principalId eq '${specPrincipal}'`)).toEqual([instance.name]);
    expect(await listed(sandbox, subscription, `principalId eq '${PRINCIPAL}'`)).toEqual([atGroup.name]);
  });

  it('refuses filters it does not support (never silently ignores them), other api-versions and writes', async () => {
    sandbox = await startSandbox({ state: parseSandboxState({ resources: [instance] }), throttling: false });
    const subscription = `/subscriptions/${specSubscription}`;
    expect(await statusOf(() => listed(sandbox as Sandbox, subscription, "status eq 'Provisioned'"))).toMatchObject({ statusCode: 400, code: 'UnsupportedQuery' });
    const path = `${subscription}/providers/Microsoft.Authorization/roleAssignmentScheduleInstances`;
    expect((await rawRequest(sandbox, 'GET', `${path}?api-version=2022-04-01`)).status).toBe(400);
    expect((await rawRequest(sandbox, 'PUT', `${path}/${guid(9)}?api-version=2020-10-01`, { body: '{"properties":{}}' })).status).toBe(405);
  });

  it('role assignment listings refuse unsupported filters too', async () => {
    sandbox = await startSandbox({ throttling: false });
    const error = await statusOf(async () => {
      for await (const _ of authorizationClient(sandbox as Sandbox).roleAssignments.listForSubscription({ filter: "roleDefinitionId eq 'x'" })) void _;
    });
    expect(error).toMatchObject({ statusCode: 400, code: 'UnsupportedQuery' });
  });
});
