/** Pure logic of the watch scope and Resource Graph's quota header; no I/O. */
import { describe, expect, it } from 'vitest';
import { buildConfig, ConfigError } from '../../shared/config.js';
import { parseQuotaResetsAfter } from '../../shared/arm/resourceGraph/reader.js';
import { resourcesOfType } from '../../shared/arm/resourceGraph/queries.js';
import { TransientError } from '../../shared/errors.js';
import { configuredScopeSpansSubscriptions, ListedScope, ManagementGroupScope } from '../../shared/scope.js';

const A = 'aaaaaaaa-1111-4111-8111-000000000001';
const B = 'bbbbbbbb-2222-4222-8222-000000000002';

describe('watch scope', () => {
  it('joins config and environment, lower-cases ids and refuses what is not a GUID or a group name', () => {
    const config = buildConfig({ scope: { subscriptions: [A.toUpperCase()], managementGroups: ['mg-phi'] } }, { HIPAA_REMEDIATOR_SUBSCRIPTIONS: ` ${B} ,`, HIPAA_REMEDIATOR_MANAGEMENT_GROUPS: 'mg-research' });
    expect(config.scope).toEqual({ subscriptions: [A, B], managementGroups: ['mg-phi', 'mg-research'], sweepSource: 'auto' });
    expect(() => buildConfig({}, { HIPAA_REMEDIATOR_SUBSCRIPTIONS: 'not-a-guid' })).toThrow(ConfigError);
    expect(() => buildConfig({}, { HIPAA_REMEDIATOR_MANAGEMENT_GROUPS: 'mg/../../x' })).toThrow(ConfigError);
    expect(() => buildConfig({ scope: { subscriptions: ['x'] } }, {})).toThrow(/scope\.subscriptions/);
    expect(buildConfig({}, { HIPAA_REMEDIATOR_SWEEP_SOURCE: 'list-apis' }).scope.sweepSource).toBe('list-apis');
    expect(() => buildConfig({}, { HIPAA_REMEDIATOR_SWEEP_SOURCE: 'kql' })).toThrow(ConfigError);
  });

  it('says a resource group name is ambiguous once more than one subscription is, or may be, watched', () => {
    expect(configuredScopeSpansSubscriptions({ subscriptions: [A], managementGroups: [] })).toBe(false);
    expect(configuredScopeSpansSubscriptions({ subscriptions: [A, B], managementGroups: [] })).toBe(true);
    expect(configuredScopeSpansSubscriptions({ subscriptions: [], managementGroups: ['mg'] })).toBe(true);
    expect(new ListedScope([A]).spansSubscriptions).toBe(false);
    expect(new ListedScope([A, B]).spansSubscriptions).toBe(true);
  });

  it('resolves a management group once per TTL, shares one lookup between concurrent events, and never caches a failure', async () => {
    let now = 0;
    let lookups = 0;
    let fail = false;
    const scope = new ManagementGroupScope([], ['mg-phi'], async () => {
      lookups += 1;
      if (fail) throw new Error('ARG down');
      return new Set([B.toUpperCase()]);
    }, { ttlMs: 1000, clock: () => now });
    expect(await Promise.all([scope.contains(B), scope.contains(A), scope.contains(B)])).toEqual([true, false, true]);
    expect(lookups).toBe(1);
    now = 1500;
    fail = true;
    await expect(scope.contains(A)).rejects.toBeInstanceOf(TransientError);
    fail = false;
    expect(await scope.contains(B)).toBe(true);
    expect(lookups).toBe(3);
  });
});

describe('Resource Graph', () => {
  it("reads x-ms-user-quota-resets-after as hh:mm:ss", () => {
    expect(parseQuotaResetsAfter('00:00:03')).toBe(3000);
    expect(parseQuotaResetsAfter('01:02:03')).toBe(3_723_000);
    expect(parseQuotaResetsAfter('00:00:00.5')).toBe(500);
    expect(parseQuotaResetsAfter('3')).toBeUndefined();
    expect(parseQuotaResetsAfter(undefined)).toBeUndefined();
  });

  it('builds only top-level type queries, ordered by id for stable paging', () => {
    expect(resourcesOfType('Microsoft.Storage/storageAccounts').text).toBe(
      "resources | where type =~ 'microsoft.storage/storageaccounts' | project id, name, type, location, resourceGroup, subscriptionId, kind, sku, identity, tags, properties | order by id asc",
    );
    expect(() => resourcesOfType("x' or 1=1 //")).toThrow();
    expect(() => resourcesOfType('Microsoft.Storage/storageAccounts/blobServices')).toThrow();
  });
});
