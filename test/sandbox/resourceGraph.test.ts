/**
 * The sandbox's Azure Resource Graph endpoint, through the real `@azure/arm-resourcegraph` 5.0.0
 * client over HTTPS.
 *
 * Fixtures in test/fixtures/arm/resourcegraph/ are copied verbatim from Azure/azure-rest-api-specs,
 * specification/resourcegraph/resource-manager/Microsoft.ResourceGraph/stable/2024-04-01/examples/:
 *   ResourcesBasicQuery.json      at ea83a2a3e90ca3f0420e9d0ef55a811523541aba
 *   ResourcesFirstPageQuery.json  at a801e3d83e51b23a2e0c275f0ce251b931e337cf
 *   ResourcesNextPageQuery.json   at e282d2fe9e6dd8f4fae51c1908ca1c71a4276f9f
 *   ResourcesMgBasicQuery.json    at 49183a62da4a07059b931d2f56d90ad2e1a7c21a
 * The QueryResponse and ErrorResponse shapes are those of resourcegraph.json in the same folder
 * (read at 423203f7370f6ca2aedbc2ebd3e57401a083e196).
 */
import { readFileSync } from 'node:fs';
import { type QueryRequest, type QueryResponse, ResourceGraphClient, type ResourceGraphClientOptionalParams, isRestError } from '@azure/arm-resourcegraph';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ArmResource,
  type ManagementGroup,
  type Sandbox,
  type SandboxIdentity,
  type SandboxOptions,
  type SandboxState,
  parseSandboxState,
  sandboxCredential,
  startSandbox,
} from '../../sandbox/index.js';
import { BUILT_IN_ROLE_IDS } from '../../sandbox/providers/authorization.js';
import { ResourceGraphError } from '../../sandbox/resourceGraph/errors.js';
import { parseQuery } from '../../sandbox/resourceGraph/query.js';
import { SERVICE_PRINCIPAL, SUBSCRIPTION_ID, USER, rawRequest } from './helpers.js';

interface SpecExample {
  parameters: { 'api-version': string; query: QueryRequest & { options?: Record<string, unknown> } };
  responses: { 200: { body: Record<string, unknown> } };
}

function example(name: string): SpecExample {
  return JSON.parse(readFileSync(new URL(`../fixtures/arm/resourcegraph/${name}`, import.meta.url), 'utf8')) as SpecExample;
}

const A = SUBSCRIPTION_ID;
const B = '22222222-3333-4444-8555-666666666666';
/** Holds no resources: known only through a management group. */
const C = '33333333-4444-4555-8666-777777777777';
const PRINCIPAL = 'ce2ce14e-85d7-4629-bdbc-454d0519d987';
const ARG_PATH = '/providers/Microsoft.ResourceGraph/resources';

const RESOURCE_COLUMNS = ['id', 'name', 'type', 'location', 'resourceGroup', 'subscriptionId', 'kind', 'sku', 'identity', 'tags', 'properties'];
const resourcesQuery = (type: string): string => `resources | where type =~ '${type}' | project ${RESOURCE_COLUMNS.join(', ')} | order by id asc`;
const STORAGE_QUERY = resourcesQuery('microsoft.storage/storageaccounts');
const ASSIGNMENTS_QUERY = "authorizationresources | where type =~ 'microsoft.authorization/roleassignments' | project id, name, type, properties | order by id asc";
const SUBSCRIPTIONS_QUERY = "resourcecontainers | where type =~ 'microsoft.resources/subscriptions' | project id, subscriptionId, name | order by id asc";

function guid(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

function account(subscription: string, group: string, name: string, extra: Partial<ArmResource> = {}): ArmResource {
  return {
    id: `/subscriptions/${subscription}/resourceGroups/${group}/providers/Microsoft.Storage/storageAccounts/${name}`,
    name,
    type: 'Microsoft.Storage/storageAccounts',
    location: 'eastus2',
    kind: 'StorageV2',
    sku: { name: 'Standard_LRS', tier: 'Standard' },
    properties: { allowBlobPublicAccess: false, supportsHttpsTrafficOnly: true, minimumTlsVersion: 'TLS1_2' },
    ...extra,
  };
}

function assignment(scope: string, n: number): ArmResource {
  return {
    id: `${scope}/providers/Microsoft.Authorization/roleAssignments/${guid(n)}`,
    name: guid(n),
    type: 'Microsoft.Authorization/roleAssignments',
    properties: {
      roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${BUILT_IN_ROLE_IDS.reader}`,
      principalId: PRINCIPAL,
      principalType: 'User',
      scope,
    },
  };
}

const CLINICAL = account(A, 'RG-Clinical', 'stclinical01', { tags: { data: 'phi' } });
const RESEARCH = account(A, 'rg-research', 'stresearch01', { identity: { type: 'SystemAssigned', principalId: PRINCIPAL, tenantId: USER.tenantId } });
const OTHER_SUBSCRIPTION = account(B, 'rg-other', 'stother01');
const VAULT: ArmResource = {
  id: `/subscriptions/${A}/resourceGroups/rg-clinical/providers/Microsoft.KeyVault/vaults/kv-clinical`,
  name: 'kv-clinical',
  type: 'Microsoft.KeyVault/vaults',
  location: 'eastus2',
  properties: {
    tenantId: USER.tenantId,
    sku: { family: 'A', name: 'standard' },
    // The state's stale URI: ARM's GET (and so ARG) shows this run's data plane instead.
    vaultUri: 'https://kv-clinical.vault.azure.net/',
    enableSoftDelete: true,
    softDeleteRetentionInDays: 90,
    enableRbacAuthorization: true,
  },
};
const WORKSPACE: ArmResource = {
  id: `/subscriptions/${A}/resourceGroups/rg-monitoring/providers/Microsoft.OperationalInsights/workspaces/law-audit`,
  name: 'law-audit',
  type: 'Microsoft.OperationalInsights/workspaces',
  location: 'eastus2',
  properties: { retentionInDays: 90, sku: { name: 'PerGB2018' } },
};
const CONTAINER: ArmResource = {
  id: `${CLINICAL.id}/blobServices/default/containers/phi`,
  name: 'phi',
  type: 'Microsoft.Storage/storageAccounts/blobServices/containers',
  properties: { publicAccess: 'None' },
};
const INHERITED_SCOPE = '/providers/Microsoft.Management/managementGroups/mg-root';
const ASSIGNMENTS = [
  assignment(`/subscriptions/${A}`, 1),
  assignment(`/subscriptions/${A}/resourceGroups/rg-clinical`, 2),
  assignment(CLINICAL.id, 3),
  assignment(`/subscriptions/${B}`, 4),
  assignment(INHERITED_SCOPE, 5),
];
const MANAGEMENT_GROUPS: ManagementGroup[] = [
  {
    name: 'mg-root',
    subscriptions: [],
    children: [
      { name: 'mg-clinical', displayName: 'Clinical', subscriptions: [A.toUpperCase()] },
      { name: 'mg-research', subscriptions: [C] },
    ],
  },
];

function worldState(): SandboxState {
  return {
    resources: [RESEARCH, OTHER_SUBSCRIPTION, CLINICAL, VAULT, WORKSPACE, CONTAINER, ...ASSIGNMENTS],
    managementGroups: structuredClone(MANAGEMENT_GROUPS),
  };
}

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

async function start(options: SandboxOptions = {}): Promise<Sandbox> {
  sandbox = await startSandbox({ state: worldState(), throttling: false, ...options });
  return sandbox;
}

function graphClient(target: Sandbox, identity: SandboxIdentity = USER, options: ResourceGraphClientOptionalParams = {}): ResourceGraphClient {
  return new ResourceGraphClient(sandboxCredential(identity), { endpoint: target.url, tlsOptions: { ca: target.ca }, ...options });
}

type OnResponse = NonNullable<NonNullable<Parameters<ResourceGraphClient['resources']>[1]>['onResponse']>;
type RawResponse = Parameters<OnResponse>[0];

interface Answer {
  result: QueryResponse;
  raw: RawResponse;
  /** The body as sent, before the SDK renamed `$skipToken`. */
  body: Record<string, unknown>;
}

async function query(client: ResourceGraphClient, request: QueryRequest): Promise<Answer> {
  let raw: RawResponse | undefined;
  const result = await client.resources(request, { onResponse: (response) => (raw = response) });
  if (raw === undefined) throw new Error('no raw response');
  return { result, raw, body: JSON.parse(raw.bodyAsText ?? '') as Record<string, unknown> };
}

interface Refusal {
  statusCode: number | undefined;
  code: string | undefined;
  headers: { get(name: string): string | undefined };
  body: { error: { code: string; message: string; details: Record<string, unknown>[] } };
}

async function refusal(client: ResourceGraphClient, request: QueryRequest): Promise<Refusal> {
  let raw: RawResponse | undefined;
  try {
    await client.resources(request, { onResponse: (response) => (raw = response) });
  } catch (error) {
    if (!isRestError(error) || raw === undefined) throw error;
    return { statusCode: error.statusCode, code: error.code, headers: raw.headers, body: JSON.parse(raw.bodyAsText ?? '') as Refusal['body'] };
  }
  throw new Error('expected the query to be refused');
}

async function armGet(target: Sandbox, id: string, apiVersion: string): Promise<ArmResource> {
  const response = await rawRequest(target, 'GET', `${id}?api-version=${apiVersion}`);
  expect(response.status).toBe(200);
  return response.json as ArmResource;
}

function rows(answer: Answer): Record<string, unknown>[] {
  return answer.result.data as Record<string, unknown>[];
}

const SUPPORT_MESSAGE = /^Please provide below info when asking for support: timestamp = \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z, correlationId = [0-9a-f-]{36}\.$/;

describe('Resource Graph: the three queries', () => {
  it('answers the resources query with spec-shaped responses and rows exactly as ARM GET shows them', async () => {
    const target = await start();
    const client = graphClient(target);
    const answer = await query(client, { subscriptions: [A], query: STORAGE_QUERY });

    // Same fields as the spec's example answer (no $skipToken: one page).
    expect(Object.keys(answer.body).sort()).toEqual(Object.keys(example('ResourcesBasicQuery.json').responses[200].body).sort());
    expect(answer.result).toMatchObject({ totalRecords: 2, count: 2, resultTruncated: 'false', facets: [] });
    const [clinical, research] = rows(answer);
    // Order by id is ordinal on the lower-cased id: rg-clinical before rg-research.
    expect([clinical?.id, research?.id]).toEqual([CLINICAL.id, RESEARCH.id]);
    expect(Object.keys(clinical ?? {})).toEqual(RESOURCE_COLUMNS);
    const get = await armGet(target, CLINICAL.id, '2025-08-01');
    expect(clinical).toEqual({
      id: get.id,
      name: 'stclinical01',
      type: 'microsoft.storage/storageaccounts',
      location: 'eastus2',
      resourceGroup: 'rg-clinical',
      subscriptionId: A,
      kind: 'StorageV2',
      sku: get.sku,
      identity: null,
      tags: { data: 'phi' },
      properties: get.properties,
    });
    expect(research).toMatchObject({ identity: RESEARCH['identity'], tags: null });

    // The vault as ARM shows it now (vaultUri of this run's data plane), not as the state file had it.
    const vaults = await query(client, { query: resourcesQuery('Microsoft.KeyVault/Vaults') });
    const vaultGet = await armGet(target, VAULT.id, '2024-11-01');
    expect(rows(vaults)).toEqual([expect.objectContaining({ id: VAULT.id, type: 'microsoft.keyvault/vaults', properties: vaultGet.properties })]);
    expect((rows(vaults)[0]?.properties as { vaultUri: string }).vaultUri).toBe(target.keyVaultUrl);

    const workspaces = await query(client, { query: resourcesQuery('microsoft.operationalinsights/workspaces') });
    expect(rows(workspaces).map((row) => [row.name, row.resourceGroup, row.kind, row.sku])).toEqual([['law-audit', 'rg-monitoring', null, null]]);

    // Child types are not in ARG's resources table; an unknown type is a valid query matching nothing.
    for (const type of ['microsoft.storage/storageaccounts/blobservices/containers', 'microsoft.network/virtualnetworks', 'microsoft.authorization/roleassignments']) {
      expect((await query(client, { query: resourcesQuery(type) })).result).toMatchObject({ totalRecords: 0, count: 0, data: [] });
    }

    // ARG's own quota headers, not ARM's throttling.
    expect(answer.raw.headers.get('x-ms-user-quota-remaining')).toBe('14');
    expect(answer.raw.headers.get('x-ms-user-quota-resets-after')).toBe('00:00:05');
    expect(answer.raw.headers.get('x-ms-ratelimit-remaining-subscription-writes')).toBeUndefined();
    expect(target.requests.filter((request) => request.path === ARG_PATH)).toEqual(
      Array.from({ length: 6 }, () => ({ method: 'POST', path: ARG_PATH, apiVersion: '2024-04-01', status: 200, callerObjectId: USER.objectId })),
    );
    expect(target.resourceGraph.queries()).toBe(6);
  });

  it('shows computed defaults of a resource created through ARM', async () => {
    const target = await start();
    const id = `/subscriptions/${A}/resourceGroups/rg-new/providers/Microsoft.Storage/storageAccounts/stnew01`;
    const created = await rawRequest(target, 'PUT', `${id}?api-version=2025-08-01`, {
      body: JSON.stringify({ location: 'eastus2', kind: 'StorageV2', sku: { name: 'Standard_GRS' } }),
    });
    expect(created.status).toBe(200);
    const answer = await query(graphClient(target), { subscriptions: [A], query: STORAGE_QUERY });
    const row = rows(answer).find((candidate) => candidate.id === id);
    const get = await armGet(target, id, '2025-08-01');
    expect(row?.properties).toEqual(get.properties);
    expect(row?.sku).toEqual({ name: 'Standard_GRS', tier: 'Standard' });
    expect((row?.properties as { primaryEndpoints?: unknown }).primaryEndpoints).toBeDefined();
  });

  it('answers role assignments at and below the subscriptions in scope, without management-group grants', async () => {
    const target = await start();
    const client = graphClient(target);
    const answer = await query(client, { subscriptions: [A], query: ASSIGNMENTS_QUERY });
    const expected = ASSIGNMENTS.slice(0, 3)
      .map((resource) => resource.id)
      .sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
    expect(rows(answer).map((row) => row.id)).toEqual(expected);
    const first = rows(answer)[0];
    expect(Object.keys(first ?? {})).toEqual(['id', 'name', 'type', 'properties']);
    const get = await armGet(target, String(first?.id), '2022-04-01');
    expect(first).toEqual({ id: get.id, name: get.name, type: 'microsoft.authorization/roleassignments', properties: get.properties });

    // ARM's listForSubscription includes the inherited grant; ARG's default AtScopeAndBelow does not.
    const listed = await rawRequest(target, 'GET', `/subscriptions/${A}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01`);
    expect((listed.json as { value: ArmResource[] }).value.map((resource) => resource.properties?.scope)).toContain(INHERITED_SCOPE);

    const tenant = await query(client, { query: ASSIGNMENTS_QUERY, options: { authorizationScopeFilter: 'AtScopeAndBelow' } });
    expect(rows(tenant).map((row) => (row.properties as { scope: string }).scope)).not.toContain(INHERITED_SCOPE);
    expect(tenant.result.totalRecords).toBe(4);

    const above = await refusal(client, { subscriptions: [A], query: ASSIGNMENTS_QUERY, options: { authorizationScopeFilter: 'AtScopeAndAbove' } });
    expect(above.statusCode).toBe(400);
    expect(above.body.error).toMatchObject({ code: 'BadRequest', details: [{ code: 'UnsupportedAuthorizationScopeFilter' }] });
  });

  it('answers one row per subscription in scope from resourcecontainers', async () => {
    const target = await start();
    const client = graphClient(target);
    const tenant = await query(client, { query: SUBSCRIPTIONS_QUERY });
    // Every subscription a resource or a management group names, in id order.
    expect(rows(tenant)).toEqual([A, B, C].map((id) => ({ id: `/subscriptions/${id}`, subscriptionId: id, name: id })));
    const one = await query(client, { subscriptions: [B.toUpperCase(), '99999999-0000-4000-8000-000000000000'], query: SUBSCRIPTIONS_QUERY });
    expect(rows(one)).toEqual([{ id: `/subscriptions/${B}`, subscriptionId: B, name: B }]);
  });
});

describe('Resource Graph: queries it does not answer', () => {
  it("refuses the spec example's query with ARG's InvalidQuery answer", async () => {
    const target = await start();
    const basic = example('ResourcesBasicQuery.json').parameters.query;
    const refused = await refusal(graphClient(target), basic);
    expect(refused.statusCode).toBe(400);
    expect(refused.code).toBe('BadRequest');
    expect(refused.body).toEqual({
      error: {
        code: 'BadRequest',
        message: expect.stringMatching(SUPPORT_MESSAGE) as unknown,
        details: [
          {
            code: 'InvalidQuery',
            message: 'Query is invalid. Please refer to the documentation for the Azure Resource Graph service and fix the error before retrying.',
          },
          // "Resources | project ...": the sandbox's grammar wants `where` at position 12.
          { code: 'ParserFailure', message: 'ParserFailure', line: 1, characterPositionInLine: 12, token: 'project', expectedToken: "'where'" },
        ],
      },
    });
    // The quota still counts the refused query.
    expect(refused.headers.get('x-ms-user-quota-remaining')).toBe('14');

    const firstPage = example('ResourcesFirstPageQuery.json').parameters.query;
    const contains = await refusal(graphClient(target), { ...firstPage, options: { top: 3, skip: 0 } });
    expect(contains.body.error.details[1]).toMatchObject({ token: 'name', expectedToken: "'type'" });
  });

  it('reads its three shapes strictly: whitespace and keyword case are free, nothing else is', () => {
    const spaced = `Resources\n|  WHERE type =~ 'Microsoft.KeyVault/Vaults'\r\n|PROJECT ${RESOURCE_COLUMNS.join(',')}\n| Order BY id ASC  `;
    expect(parseQuery(spaced)).toMatchObject({ table: 'resources', type: 'microsoft.keyvault/vaults' });
    const shouted = "AuthorizationResources | WHERE type =~ 'Microsoft.Authorization/RoleAssignments' | PROJECT id, name, type, properties | ORDER BY id ASC";
    expect(parseQuery(shouted)).toMatchObject({ table: 'authorizationresources', type: 'microsoft.authorization/roleassignments' });

    const refused: [string, string][] = [
      [STORAGE_QUERY.replace('=~', '=='), '=='],
      [STORAGE_QUERY.replace("'microsoft.storage/storageaccounts'", '"microsoft.storage/storageaccounts"'), '"'],
      [STORAGE_QUERY.replace('project id', 'project Id'), 'Id'],
      [STORAGE_QUERY.replace('where type', 'where Type'), 'Type'],
      [STORAGE_QUERY.replace('order by', 'sort by'), 'sort'],
      [STORAGE_QUERY.replace('asc', 'desc'), 'desc'],
      [STORAGE_QUERY.replace(', properties', ''), '|'],
      [STORAGE_QUERY.replace('kind, sku', 'sku, kind'), 'sku'],
      [`${STORAGE_QUERY} | limit 3`, '|'],
      [`${STORAGE_QUERY} // all of them`, '/'],
      [STORAGE_QUERY.replace("'microsoft.storage/storageaccounts'", "'microsoft.storage/storage\\'accounts'"), "'microsoft.storage/storage\\'"],
      [ASSIGNMENTS_QUERY.replace('roleassignments', 'roledefinitions'), "'microsoft.authorization/roledefinitions'"],
      [SUBSCRIPTIONS_QUERY.replace('subscriptions', 'subscriptions/resourcegroups'), "'microsoft.resources/subscriptions/resourcegroups'"],
      [SUBSCRIPTIONS_QUERY.replace('resourcecontainers', 'securityresources'), 'securityresources'],
      ['', '<EOF>'],
    ];
    for (const [text, token] of refused) {
      let thrown: unknown;
      try {
        parseQuery(text);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, text).toBeInstanceOf(ResourceGraphError);
      const detail = (thrown as ResourceGraphError).details[1];
      expect(detail?.token, text).toBe(token);
    }
  });

  it("answers ARM's errors for api-version, method and body, and refuses options it does not model", async () => {
    const target = await start();
    const body = JSON.stringify({ subscriptions: [A], query: STORAGE_QUERY });
    for (const version of ['2024-04-01', '2022-10-01', '2021-03-01']) {
      expect((await rawRequest(target, 'POST', `${ARG_PATH}?api-version=${version}`, { body })).status).toBe(200);
    }
    const old = await rawRequest(target, 'POST', `${ARG_PATH}?api-version=2019-04-01`, { body });
    expect(old.status).toBe(400);
    expect(old.json).toEqual({
      error: { code: 'InvalidApiVersionParameter', message: "The api-version '2019-04-01' is invalid. The supported versions are '2024-04-01,2022-10-01,2021-03-01'." },
    });
    expect((await rawRequest(target, 'POST', ARG_PATH, { body })).json).toMatchObject({ error: { code: 'MissingApiVersionParameter' } });
    const get = await rawRequest(target, 'GET', `${ARG_PATH}?api-version=2024-04-01`);
    expect([get.status, (get.json as { error: { code: string } }).error.code]).toEqual([405, 'MethodNotAllowed']);
    const malformed = await rawRequest(target, 'POST', `${ARG_PATH}?api-version=2024-04-01`, { body: '{"query": ' });
    expect((malformed.json as { error: { code: string } }).error.code).toBe('InvalidRequestContent');
    const noQuery = await rawRequest(target, 'POST', `${ARG_PATH}?api-version=2024-04-01`, { body: '{"subscriptions": []}' });
    expect(noQuery.json).toMatchObject({ error: { code: 'InvalidRequestContent', message: expect.stringContaining("'query'") as unknown } });
    const anonymous = await rawRequest(target, 'POST', `${ARG_PATH}?api-version=2024-04-01`, { body, identity: null });
    expect(anonymous.status).toBe(401);

    const client = graphClient(target, SERVICE_PRINCIPAL);
    const table = await refusal(client, { query: STORAGE_QUERY, options: { resultFormat: 'table' } });
    expect([table.statusCode, table.body.error.details[0]?.code]).toEqual([400, 'UnsupportedResultFormat']);
    for (const top of [0, 1001]) {
      const refused = await refusal(client, { query: STORAGE_QUERY, options: { top } });
      expect(refused.body.error).toMatchObject({ code: 'BadRequest', details: [{ code: 'InvalidQueryOptions' }] });
    }
    const facets = await refusal(client, { query: STORAGE_QUERY, facets: [{ expression: 'location' }] });
    expect(facets.body.error.details[0]?.code).toBe('UnsupportedFacets');
    const tooMany = await refusal(client, { subscriptions: Array.from({ length: 1001 }, (_, n) => guid(n)), query: STORAGE_QUERY });
    expect(tooMany.body.error.details[0]?.code).toBe('TooManySubscriptions');
  });
});

describe('Resource Graph: scope by management group', () => {
  it('covers the subscriptions under a group and its children, and refuses unknown groups', async () => {
    const target = await start();
    const client = graphClient(target);
    const clinical = await query(client, { managementGroups: ['mg-clinical'], query: STORAGE_QUERY });
    expect(rows(clinical).map((row) => row.subscriptionId)).toEqual([A, A]);
    const root = await query(client, { managementGroups: ['MG-ROOT'], query: SUBSCRIPTIONS_QUERY });
    expect(rows(root).map((row) => row.subscriptionId)).toEqual([A, C]);
    const research = await query(client, { managementGroups: ['mg-research'], query: STORAGE_QUERY });
    expect(research.result.totalRecords).toBe(0);

    // The spec example's groups do not exist in this state.
    const { managementGroups } = example('ResourcesMgBasicQuery.json').parameters.query;
    const unknown = await refusal(client, { managementGroups, query: STORAGE_QUERY });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.body.error).toMatchObject({
      code: 'BadRequest',
      details: [{ code: 'ManagementGroupsContainInvalidIds', message: "The provided management groups must be valid. Given: 'e927f598-c1d4-4f72-8541-95d83a6a4ac8', 'ProductionMG'." }],
    });

    // The state key round-trips through the sandbox like `directory`.
    expect(target.snapshot().managementGroups).toEqual(MANAGEMENT_GROUPS);
  });

  it('validates the managementGroups key of a state', () => {
    expect(parseSandboxState({ resources: [], managementGroups: MANAGEMENT_GROUPS }).managementGroups).toEqual(MANAGEMENT_GROUPS);
    expect(() => parseSandboxState({ resources: [], managementGroups: [{ name: 'mg', subscriptions: ['not-a-guid'] }] })).toThrow(/managementGroups: '0\.subscriptions\.0'/);
    expect(() => parseSandboxState({ resources: [], managementGroups: [{ name: 'mg' }] })).toThrow(/managementGroups: missing '0\.subscriptions'/);
    expect(() =>
      parseSandboxState({ resources: [], managementGroups: [{ name: 'mg', subscriptions: [], children: [{ name: 'MG', subscriptions: [] }] }] }),
    ).toThrow(/duplicate group name "MG"/);
  });
});

describe('Resource Graph: paging', () => {
  it('pages 2,500 rows by $top 1000 in id order, with tokens bound to the query and scope', async () => {
    const accounts = Array.from({ length: 2500 }, (_, n) => account(A, n % 3 === 0 ? 'RG-Bulk' : 'rg-bulk', `st${String((n * 7919) % 2500).padStart(5, '0')}`));
    sandbox = await startSandbox({ state: { resources: accounts }, throttling: false, resourceGraphQuota: false });
    const client = graphClient(sandbox);
    const request: QueryRequest = { subscriptions: [A], query: STORAGE_QUERY };

    const pages: Answer[] = [];
    let skipToken: string | undefined;
    do {
      const page = await query(client, { ...request, options: { top: 1000, ...(skipToken !== undefined ? { skipToken } : {}) } });
      pages.push(page);
      skipToken = page.result.skipToken;
    } while (skipToken !== undefined && pages.length < 5);

    expect(pages.map((page) => [page.result.totalRecords, page.result.count, page.result.resultTruncated])).toEqual([
      [2500, 1000, 'false'],
      [2500, 1000, 'false'],
      [2500, 500, 'false'],
    ]);
    const ids = pages.flatMap((page) => rows(page).map((row) => String(row.id)));
    expect(ids).toEqual(accounts.map((resource) => resource.id).sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1)));
    expect(Object.keys(pages[0]?.body ?? {}).sort()).toEqual(Object.keys(example('ResourcesFirstPageQuery.json').responses[200].body).sort());
    expect(Object.keys(pages[2]?.body ?? {}).sort()).toEqual(Object.keys(example('ResourcesBasicQuery.json').responses[200].body).sort());
    // Quota switched off: no quota headers.
    expect(pages[0]?.raw.headers.get('x-ms-user-quota-remaining')).toBeUndefined();

    const token = pages[0]?.result.skipToken;
    const otherQuery = await refusal(client, { ...request, query: resourcesQuery('microsoft.keyvault/vaults'), options: { skipToken: token } });
    expect(otherQuery.body.error).toMatchObject({ code: 'BadRequest', details: [{ code: 'InvalidSkipToken', message: expect.stringContaining('different query or scope') as unknown }] });
    const otherScope = await refusal(client, { subscriptions: [B], query: STORAGE_QUERY, options: { skipToken: token } });
    expect(otherScope.body.error.details[0]?.code).toBe('InvalidSkipToken');
    // The spec example's token is not one this service issued.
    const foreign = example('ResourcesNextPageQuery.json').parameters.query.options?.$skipToken as string;
    expect((await refusal(client, { ...request, options: { skipToken: foreign } })).body.error.details[0]?.code).toBe('InvalidSkipToken');

    // Without $top a page is 100 rows, and the token keeps that size; $skip moves the start.
    const first = await query(client, request);
    expect([first.result.count, first.result.skipToken !== undefined]).toEqual([100, true]);
    const second = await query(client, { ...request, options: { skipToken: first.result.skipToken } });
    expect(rows(second).map((row) => row.id)).toEqual(ids.slice(100, 200));
    const tail = await query(client, { ...request, options: { top: 1000, skip: 2400 } });
    expect([tail.result.count, tail.result.skipToken]).toEqual([100, undefined]);
  });
});

describe('Resource Graph: quota', () => {
  it('reports the quota on every answer, refuses the 16th query of a window with 429 and no Retry-After, and resets', async () => {
    const target = await start({ resourceGraphQuota: { queries: 15, windowMs: 2000 } });
    const client = graphClient(target);
    const request: QueryRequest = { subscriptions: [A], query: STORAGE_QUERY };
    const answers = await Promise.all(Array.from({ length: 15 }, () => query(client, request)));
    expect(answers.map((answer) => Number(answer.raw.headers.get('x-ms-user-quota-remaining'))).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 15 }, (_, n) => n),
    );
    for (const answer of answers) expect(answer.raw.headers.get('x-ms-user-quota-resets-after')).toMatch(/^00:00:0[12]$/);

    const throttled = await refusal(client, request);
    expect(throttled.statusCode).toBe(429);
    expect(throttled.headers.get('retry-after')).toBeUndefined();
    expect(throttled.headers.get('x-ms-user-quota-remaining')).toBe('0');
    const resetsAfter = throttled.headers.get('x-ms-user-quota-resets-after') ?? '';
    expect(resetsAfter).toMatch(/^00:00:0[12]$/);
    expect(throttled.body).toEqual({
      error: {
        code: 'RateLimiting',
        message: expect.stringMatching(SUPPORT_MESSAGE) as unknown,
        details: [
          {
            code: 'RateLimiting',
            message:
              'Client application has been throttled and should not attempt to repeat the request until an amount of time has elapsed. Please see https://aka.ms/resourcegraph-throttling for help.',
          },
        ],
      },
    });
    // The SDK did not retry it on its own: 16 requests, all recorded.
    expect(target.requests.filter((record) => record.path === ARG_PATH).map((record) => record.status)).toEqual([...Array.from({ length: 15 }, () => 200), 429]);
    expect(target.resourceGraph.queries()).toBe(16);

    // Another caller has a quota of its own.
    const other = await query(graphClient(target, SERVICE_PRINCIPAL), request);
    expect(other.raw.headers.get('x-ms-user-quota-remaining')).toBe('14');

    const seconds = Number(resetsAfter.split(':')[2]);
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const after = await query(client, request);
    expect(after.result.count).toBe(2);
    expect(after.raw.headers.get('x-ms-user-quota-remaining')).toBe('14');
  });
});

describe('Resource Graph: lag and faults', () => {
  it('answers from a frozen copy until thawed', async () => {
    const target = await start();
    const client = graphClient(target);
    target.resourceGraph.freeze();
    const patched = await rawRequest(target, 'PATCH', `${CLINICAL.id}?api-version=2025-08-01`, { body: JSON.stringify({ properties: { allowBlobPublicAccess: true } }) });
    expect(patched.status).toBe(200);
    const created = await rawRequest(target, 'PUT', `/subscriptions/${A}/resourceGroups/rg-new/providers/Microsoft.Storage/storageAccounts/stlate01?api-version=2025-08-01`, {
      body: JSON.stringify({ location: 'eastus2', kind: 'StorageV2', sku: { name: 'Standard_LRS' } }),
    });
    expect(created.status).toBe(200);

    const stale = await query(client, { subscriptions: [A], query: STORAGE_QUERY });
    expect(rows(stale).map((row) => [row.name, (row.properties as { allowBlobPublicAccess: boolean }).allowBlobPublicAccess])).toEqual([
      ['stclinical01', false],
      ['stresearch01', false],
    ]);

    target.resourceGraph.thaw();
    const fresh = await query(client, { subscriptions: [A], query: STORAGE_QUERY });
    expect(rows(fresh).map((row) => [row.name, (row.properties as { allowBlobPublicAccess?: boolean }).allowBlobPublicAccess])).toEqual([
      ['stclinical01', true],
      ['stlate01', false],
      ['stresearch01', false],
    ]);
  });

  it('applies sandbox faults to Resource Graph requests and records them', async () => {
    const target = await start();
    const client = graphClient(target, USER, { retryOptions: { maxRetries: 0 } });
    const fault = target.faults.inject({ method: 'POST', pathPattern: /\/providers\/Microsoft\.ResourceGraph\/resources$/i, status: 500 });
    const failed = await refusal(client, { query: STORAGE_QUERY });
    expect([failed.statusCode, failed.code]).toEqual([500, 'InternalServerError']);
    expect(fault.hits).toBe(1);
    target.faults.inject({ pathPattern: /ResourceGraph/, status: 0, resetConnection: true });
    await expect(client.resources({ query: STORAGE_QUERY })).rejects.toThrow();
    expect((await query(client, { query: STORAGE_QUERY })).result.count).toBe(3);
    expect(target.requests.filter((record) => record.path === ARG_PATH).map((record) => record.status)).toEqual([500, 0, 200]);
    // Faults stand in front of ARG: only the last request reached it.
    expect(target.resourceGraph.queries()).toBe(1);
  });
});
