/**
 * Strict ARM resource id grammar. Event payloads are untrusted: an id is only ever used
 * after it has been parsed here, and the parts the SDK puts into URLs (resource group,
 * names) can carry no path, query or encoding tricks.
 */

export interface ArmResourceId {
  /** The id with ARM's keywords in canonical casing (`subscriptions`, `resourceGroups`, `providers`). */
  readonly id: string;
  /** Lower-case form of `id`: ARM ids are case-insensitive, events mix `resourcegroups`/`resourceGroups`. */
  readonly key: string;
  readonly subscriptionId: string;
  readonly resourceGroup?: string;
  /** Full resource type, e.g. `Microsoft.Storage/storageAccounts/blobServices/containers`. */
  readonly resourceType: string;
  readonly name: string;
  /** Names along the type chain of the last provider segment, e.g. [account, 'default', container]. */
  readonly names: readonly string[];
  /** The resource this one is a child of or an extension on (for top-level resources: the resource group or subscription); absent for a subscription. */
  readonly parent?: ArmResourceId;
}

export class InvalidResourceIdError extends Error {
  override readonly name = 'InvalidResourceIdError';
}

const MAX_ID_LENGTH = 2048;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Resource group names: letters, digits, underscore, hyphen, period, parentheses; not ending in a period.
const RESOURCE_GROUP = /^[\p{L}\p{N}_\-.()]{1,90}$/u;
const NAMESPACE = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)+$/;
const TYPE_SEGMENT = /^[A-Za-z][A-Za-z0-9]{0,79}$/;
// Names of the resources we handle; `$` prefixes exist for system containers ($logs, $web).
const NAME_SEGMENT = /^\$?[A-Za-z0-9][A-Za-z0-9_\-.()]{0,259}$/;

/** Resource group names as ARM allows them (1-90 letters, digits, `_-.()`, not ending in a period). */
export function isValidResourceGroupName(name: string): boolean {
  return RESOURCE_GROUP.test(name) && !name.endsWith('.');
}

function fail(raw: string, why: string): never {
  const shown = raw.length > 120 ? `${raw.slice(0, 120)}…` : raw;
  throw new InvalidResourceIdError(`invalid ARM resource id ${JSON.stringify(shown)}: ${why}`);
}

/** Parses and validates an ARM resource id; throws InvalidResourceIdError with the reason. */
export function parseResourceId(raw: unknown): ArmResourceId {
  if (typeof raw !== 'string') throw new InvalidResourceIdError('resource id is not a string');
  if (raw.length === 0) fail(raw, 'empty');
  if (raw.length > MAX_ID_LENGTH) fail(raw, `longer than ${MAX_ID_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\s?#%\\&:*<>"'|]/u.test(raw)) fail(raw, 'contains a forbidden character');
  if (!raw.startsWith('/')) fail(raw, 'does not start with /');
  if (raw.endsWith('/')) fail(raw, 'ends with /');
  const segments = raw.slice(1).split('/');
  if (segments.some((s) => s.length === 0)) fail(raw, 'has an empty segment');
  if (segments.some((s) => s === '.' || s === '..')) fail(raw, 'has a relative path segment');

  const [subscriptionsKeyword, subscriptionId, ...rest] = segments;
  if (subscriptionsKeyword?.toLowerCase() !== 'subscriptions') fail(raw, 'does not start with /subscriptions/');
  if (subscriptionId === undefined || !GUID.test(subscriptionId)) fail(raw, 'subscription id is not a GUID');

  let canonical = `/subscriptions/${subscriptionId}`;
  let resourceGroup: string | undefined;
  let i = 0;
  if (rest[0]?.toLowerCase() === 'resourcegroups') {
    const rg = rest[1];
    if (rg === undefined) fail(raw, 'resource group name missing');
    if (!RESOURCE_GROUP.test(rg) || rg.endsWith('.')) fail(raw, 'invalid resource group name');
    resourceGroup = rg;
    canonical += `/resourceGroups/${rg}`;
    i = 2;
  }

  const subscription = subscriptionId.toLowerCase();
  // One object shape for every level (no spreads): ids are parsed for every event, most of them irrelevant.
  const make = (id: string, resourceType: string, name: string, names: readonly string[], parent: ArmResourceId | undefined): ArmResourceId => {
    const made: { -readonly [K in keyof ArmResourceId]: ArmResourceId[K] } = { id, key: id.toLowerCase(), subscriptionId: subscription, resourceType, name, names };
    if (resourceGroup !== undefined) made.resourceGroup = resourceGroup;
    if (parent !== undefined) made.parent = parent;
    return made;
  };
  let current: ArmResourceId =
    resourceGroup === undefined
      ? make(canonical, 'Microsoft.Resources/subscriptions', subscriptionId, [subscriptionId], undefined)
      : make(canonical, 'Microsoft.Resources/resourceGroups', resourceGroup, [resourceGroup], undefined);
  let scope: ArmResourceId = current;

  if (i >= rest.length) return current;

  while (i < rest.length) {
    if (rest[i]?.toLowerCase() !== 'providers') fail(raw, `expected "providers" at segment ${i + 3}`);
    const namespace = rest[i + 1];
    if (namespace === undefined || !NAMESPACE.test(namespace)) fail(raw, 'invalid provider namespace');
    i += 2;
    const types: string[] = [];
    const names: string[] = [];
    const parentScope = scope;
    let prefix = `${canonical}/providers/${namespace}`;
    while (i < rest.length && rest[i]?.toLowerCase() !== 'providers') {
      const type = rest[i];
      const name = rest[i + 1];
      if (type === undefined || !TYPE_SEGMENT.test(type)) fail(raw, 'invalid resource type segment');
      if (name === undefined) fail(raw, `resource type "${type}" has no name`);
      if (!NAME_SEGMENT.test(name)) fail(raw, `invalid resource name "${name.slice(0, 60)}"`);
      types.push(type);
      names.push(name);
      prefix += `/${type}/${name}`;
      current = make(prefix, `${namespace}/${types.join('/')}`, name, [...names], types.length === 1 ? parentScope : current);
      i += 2;
    }
    if (types.length === 0) fail(raw, `provider ${namespace} names no resource type`);
    canonical = prefix;
    scope = current;
  }
  return current;
}

/** Like parseResourceId, but returns the reason instead of throwing. */
export function tryParseResourceId(raw: unknown): { ok: true; value: ArmResourceId } | { ok: false; reason: string } {
  try {
    return { ok: true, value: parseResourceId(raw) };
  } catch (error) {
    if (error instanceof InvalidResourceIdError) return { ok: false, reason: error.message };
    throw error;
  }
}

/** Case-insensitive comparison of resource types. */
export function isResourceType(id: ArmResourceId, type: string): boolean {
  return id.resourceType.toLowerCase() === type.toLowerCase();
}
