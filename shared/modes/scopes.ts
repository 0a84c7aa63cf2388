/**
 * The grammar of stored mode scopes, in one place: the stores check it, the resolver builds the
 * keys it looks up from it, and the CLI, admin API, console and audit show it through it.
 *
 *   `*`                              the deployment-wide default (every subscription)
 *   `rg:<name>`                      a resource group of that name in any subscription (what every
 *                                    setting meant before modes were per subscription)
 *   `sub:<guid>`                     one subscription's default
 *   `sub:<guid>/rg:<name>`           one resource group of one subscription
 *
 * Names and GUIDs are stored in lower case: ARM compares both case-insensitively, so the resolver
 * can find a setting by exact key whatever casing an event uses.
 */

export type ModeScope = '*' | `rg:${string}` | `sub:${string}` | `sub:${string}/rg:${string}`;

/** A scope taken apart; `subscriptionId` and `resourceGroup` are lower case, as stored. */
export type ParsedModeScope =
  | { kind: 'all' }
  | { kind: 'resource-group'; resourceGroup: string }
  | { kind: 'subscription'; subscriptionId: string }
  | { kind: 'subscription-resource-group'; subscriptionId: string; resourceGroup: string };

const GUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
// The resource-group part is as loose as `rg:` always was (the stores read back what they took);
// validateModeChange is where a name is held to ARM's grammar before anything is stored.
const RG = '.{1,90}';

/** Every scope a store may hold; old `*` and `rg:` rows keep matching. */
export const MODE_SCOPE_PATTERN = new RegExp(`^(?:\\*|rg:${RG}|sub:${GUID}|sub:${GUID}/rg:${RG})$`, 'u');

const SUBSCRIPTION_PREFIX = new RegExp(`^sub:(${GUID})(?:/rg:(${RG}))?$`, 'u');

export function resourceGroupScope(resourceGroup: string): `rg:${string}` {
  return `rg:${resourceGroup.toLowerCase()}`;
}

export function subscriptionScope(subscriptionId: string): `sub:${string}` {
  return `sub:${subscriptionId.toLowerCase()}`;
}

export function subscriptionResourceGroupScope(subscriptionId: string, resourceGroup: string): `sub:${string}/rg:${string}` {
  return `sub:${subscriptionId.toLowerCase()}/rg:${resourceGroup.toLowerCase()}`;
}

/** Undefined for a string that is not a scope (callers show it raw rather than guess). */
export function parseModeScope(scope: string): ParsedModeScope | undefined {
  if (!MODE_SCOPE_PATTERN.test(scope)) return undefined;
  if (scope === '*') return { kind: 'all' };
  if (scope.startsWith('rg:')) return { kind: 'resource-group', resourceGroup: scope.slice(3) };
  const match = SUBSCRIPTION_PREFIX.exec(scope);
  if (match === null) return undefined;
  const subscriptionId = match[1]!;
  return match[2] === undefined ? { kind: 'subscription', subscriptionId } : { kind: 'subscription-resource-group', subscriptionId, resourceGroup: match[2] };
}

/** Where a scope applies, for people: `modes list`, `explain`, the console, log lines. */
export function describeModeScope(scope: string): string {
  const parsed = parseModeScope(scope);
  switch (parsed?.kind) {
    case 'all':
      return 'all subscriptions';
    case 'resource-group':
      return `resource group ${parsed.resourceGroup} (any subscription)`;
    case 'subscription':
      return `subscription ${parsed.subscriptionId}`;
    case 'subscription-resource-group':
      return `resource group ${parsed.resourceGroup} in subscription ${parsed.subscriptionId}`;
    default:
      return scope;
  }
}

/** A scope's parts and description, added to settings in `modes list --json` and `GET /api/admin/modes` so tools need not parse scopes. */
export function scopeParts(scope: string): { subscriptionId: string | null; resourceGroup: string | null; appliesTo: string } {
  const parsed = parseModeScope(scope);
  return {
    subscriptionId: parsed !== undefined && 'subscriptionId' in parsed ? parsed.subscriptionId : null,
    resourceGroup: parsed !== undefined && 'resourceGroup' in parsed ? parsed.resourceGroup : null,
    appliesTo: describeModeScope(scope),
  };
}

/**
 * The keys the resolver tries for a resource, most specific first:
 * `sub:S/rg:R` > `rg:R` > `sub:S` > `*`. A resource group beats a subscription default
 * whichever way it is named, so a setting made before modes were per subscription still
 * overrides a newer subscription default, as it overrode the deployment default. `level` is the
 * resolver's `source` for a setting found there.
 */
export function scopesFor(subscriptionId: string, resourceGroup: string | undefined): { scope: ModeScope; level: 'resource-group' | 'subscription' }[] {
  const subscription = { scope: subscriptionScope(subscriptionId), level: 'subscription' as const };
  const all = { scope: '*' as const, level: 'subscription' as const };
  if (resourceGroup === undefined) return [subscription, all];
  return [
    { scope: subscriptionResourceGroupScope(subscriptionId, resourceGroup), level: 'resource-group' },
    { scope: resourceGroupScope(resourceGroup), level: 'resource-group' },
    subscription,
    all,
  ];
}
