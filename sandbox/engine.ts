import { type ArmPath, actionTarget, atOrBelow, fullType, idKey, parentId, scopeOf } from './armPath.js';
import {
  ArmError,
  invalidApiVersion,
  invalidFilter,
  invalidRequestContent,
  invalidResourceType,
  methodNotAllowed,
  noRegisteredProvider,
  parentResourceNotFound,
  preconditionFailed,
  resourceNotFound,
} from './errors.js';
import { EtagGenerator, type Preconditions, checkPreconditions, seededEtag } from './etag.js';
import { deepMerge, isPlainObject } from './merge.js';
import type { ResourceAction, ResourceProvider, ResourceTypeDefinition, WriteContext } from './providers/types.js';
import type { ArmResource } from './state.js';
import type { ResourceStore } from './store.js';

/** One ARM request, already authenticated and parsed by the server. */
export interface ArmOperation {
  readonly method: string;
  readonly path: ArmPath;
  /** The request path as sent (still URL-encoded), for nextLink. */
  readonly rawPath: string;
  readonly apiVersion: string;
  readonly query: URLSearchParams;
  /** Parsed JSON body, or undefined when there was none. */
  readonly body: unknown;
  readonly preconditions: Preconditions;
  /** Scheme and authority of the sandbox, for nextLink. */
  readonly baseUrl: string;
  /** The authenticated caller's object id, for services that record who wrote. */
  readonly callerObjectId?: string;
  /** The tenant of the caller's token, recorded with the object id by some services. */
  readonly callerTenantId?: string;
}

/** A state change made by an operation. */
export interface ResourceChange {
  readonly operation: 'write' | 'delete';
  /** Set when a POST action made the write (`lock`): ARM then reports `ResourceActionSuccess`. */
  readonly action?: string;
  readonly resourceId: string;
  readonly resourceType: string;
  readonly before?: ArmResource;
  readonly after?: ArmResource;
}

export interface ArmResult {
  readonly status: number;
  readonly body?: unknown;
  readonly etag?: string;
  /** The request's target first; cascaded deletes and parent updates follow. */
  readonly changes: readonly ResourceChange[];
  /** Resource provider namespace that served the request (for events). */
  readonly namespace: string;
}

export interface EngineOptions {
  readonly pageSize: number;
  readonly now?: () => Date;
}

interface Resolved {
  readonly provider: ResourceProvider;
  readonly definition: ResourceTypeDefinition;
}

/** A write about to be stored: by PUT/PATCH or by an action. */
interface Commit {
  readonly operation: ArmOperation;
  readonly definition: ResourceTypeDefinition;
  readonly next: ArmResource;
  readonly before: ArmResource | undefined;
  readonly parent: ArmResource | undefined;
  readonly now: Date;
  readonly status: number;
  readonly namespace: string;
  readonly action?: string;
}

const IDENTITY_FIELDS = ['id', 'name', 'type', 'etag'];

/**
 * ARM's behaviour for every resource type: routing to a provider, api-version checks,
 * parents, conditional requests, PUT/PATCH semantics, cascading deletes and paging.
 * No HTTP here; the server adapts requests and responses.
 */
export class ArmEngine {
  private readonly etags = new EtagGenerator();
  private readonly now: () => Date;

  constructor(
    private readonly store: ResourceStore,
    private readonly providers: readonly ResourceProvider[],
    private readonly options: EngineOptions,
  ) {
    this.now = options.now ?? (() => new Date());
    this.showLoadedChildren();
  }

  /** A loaded state shows each stored child on its parent as ARM would, without rewriting what it already shows. */
  private showLoadedChildren(): void {
    for (const provider of this.providers) {
      for (const definition of provider.resourceTypes) {
        const show = definition.showOnLoadedParent;
        if (show === undefined) continue;
        for (const child of this.store.ofType(definition.type)) {
          const parent = this.store.get(child.id.split('/').slice(0, -2).join('/'));
          const shown = parent === undefined ? undefined : show(parent, child);
          if (shown !== undefined) this.store.put(shown);
        }
      }
    }
  }

  /** Serves one request; throws ArmError for every answer ARM gives as an error. */
  execute(operation: ArmOperation): ArmResult {
    if (operation.method === 'POST') return this.post(operation);
    const { provider, definition } = this.resolve(operation.path, operation.apiVersion);
    const { path, method } = operation;
    if (path.kind === 'collection') {
      if (method !== 'GET' || !definition.listable) throw methodNotAllowed(method);
      return this.list(operation, provider, definition);
    }
    if (!(definition.methods as readonly string[]).includes(method)) throw methodNotAllowed(method);

    const parent = this.parentOf(path, definition);
    const current = this.current(path, definition, parent);
    const ns = provider.namespace;
    switch (method) {
      case 'GET': {
        if (current === undefined) throw this.notFound(path, definition);
        this.checkConditions(method, operation.preconditions, current, definition);
        return { status: 200, body: current, ...etagOf(current), changes: [], namespace: ns };
      }
      case 'PUT':
      case 'PATCH':
        return this.write(operation, method, definition, parent, current, ns);
      case 'DELETE':
        return this.remove(operation, current, parent, definition, ns);
      default:
        throw methodNotAllowed(method);
    }
  }

  private resolve(path: ArmPath, apiVersion: string): Resolved {
    const provider = this.providers.find((candidate) => idKey(candidate.namespace) === idKey(path.namespace));
    if (provider === undefined) throw noRegisteredProvider(path.path);
    const type = fullType(path);
    const definition = provider.resourceTypes.find((candidate) => idKey(candidate.type) === idKey(type));
    const versions = definition?.apiVersions ?? provider.apiVersions;
    if (!versions.includes(apiVersion)) throw invalidApiVersion(apiVersion, versions);
    if (definition === undefined) throw invalidResourceType(type, provider.namespace, apiVersion);
    return { provider, definition };
  }

  /**
   * `POST {resource id}/{action}`: a declared action on one resource. Any other POST gets the
   * answer ARM gives for a type or method nobody serves.
   */
  private post(operation: ArmOperation): ArmResult {
    const target = actionTarget(operation.path);
    const action = target === undefined ? undefined : this.declaredAction(target.resource, target.action);
    if (target === undefined || action === undefined) {
      this.resolve(operation.path, operation.apiVersion);
      throw methodNotAllowed('POST');
    }
    const { provider, definition } = this.resolve(target.resource, operation.apiVersion);
    return this.act(operation, target.resource, definition, action, provider.namespace);
  }

  private declaredAction(path: ArmPath, name: string): ResourceAction | undefined {
    return this.definitionOf(fullType(path))?.actions?.find((candidate) => idKey(candidate.name) === idKey(name));
  }

  private act(operation: ArmOperation, path: ArmPath, definition: ResourceTypeDefinition, action: ResourceAction, namespace: string): ArmResult {
    const parent = this.parentOf(path, definition);
    const current = this.current(path, definition, parent);
    if (current === undefined) throw this.notFound(path, definition);
    this.checkConditions('POST', operation.preconditions, current, definition, action.requiresIfMatch);
    const body = operation.body ?? {};
    if (!isPlainObject(body)) throw invalidRequestContent('The request body must be a JSON object');
    const now = this.now();
    const result = action.run({
      resourceId: current.id,
      resource: structuredClone(current),
      body,
      parent,
      apiVersion: operation.apiVersion,
      now,
      lookup: (id) => this.lookup(id),
      callerObjectId: operation.callerObjectId,
      callerTenantId: operation.callerTenantId,
    });
    const next: ArmResource = { ...result, id: current.id, name: current.name, type: current.type };
    return this.commit({ operation, definition, next, before: current, parent, now, status: 200, namespace, action: action.name });
  }

  /** Conditional headers with the type's own error, and its rule that some requests need `If-Match`. */
  private checkConditions(
    method: string,
    conditions: Preconditions,
    current: ArmResource | undefined,
    definition: ResourceTypeDefinition,
    requiresIfMatch = definition.requiresIfMatch?.some((required) => required === method) ?? false,
  ): void {
    const failure = definition.preconditionFailed ?? preconditionFailed;
    if (requiresIfMatch && (conditions.ifMatch ?? '').trim() === '') throw failure();
    checkPreconditions(method, conditions, current, failure);
  }

  /**
   * The parent of a nested or extension resource (stored or implicit); throws when it does not
   * exist. A resource the state lists is served even when its parent is not listed: a state
   * file describes what ARM holds, and may describe only the resources a case is about.
   */
  private parentOf(path: ArmPath, definition: ResourceTypeDefinition): ArmResource | undefined {
    const id = parentId(path);
    const nested = definition.type.split('/').length > 2;
    const extension = /\/providers\//i.test(path.scope);
    if (!nested && !extension) return undefined;
    const parent = this.lookup(id);
    if (parent === undefined && this.store.get(path.path) === undefined) throw parentResourceNotFound(id.split('/').at(-1) ?? id);
    return parent;
  }

  /** Any resource by id, including implicit instances such as `blobServices/default`. */
  private lookup(id: string): ArmResource | undefined {
    const stored = this.store.get(id);
    if (stored !== undefined) return stored;
    const segments = id.split('/');
    const name = segments.at(-1);
    const parentIdValue = segments.slice(0, -2).join('/');
    if (name === undefined || !/\/providers\//i.test(parentIdValue)) return undefined;
    const parent = this.lookup(parentIdValue);
    if (parent === undefined) return undefined;
    const type = `${parent.type}/${segments.at(-2) ?? ''}`;
    const definition = this.definitionOf(type);
    return definition === undefined ? undefined : this.implicit(definition, `${parent.id}/${segments.at(-2)}/${name}`, name, parent);
  }

  private definitionOf(type: string): ResourceTypeDefinition | undefined {
    for (const provider of this.providers) {
      const found = provider.resourceTypes.find((candidate) => idKey(candidate.type) === idKey(type));
      if (found !== undefined) return found;
    }
    return undefined;
  }

  private implicit(definition: ResourceTypeDefinition, id: string, name: string, parent: ArmResource): ArmResource | undefined {
    const implicit = definition.implicit;
    if (implicit === undefined || !implicit.names.some((candidate) => idKey(candidate) === idKey(name))) return undefined;
    const resource = implicit.initial(id, name, parent);
    if (!definition.hasEtag) return resource;
    // Stable until the first write, so conditional requests work on it like on a stored resource
    // (unless the initial state brings its own, as a policy shown on its container does).
    return { ...resource, etag: resource.etag ?? seededEtag(id, definition.etagStyle) };
  }

  private current(path: ArmPath, definition: ResourceTypeDefinition, parent: ArmResource | undefined): ArmResource | undefined {
    const stored = this.store.get(path.path);
    if (stored !== undefined) return stored;
    const name = path.names.at(-1);
    if (name !== undefined && definition.builtIn !== undefined) return definition.builtIn(this.newId(path, definition, parent), name);
    if (parent === undefined || name === undefined) return undefined;
    return this.implicit(definition, this.newId(path, definition, parent), name, parent);
  }

  /** Id for a new resource: the parent's stored casing, ARM's canonical keywords and type casing. */
  private newId(path: ArmPath, definition: ResourceTypeDefinition, parent: ArmResource | undefined): string {
    const [namespace, ...segments] = definition.type.split('/');
    const name = path.names.at(-1) ?? '';
    const nested = segments.length > 1;
    if (nested && parent !== undefined) return `${parent.id}/${segments.at(-1)}/${name}`;
    const scope = parent?.id ?? canonicalScope(path.scope);
    return `${scope}/providers/${namespace}/${segments.join('/')}/${name}`;
  }

  private notFound(path: ArmPath, definition: ResourceTypeDefinition): ArmError {
    return resourceNotFound(definition.type, path.names, path.resourceGroup);
  }

  private write(
    operation: ArmOperation,
    method: 'PUT' | 'PATCH',
    definition: ResourceTypeDefinition,
    parent: ArmResource | undefined,
    existing: ArmResource | undefined,
    namespace: string,
  ): ArmResult {
    const { path, body } = operation;
    if (!isPlainObject(body)) throw invalidRequestContent('The request body must be a JSON object');
    if (existing === undefined && method === 'PATCH') throw this.notFound(path, definition);
    if (existing === undefined && definition.validateName !== undefined) definition.validateName(path.names.at(-1) ?? '');
    this.checkConditions(method, operation.preconditions, existing, definition);

    const now = this.now();
    const resourceId = existing?.id ?? this.newId(path, definition, parent);
    const context: WriteContext = {
      method,
      resourceId,
      body,
      existing,
      parent,
      apiVersion: operation.apiVersion,
      now,
      lookup: (id) => this.lookup(id),
      resourcesOfType: (type) => this.store.ofType(type),
      callerObjectId: operation.callerObjectId,
      callerTenantId: operation.callerTenantId,
    };
    definition.validate?.(context);
    rejectLocationChange(existing, body, resourceId);

    const incoming = withoutServiceOwned(body, definition);
    let next: ArmResource;
    if (existing === undefined) {
      const name = path.names.at(-1) ?? '';
      next = { ...incoming, id: resourceId, name, type: definition.type, properties: incomingProperties(incoming) };
      next = definition.createDefaults?.(next, context) ?? next;
    } else if (method === 'PATCH' || definition.putSemantics === 'merge') {
      next = { ...existing, ...incoming, properties: deepMerge(existing.properties ?? {}, incomingProperties(incoming)) };
    } else {
      next = {
        ...incoming,
        id: existing.id,
        name: existing.name,
        type: existing.type,
        ...(existing.location !== undefined ? { location: existing.location } : {}),
        properties: { ...serviceOwned(existing, definition), ...incomingProperties(incoming) },
      };
    }
    next = definition.afterWrite?.(next, context) ?? next;
    const status = existing === undefined ? definition.createdStatus : 200;
    return this.commit({ operation, definition, next, before: existing, parent, now, status, namespace });
  }

  /** Stores a written resource with a fresh etag, and its parent when the parent shows it. */
  private commit(step: Commit): ArmResult {
    const { definition, next, before, now } = step;
    if (definition.hasEtag) next.etag = this.etags.next(now.getTime(), definition.etagStyle);
    else delete next.etag;
    this.store.put(next);
    const change: ResourceChange = {
      operation: 'write',
      ...(step.action !== undefined ? { action: step.action } : {}),
      resourceId: next.id,
      resourceType: definition.type,
      after: next,
      ...(before !== undefined ? { before } : {}),
    };
    const cause = step.action ?? step.operation.method;
    const changes = [change, ...this.updateParent(step.operation, definition, step.parent, cause, next, now)];
    return { status: step.status, body: next, ...etagOf(next), changes, namespace: step.namespace };
  }

  /** What the parent of a type it shows (`updateParent`) looks like after a change of its child. */
  private updateParent(
    operation: ArmOperation,
    definition: ResourceTypeDefinition,
    parent: ArmResource | undefined,
    cause: string,
    child: ArmResource | undefined,
    now: Date,
  ): ResourceChange[] {
    if (definition.updateParent === undefined || parent === undefined) return [];
    const next = definition.updateParent(structuredClone(parent), {
      cause,
      child,
      now,
      callerObjectId: operation.callerObjectId,
      callerTenantId: operation.callerTenantId,
    });
    const parentDefinition = this.definitionOf(parent.type);
    if (parentDefinition?.hasEtag === true) next.etag = this.etags.next(now.getTime(), parentDefinition.etagStyle);
    this.store.put(next);
    return [{ operation: 'write', resourceId: next.id, resourceType: next.type, before: parent, after: next }];
  }

  private remove(
    operation: ArmOperation,
    existing: ArmResource | undefined,
    parent: ArmResource | undefined,
    definition: ResourceTypeDefinition,
    namespace: string,
  ): ArmResult {
    this.checkConditions('DELETE', operation.preconditions, existing, definition);
    if (existing === undefined) return { status: 204, changes: [], namespace };
    definition.validateDelete?.(existing);
    const removed = this.store.deleteTree(existing.id);
    // The target comes first even when nobody stored it (an implicit instance reverts to its
    // default): ARM reports every DELETE it served.
    const changes = (removed.length > 0 ? removed : [existing]).map((resource): ResourceChange => ({
      operation: 'delete',
      resourceId: resource.id,
      resourceType: resource.type,
      before: resource,
    }));
    changes.push(...this.updateParent(operation, definition, parent, 'DELETE', undefined, this.now()));
    if (definition.deleteReturnsResource !== true) return { status: 200, changes, namespace };
    // What a GET shows now: an implicit instance (with its parent as just updated), else nothing.
    const body = this.lookup(existing.id) ?? existing;
    return { status: 200, body, ...etagOf(body), changes, namespace };
  }

  private list(operation: ArmOperation, provider: ResourceProvider, definition: ResourceTypeDefinition): ArmResult {
    const { path } = operation;
    const nested = definition.type.split('/').length > 2;
    // Stored objects, uncopied: `page` copies only what it returns.
    let items: Readonly<ArmResource>[];
    if (nested || /\/providers\//i.test(path.scope)) {
      const parent = this.parentOf(path, definition);
      const parentKey = idKey(parent?.id ?? parentId(path));
      items = nested
        ? [...this.store.viewOfCollection(definition.type, `${parentKey}/${definition.type.split('/').at(-1) ?? ''}`)]
        : [...this.store.viewOfType(definition.type, (r) => idKey(scopeOf(r.id)) === parentKey)];
      if (parent !== undefined && definition.implicit !== undefined) {
        const segment = definition.type.split('/').at(-1) ?? '';
        const storedNames = new Set(items.map((r) => idKey(r.name)));
        // Implicit instances are listed like stored ones (a listing of blobServices always shows "default").
        for (const name of definition.implicit.names) {
          if (storedNames.has(idKey(name))) continue;
          const instance = this.implicit(definition, `${parent.id}/${segment}/${name}`, name, parent);
          if (instance !== undefined) items.push(instance);
        }
      }
    } else {
      const filter = operation.query.get('$filter') ?? undefined;
      if (filter !== undefined && definition.listFilter === undefined) throw invalidFilter(filter);
      items = [...this.store.viewOfType(definition.type, definition.listFilter?.(filter, path.scope) ?? atOrBelow(path.scope))];
    }
    return { status: 200, body: this.page(operation, items), changes: [], namespace: provider.namespace };
  }

  private page(operation: ArmOperation, items: readonly Readonly<ArmResource>[]): { value: ArmResource[]; nextLink?: string } {
    const skip = Math.max(0, Number.parseInt(operation.query.get('$skiptoken') ?? '0', 10) || 0);
    const requested = Number.parseInt(operation.query.get('$maxpagesize') ?? '', 10);
    const size = Number.isFinite(requested) && requested > 0 ? Math.min(requested, this.options.pageSize) : this.options.pageSize;
    const value = items.slice(skip, skip + size).map((resource) => structuredClone(resource) as ArmResource);
    if (skip + size >= items.length) return { value };
    const next = new URLSearchParams(operation.query);
    next.set('$skiptoken', String(skip + size));
    return { value, nextLink: `${operation.baseUrl}${operation.rawPath}?${next.toString()}` };
  }
}

function etagOf(resource: ArmResource): { etag?: string } {
  return resource.etag !== undefined ? { etag: resource.etag } : {};
}

/** `/subscriptions/{s}/resourceGroups/{rg}` with ARM's keyword casing. */
function canonicalScope(scope: string): string {
  return scope.replace(/^\/subscriptions\//i, '/subscriptions/').replace(/^(\/subscriptions\/[^/]+)\/resourcegroups\//i, '$1/resourceGroups/');
}

function incomingProperties(body: Record<string, unknown>): Record<string, unknown> {
  return isPlainObject(body.properties) ? body.properties : {};
}

/** The request body without fields the caller cannot set. */
function withoutServiceOwned(body: Readonly<Record<string, unknown>>, definition: ResourceTypeDefinition): Record<string, unknown> {
  const result: Record<string, unknown> = structuredClone({ ...body });
  for (const field of IDENTITY_FIELDS) delete result[field];
  if (isPlainObject(result.properties)) {
    for (const property of definition.serviceOwnedProperties ?? []) delete result.properties[property];
  }
  return result;
}

function serviceOwned(existing: ArmResource, definition: ResourceTypeDefinition): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const property of definition.serviceOwnedProperties ?? []) {
    const value = existing.properties?.[property];
    if (value !== undefined) kept[property] = value;
  }
  return kept;
}

function normalizeLocation(location: string): string {
  return location.replace(/\s+/g, '').toLowerCase();
}

function rejectLocationChange(existing: ArmResource | undefined, body: Readonly<Record<string, unknown>>, id: string): void {
  const requested = body.location;
  if (existing?.location === undefined || typeof requested !== 'string') return;
  if (normalizeLocation(requested) === normalizeLocation(existing.location)) return;
  const group = /\/resourceGroups\/([^/]+)/i.exec(id)?.[1] ?? '';
  throw new ArmError(
    409,
    'InvalidResourceLocation',
    `The resource '${existing.name}' already exists in location '${existing.location}' in resource group '${group}'. A resource with the same name cannot be created in location '${requested}'. Please select a new resource name.`,
  );
}
