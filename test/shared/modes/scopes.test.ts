import { describe, expect, it } from 'vitest';
import { describeModeScope, parseModeScope, scopeParts, scopesFor } from '../../../shared/modes/scopes.js';
import { modeSettingSchema } from '../../../shared/modes/store.js';

const S = '11111111-2222-4333-8444-555555555555';
const setting = (scope: string) => ({ remediator: 'storage-public-access', scope, mode: 'alert', changedBy: 'test', changedAt: '2026-12-01T00:00:00Z' });

describe('mode scopes', () => {
  it.each(['*', 'rg:rg-research', 'rg:日本語-rg', `sub:${S}`, `sub:${S}/rg:rg-research`, `sub:${S}/rg:rg.(x)_1`])('the stores accept %s', (scope) => {
    expect(modeSettingSchema.safeParse(setting(scope)).success).toBe(true);
  });

  it.each(['', 'rg:', 'sub:', 'sub:AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE', 'sub:not-a-guid', `sub:${S}/`, `sub:${S}/rg:`, `sub:${S}/rg:${'x'.repeat(91)}`, `sub:${S}/sub:${S}`, 'everything'])(
    'the stores refuse %j',
    (scope) => {
      expect(modeSettingSchema.safeParse(setting(scope)).success).toBe(false);
    },
  );

  it('takes scopes apart and says where they apply', () => {
    expect(parseModeScope(`sub:${S}/rg:rg-x`)).toEqual({ kind: 'subscription-resource-group', subscriptionId: S, resourceGroup: 'rg-x' });
    expect(parseModeScope('nonsense')).toBeUndefined();
    expect(['*', 'rg:rg-x', `sub:${S}`, `sub:${S}/rg:rg-x`, 'nonsense'].map(describeModeScope)).toEqual([
      'all subscriptions',
      'resource group rg-x (any subscription)',
      `subscription ${S}`,
      `resource group rg-x in subscription ${S}`,
      'nonsense',
    ]);
    expect(scopeParts(`sub:${S}`)).toEqual({ subscriptionId: S, resourceGroup: null, appliesTo: `subscription ${S}` });
  });

  it('the resolver tries the most specific key first, in lower case', () => {
    expect(scopesFor('AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE', 'RG-X').map((s) => `${s.scope} ${s.level}`)).toEqual(['sub:aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee/rg:rg-x resource-group', 'rg:rg-x resource-group', 'sub:aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee subscription', '* subscription']);
    expect(scopesFor(S, undefined).map((s) => s.scope)).toEqual([`sub:${S}`, '*']);
  });
});
