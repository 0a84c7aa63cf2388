/**
 * Reads ARM request paths. ARM ids are case-insensitive in their keywords and names, so
 * everything here compares lower-case while keeping the caller's spelling for display.
 */

/** A request path addressing one resource or a collection of one resource type. */
export interface ArmPath {
  readonly kind: 'resource' | 'collection';
  /** The path as requested (URL-decoded, no trailing slash). */
  readonly path: string;
  readonly subscriptionId: string;
  readonly resourceGroup?: string;
  /** Everything before the last `/providers/`: a subscription, resource group or, for extension resources, another resource. */
  readonly scope: string;
  /** Resource provider namespace as requested, e.g. `Microsoft.Storage`. */
  readonly namespace: string;
  /** Type segments after the namespace, e.g. ['storageAccounts', 'blobServices', 'containers']. */
  readonly typeSegments: readonly string[];
  /** One name per type segment for a resource; one fewer for a collection. */
  readonly names: readonly string[];
}

/** Joins namespace and type segments: `Microsoft.Storage/storageAccounts/blobServices`. */
export function fullType(path: Pick<ArmPath, 'namespace' | 'typeSegments'>): string {
  return [path.namespace, ...path.typeSegments].join('/');
}

/**
 * The id of the resource (or scope) that the addressed resource or collection lives in:
 * the parent resource for nested types, otherwise the scope.
 */
export function parentId(path: ArmPath): string {
  const ownNames = path.kind === 'resource' ? path.names.length - 1 : path.names.length;
  if (ownNames === 0) return path.scope;
  const segments: string[] = [];
  for (let i = 0; i < ownNames; i++) segments.push(`${path.typeSegments[i]}/${path.names[i]}`);
  return `${path.scope}/providers/${path.namespace}/${segments.join('/')}`;
}

/**
 * Reads `POST {resource id}/{action}` (`.../immutabilityPolicies/default/lock`): the resource the
 * action is on and the action's name. The parser sees such a path as a collection whose last
 * type segment is the action; undefined when no resource precedes that segment.
 */
export function actionTarget(path: ArmPath): { readonly resource: ArmPath; readonly action: string } | undefined {
  const action = path.typeSegments.at(-1);
  if (path.kind !== 'collection' || path.typeSegments.length < 2 || action === undefined) return undefined;
  return {
    action,
    resource: { ...path, kind: 'resource', path: path.path.slice(0, path.path.lastIndexOf('/')), typeSegments: path.typeSegments.slice(0, -1) },
  };
}

/** Lower-cased id for case-insensitive comparison. */
export function idKey(id: string): string {
  return id.toLowerCase();
}

/** The part of an id before its last `/providers/` (what an extension resource is attached to). */
export function scopeOf(id: string): string {
  const index = id.toLowerCase().lastIndexOf('/providers/');
  return index <= 0 ? id : id.slice(0, index);
}

/** What a listing at a scope returns by default: resources at the scope or under it. */
export function atOrBelow(scope: string): (resource: { id: string }) => boolean {
  const scopeKey = idKey(scope);
  return (resource) => {
    const own = idKey(scopeOf(resource.id));
    return own === scopeKey || own.startsWith(`${scopeKey}/`);
  };
}

/** What ARM's `atScope()` filter returns: resources at the scope or at one of its ancestors. */
export function atOrAbove(scope: string): (resource: { id: string }) => boolean {
  const scopeKey = idKey(scope);
  return (resource) => {
    const own = idKey(scopeOf(resource.id));
    return own === scopeKey || scopeKey.startsWith(`${own}/`);
  };
}

/** Resource group name of an id, if it has one. */
export function resourceGroupOf(id: string): string | undefined {
  const match = /^\/subscriptions\/[^/]+\/resourcegroups\/([^/]+)/i.exec(id);
  return match?.[1];
}

/** Subscription id of an id, if it has one. */
export function subscriptionOf(id: string): string | undefined {
  return /^\/subscriptions\/([^/]+)/i.exec(id)?.[1];
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Parses `/subscriptions/{s}[/resourceGroups/{rg}][/.../providers/{ns}/{type}[/{name}...]]`.
 * Returns undefined for paths that address no resource type (ARM answers those itself).
 */
export function parseArmPath(rawPath: string): ArmPath | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return undefined;
  }
  const path = decoded.replace(/\/+$/, '');
  const segments = path.split('/').slice(1);
  if (segments.some((segment) => segment === '')) return undefined;
  if (segments[0]?.toLowerCase() !== 'subscriptions') return undefined;
  const subscriptionId = segments[1];
  if (subscriptionId === undefined || !GUID.test(subscriptionId)) return undefined;

  let lastProviders = -1;
  for (let i = 2; i < segments.length; i++) if (segments[i]?.toLowerCase() === 'providers') lastProviders = i;
  if (lastProviders < 0) return undefined;

  const namespace = segments[lastProviders + 1];
  const rest = segments.slice(lastProviders + 2);
  if (namespace === undefined || rest.length === 0) return undefined;

  const typeSegments: string[] = [];
  const names: string[] = [];
  rest.forEach((segment, index) => (index % 2 === 0 ? typeSegments : names).push(segment));

  const scope = `/${segments.slice(0, lastProviders).join('/')}`;
  const resourceGroup = segments[2]?.toLowerCase() === 'resourcegroups' ? segments[3] : undefined;
  return {
    kind: names.length === typeSegments.length ? 'resource' : 'collection',
    path,
    subscriptionId,
    ...(resourceGroup !== undefined ? { resourceGroup } : {}),
    scope,
    namespace,
    typeSegments,
    names,
  };
}
