import { z } from 'zod';
import { idKey, parseArmPath, subscriptionOf } from './armPath.js';
import { ArmEngine } from './engine.js';
import { ArmError, invalidApiVersion, invalidRequestContent, methodNotAllowed, missingApiVersion } from './errors.js';
import type { ResourceProvider } from './providers/types.js';
import { validateBody } from './providers/validation.js';
import { ResourceGraphError, badRequest, invalidManagementGroups, rateLimited } from './resourceGraph/errors.js';
import { encodeSkipToken, pagingBinding, resolvePage } from './resourceGraph/paging.js';
import { type ResourceGraphQuery, parseQuery } from './resourceGraph/query.js';
import { RESOURCE_GRAPH_QUOTA, type ResourceGraphQuotaLimits, UserQuota, quotaHeaders } from './resourceGraph/quota.js';
import { type ArmResource, type ManagementGroup, flattenManagementGroups } from './state.js';
import { ResourceStore } from './store.js';

/**
 * Azure Resource Graph's query endpoint, `POST /providers/Microsoft.ResourceGraph/resources`
 * (azure-rest-api-specs `resourcegraph/.../stable/2024-04-01/resourcegraph.json`), for the three
 * queries in `resourceGraph/query.ts`. It shares the ARM host the way Microsoft Graph does, but
 * has ARG's own per-user quota instead of ARM's buckets. Rows are what an ARM GET through the
 * sandbox returns for each resource, so the two never disagree — except while `freeze()` holds
 * ARG on an older copy, standing in for ARG's lag behind ARM.
 */

/** What `@azure/arm-resourcegraph` 5.0.0 sends (2024-04-01) and the two stable versions before it. */
export const RESOURCE_GRAPH_API_VERSIONS = ['2024-04-01', '2022-10-01', '2021-03-01'] as const;

const RESOURCES_PATH = /^\/providers\/Microsoft\.ResourceGraph\/resources\/?$/i;

/** True for the request path of ARG's query endpoint. */
export function isResourceGraphPath(pathname: string): boolean {
  return RESOURCES_PATH.test(pathname);
}

/**
 * "Troubleshoot errors using Azure Resource Graph" (Too many subscriptions): the REST API takes
 * a limited number of subscriptions per request, and the CLI and PowerShell batch them by 1,000.
 */
const MAX_SUBSCRIPTIONS = 1000;

const ROLE_ASSIGNMENTS = 'microsoft.authorization/roleassignments';

/** `/subscriptions/{s}/resourceGroups/{rg}/providers/{ns}/{type}/{name}`: a top-level resource in a group. */
const TOP_LEVEL_IN_GROUP = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/([^/]+)\/[^/]+\/[^/]+$/i;

/** Tests' handle on the sandbox's Resource Graph (`sandbox.resourceGraph`). */
export interface SandboxResourceGraph {
  /**
   * From now on ARG answers from a deep copy of the state as it is at this moment, until
   * `thaw()`: ARG's lag behind ARM, held still. Calling it again takes a new copy.
   */
  freeze(): void;
  /** ARG answers from the live state again. */
  thaw(): void;
  /**
   * ARG requests that reached Resource Graph (past faults and authentication), refused ones
   * (400, 405, 429) included; not reset by `clearRequests()`.
   */
  queries(): number;
}

export interface ResourceGraphOptions {
  /** The live store and the engine serving ARM from it. */
  readonly store: ResourceStore;
  readonly engine: ArmEngine;
  /** The providers `engine` serves, for a frozen copy's engine and for the api-version of a GET. */
  readonly providers: readonly ResourceProvider[];
  readonly managementGroups: readonly ManagementGroup[] | undefined;
  /** Default {@link RESOURCE_GRAPH_QUOTA}; `false`: no quota and no quota headers. */
  readonly quota?: ResourceGraphQuotaLimits | false | undefined;
  readonly now?: () => Date;
  /** Clock of the quota windows (default `performance.now`). */
  readonly nowMs?: () => number;
}

/** One request, already authenticated by the server. */
export interface ResourceGraphRequest {
  readonly method: string;
  readonly apiVersion: string | undefined;
  /** The raw request body. */
  readonly body: string;
  readonly callerObjectId: string;
  readonly correlationId: string;
}

export interface ResourceGraphAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
}

/** The state ARG answers from: live, or a frozen copy with its own engine. */
interface World {
  readonly store: ResourceStore;
  readonly engine: ArmEngine;
  readonly managementGroups: readonly ManagementGroup[];
}

const stringArray = z.array(z.string());
/** QueryRequest as the spec defines it; unknown fields are ignored, as a JSON deserializer would. */
const queryRequestSchema = z.looseObject({
  subscriptions: stringArray.nullish(),
  managementGroups: stringArray.nullish(),
  query: z.string(),
  options: z
    .looseObject({
      $top: z.number().nullish(),
      $skip: z.number().nullish(),
      $skipToken: z.string().nullish(),
      resultFormat: z.string().nullish(),
      allowPartialScopes: z.boolean().nullish(),
      authorizationScopeFilter: z.string().nullish(),
    })
    .nullish(),
  facets: z.array(z.unknown()).nullish(),
});
type QueryRequest = z.infer<typeof queryRequestSchema>;

function parseQueryRequest(text: string): QueryRequest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalidRequestContent(error instanceof Error ? error.message : 'malformed JSON');
  }
  // A body of the wrong JSON types is refused as ARM refuses one it cannot deserialize (approximated for ARG).
  validateBody(queryRequestSchema, json);
  return queryRequestSchema.parse(json);
}

/** A matching row before it is rendered: rendering (an ARM GET) is paid only for the page. */
interface Candidate {
  /** Lower-cased id: `order by id asc` is ordinal on it. */
  readonly key: string;
  render(): Record<string, unknown>;
}

export class ResourceGraph implements SandboxResourceGraph {
  private readonly live: World;
  private frozen: World | undefined;
  private readonly providers: readonly ResourceProvider[];
  private readonly quota: UserQuota | undefined;
  private readonly now: () => Date;
  private served = 0;

  constructor(options: ResourceGraphOptions) {
    this.live = { store: options.store, engine: options.engine, managementGroups: options.managementGroups ?? [] };
    this.providers = options.providers;
    this.quota = options.quota === false ? undefined : new UserQuota(options.quota ?? RESOURCE_GRAPH_QUOTA, options.nowMs);
    this.now = options.now ?? (() => new Date());
  }

  freeze(): void {
    const store = new ResourceStore(this.live.store.all());
    this.frozen = {
      store,
      engine: new ArmEngine(store, this.providers, { pageSize: 100 }),
      managementGroups: structuredClone(this.live.managementGroups),
    };
  }

  thaw(): void {
    this.frozen = undefined;
  }

  queries(): number {
    return this.served;
  }

  /** Answers one request; ARM's and ARG's refusals come back as answers, sandbox bugs as exceptions. */
  serve(request: ResourceGraphRequest): ResourceGraphAnswer {
    this.served += 1;
    const now = this.now();
    let headers: Record<string, string> = {};
    try {
      // ARM's own checks, before the request reaches ARG (so no quota is used or reported).
      const { apiVersion } = request;
      if (apiVersion === undefined) throw missingApiVersion();
      if (!(RESOURCE_GRAPH_API_VERSIONS as readonly string[]).includes(apiVersion)) throw invalidApiVersion(apiVersion, RESOURCE_GRAPH_API_VERSIONS);
      if (request.method !== 'POST') throw methodNotAllowed(request.method);
      if (this.quota !== undefined) {
        const decision = this.quota.take(request.callerObjectId);
        headers = quotaHeaders(decision);
        // No Retry-After: the SDK's pipeline would then retry by itself, and the service under
        // test must back off from the quota headers. Whether real ARG sends one on this 429 is
        // not verified here.
        if (!decision.allowed) throw rateLimited();
      }
      return { status: 200, body: this.answer(parseQueryRequest(request.body)), headers };
    } catch (error) {
      if (error instanceof ResourceGraphError) return { status: error.status, body: error.toBody(request.correlationId, now), headers };
      if (error instanceof ArmError) return { status: error.status, body: error.toBody(), headers: { ...error.headers, ...headers } };
      throw error;
    }
  }

  private answer(request: QueryRequest): Record<string, unknown> {
    const query = parseQuery(request.query);
    const options = request.options ?? {};
    if (options.resultFormat != null && options.resultFormat !== 'objectArray') {
      // 'table' is valid ARG; the sandbox answers only the default object array.
      throw badRequest('UnsupportedResultFormat', `The sandbox answers resultFormat 'objectArray' only, not '${options.resultFormat}'.`);
    }
    if (options.authorizationScopeFilter != null && options.authorizationScopeFilter !== 'AtScopeAndBelow') {
      // The other filters (AtScopeAndAbove, AtScopeExact, AtScopeAboveAndBelow) are valid ARG the sandbox does not model.
      throw badRequest(
        'UnsupportedAuthorizationScopeFilter',
        `The sandbox answers authorizationScopeFilter 'AtScopeAndBelow' (the default) only, not '${options.authorizationScopeFilter}'.`,
      );
    }
    if ((request.facets ?? []).length > 0) throw badRequest('UnsupportedFacets', 'The sandbox does not compute facets.');
    const subscriptions = request.subscriptions ?? [];
    const managementGroups = request.managementGroups ?? [];
    const binding = pagingBinding(request.query, subscriptions, managementGroups);
    const page = resolvePage({ top: options.$top ?? undefined, skip: options.$skip ?? undefined, skipToken: options.$skipToken ?? undefined }, binding);

    const world = this.frozen ?? this.live;
    const rows = this.candidates(world, query, this.scope(world, subscriptions, managementGroups));
    const slice = rows.slice(page.offset, page.offset + page.size);
    const next = page.offset + slice.length;
    return {
      totalRecords: rows.length,
      count: slice.length,
      // Every supported query ends in `order by id asc`, so paging returns all rows.
      resultTruncated: 'false',
      facets: [],
      ...(next < rows.length ? { $skipToken: encodeSkipToken({ offset: next, size: page.size }, binding) } : {}),
      data: slice.map((row) => row.render()),
    };
  }

  /**
   * The subscriptions a request covers. Both lists given: their union (how ARG combines them is
   * not verified here); an empty list counts as absent. Neither: the tenant, which for the
   * sandbox is every subscription a resource id or a management group names.
   */
  private scope(world: World, subscriptions: readonly string[], managementGroups: readonly string[]): Set<string> {
    if (subscriptions.length > MAX_SUBSCRIPTIONS) {
      // Approximated: the limit is documented, ARG's answer for breaking it is not.
      throw badRequest('TooManySubscriptions', `A query can name at most ${MAX_SUBSCRIPTIONS} subscriptions; got ${subscriptions.length}.`);
    }
    if (subscriptions.length === 0 && managementGroups.length === 0) return knownSubscriptions(world);
    const scope = new Set(subscriptions.map((id) => id.toLowerCase()));
    if (managementGroups.length > 0) {
      const groups = new Map(flattenManagementGroups(world.managementGroups).map((group) => [group.name.toLowerCase(), group]));
      const unknown = managementGroups.filter((name) => !groups.has(name.toLowerCase()));
      if (unknown.length > 0) throw invalidManagementGroups(unknown);
      for (const name of managementGroups) {
        const group = groups.get(name.toLowerCase());
        for (const member of flattenManagementGroups(group === undefined ? [] : [group])) {
          for (const id of member.subscriptions) scope.add(id.toLowerCase());
        }
      }
    }
    return scope;
  }

  /** Every matching row, in `order by id asc` order. */
  private candidates(world: World, query: ResourceGraphQuery, scope: ReadonlySet<string>): Candidate[] {
    const rows: Candidate[] = [];
    switch (query.table) {
      case 'resources':
        // Only top-level resources in a resource group: child types (blobServices, containers,
        // workspace tables) and extension resources are not in ARG's resources table
        // (supported-tables-resources.md), role assignments live in authorizationresources.
        for (const resource of world.store.viewOfType(query.type)) {
          const match = TOP_LEVEL_IN_GROUP.exec(resource.id);
          const [, subscription = '', group = '', namespace = ''] = match ?? [];
          if (match === null || !scope.has(subscription.toLowerCase()) || idKey(namespace) === 'microsoft.authorization') continue;
          if (this.apiVersionFor(resource.type) === undefined) continue;
          const { id } = resource;
          rows.push({ key: idKey(id), render: () => resourceRow(this.armGet(world, id, resource.type), subscription, group) });
        }
        break;
      case 'authorizationresources':
        // AtScopeAndBelow for a set of subscriptions: assignments at or below one of them. Grants
        // inherited from a management group (or the root) sit above every subscription and are
        // left out; real ARG scoped by a management group or the tenant would also return the
        // assignments made at the groups, which the sandbox does not.
        for (const resource of world.store.viewOfType(ROLE_ASSIGNMENTS)) {
          const subscription = subscriptionOf(resource.id);
          if (subscription === undefined || !scope.has(subscription.toLowerCase())) continue;
          const { id } = resource;
          rows.push({ key: idKey(id), render: () => assignmentRow(this.armGet(world, id, resource.type)) });
        }
        break;
      case 'resourcecontainers': {
        const known = knownSubscriptions(world);
        for (const subscription of scope) {
          if (!known.has(subscription)) continue;
          // ARG's name is the subscription's display name; the sandbox knows none, so the id stands in.
          rows.push({ key: `/subscriptions/${subscription}`, render: () => ({ id: `/subscriptions/${subscription}`, subscriptionId: subscription, name: subscription }) });
        }
        break;
      }
    }
    return rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** An api-version the provider of `type` accepts; undefined when no provider serves the type. */
  private apiVersionFor(type: string): string | undefined {
    const namespace = idKey(type.split('/')[0] ?? '');
    const provider = this.providers.find((candidate) => idKey(candidate.namespace) === namespace);
    const definition = provider?.resourceTypes.find((candidate) => idKey(candidate.type) === idKey(type));
    return provider === undefined || definition === undefined ? undefined : (definition.apiVersions ?? provider.apiVersions)[0];
  }

  /** The resource exactly as an ARM GET through the sandbox returns it. */
  private armGet(world: World, id: string, type: string): ArmResource {
    const path = parseArmPath(id);
    const apiVersion = this.apiVersionFor(type);
    if (path === undefined || apiVersion === undefined) throw new Error(`sandbox: ${id} cannot be read through ARM`);
    try {
      const result = world.engine.execute({
        method: 'GET',
        path,
        rawPath: id,
        apiVersion,
        query: new URLSearchParams(),
        body: undefined,
        preconditions: {},
        baseUrl: '',
      });
      return result.body as ArmResource;
    } catch (error) {
      // A stored resource ARM cannot GET is a sandbox bug, not an answer for the caller.
      throw new Error(`sandbox: ARM GET of ${id} failed while answering Resource Graph: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/** Every subscription a resource id or a management group names, lower-cased. */
function knownSubscriptions(world: World): Set<string> {
  const known = new Set<string>();
  // `filter` hands the predicate the stored objects and copies only what it keeps: nothing here.
  world.store.filter((resource) => {
    const subscription = subscriptionOf(resource.id);
    if (subscription !== undefined) known.add(subscription.toLowerCase());
    return false;
  });
  for (const group of flattenManagementGroups(world.managementGroups)) {
    for (const id of group.subscriptions) known.add(id.toLowerCase());
  }
  return known;
}

/** ARG lower-cases `type`, `resourceGroup` and `subscriptionId`; a field the resource lacks is null. */
function resourceRow(resource: ArmResource, subscription: string, group: string): Record<string, unknown> {
  return {
    id: resource.id,
    name: resource.name,
    type: resource.type.toLowerCase(),
    location: resource.location ?? null,
    resourceGroup: group.toLowerCase(),
    subscriptionId: subscription.toLowerCase(),
    kind: resource.kind ?? null,
    sku: resource.sku ?? null,
    identity: resource['identity'] ?? null,
    tags: resource.tags ?? null,
    properties: resource.properties ?? null,
  };
}

function assignmentRow(resource: ArmResource): Record<string, unknown> {
  return { id: resource.id, name: resource.name, type: resource.type.toLowerCase(), properties: resource.properties ?? null };
}

export { RESOURCE_GRAPH_QUOTA };
export type { ResourceGraphQuotaLimits };
