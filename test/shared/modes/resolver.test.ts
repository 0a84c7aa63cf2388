import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseResourceId } from '../../../shared/arm/resourceId.js';
import { FileModeStore } from '../../../shared/modes/fileStore.js';
import { StoreModeResolver } from '../../../shared/modes/resolver.js';
import type { ModeSetting } from '../../../shared/modes/store.js';

const REMEDIATOR = { id: 'storage-public-access', defaultMode: 'remediate' as const };
const IN_RESEARCH = parseResourceId('/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/RG-Research/providers/Microsoft.Storage/storageAccounts/st1');
const IN_CLINICAL = parseResourceId('/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg-clinical/providers/Microsoft.Storage/storageAccounts/st2');

function setting(scope: ModeSetting['scope'], mode: ModeSetting['mode']): ModeSetting {
  return { remediator: REMEDIATOR.id, scope, mode, changedBy: 'test', changedAt: '2026-11-23T00:00:00Z' };
}

async function store(settings: ModeSetting[] = []): Promise<FileModeStore> {
  const s = FileModeStore.inHome(await mkdtemp(join(tmpdir(), 'modes-')));
  for (const x of settings) await s.set(x);
  return s;
}

describe('mode resolution precedence', () => {
  it('resource-group override > subscription default > config > remediator default', async () => {
    const config = { modes: { [REMEDIATOR.id]: 'off' as const }, dryRun: false };
    expect((await new StoreModeResolver(await store(), { modes: {}, dryRun: false }).resolve(REMEDIATOR, IN_RESEARCH))).toMatchObject({ mode: 'remediate', source: 'default' });
    expect(await new StoreModeResolver(await store(), config).resolve(REMEDIATOR, IN_RESEARCH)).toMatchObject({ mode: 'off', source: 'config' });
    const both = await store([setting('*', 'alert'), setting('rg:rg-research', 'remediate')]);
    const resolver = new StoreModeResolver(both, config);
    expect(await resolver.resolve(REMEDIATOR, IN_RESEARCH)).toMatchObject({ mode: 'remediate', source: 'resource-group', setting: { changedBy: 'test' } });
    expect(await resolver.resolve(REMEDIATOR, IN_CLINICAL)).toMatchObject({ mode: 'alert', source: 'subscription' });
  });

  describe('per subscription: sub:S/rg:R > rg:R > sub:S > * > config > remediator default', () => {
    const A = '11111111-2222-4333-8444-555555555555';
    const B = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
    const RESEARCH_IN_A = IN_RESEARCH;
    const RESEARCH_IN_B = parseResourceId(`/subscriptions/${B.toUpperCase()}/resourceGroups/rg-research/providers/Microsoft.Storage/storageAccounts/st3`);
    const config = { modes: { [REMEDIATOR.id]: 'alert' as const }, dryRun: false };
    const levels: [ModeSetting['scope'], ModeSetting['mode'], 'resource-group' | 'subscription'][] = [
      [`sub:${A}/rg:rg-research`, 'off', 'resource-group'],
      ['rg:rg-research', 'remediate', 'resource-group'],
      [`sub:${A}`, 'alert', 'subscription'],
      ['*', 'off', 'subscription'],
    ];

    // Each row: the settings from that level down are stored; the first of them decides.
    it.each(levels.map((_, i) => i))('level %i wins over every level below it', async (i) => {
      const [scope, mode, source] = levels[i]!;
      const resolver = new StoreModeResolver(await store(levels.slice(i).map(([s, m]) => setting(s, m))), config);
      expect(await resolver.resolve(REMEDIATOR, RESEARCH_IN_A)).toMatchObject({ mode, source, setting: { scope } });
    });

    it('with no stored setting, the config file, then the remediator default', async () => {
      expect(await new StoreModeResolver(await store(), config).resolve(REMEDIATOR, RESEARCH_IN_A)).toMatchObject({ mode: 'alert', source: 'config' });
      expect(await new StoreModeResolver(await store(), { modes: {}, dryRun: false }).resolve(REMEDIATOR, RESEARCH_IN_A)).toMatchObject({ mode: 'remediate', source: 'default' });
    });

    it("a resource group's setting in subscription A does not apply to the same name in subscription B", async () => {
      const resolver = new StoreModeResolver(await store([setting(`sub:${A}/rg:rg-research`, 'off')]), config);
      expect(await resolver.resolve(REMEDIATOR, RESEARCH_IN_A)).toMatchObject({ mode: 'off', source: 'resource-group' });
      expect(await resolver.resolve(REMEDIATOR, RESEARCH_IN_B)).toMatchObject({ mode: 'alert', source: 'config' });
      expect((await resolver.resolve(REMEDIATOR, RESEARCH_IN_B)).setting).toBeUndefined();
    });

    it("a subscription's default does not apply in another subscription; an unqualified resource group applies in both", async () => {
      const resolver = new StoreModeResolver(await store([setting(`sub:${A}`, 'off'), setting('*', 'remediate'), setting('rg:rg-clinical', 'alert')]), config);
      expect(await resolver.resolve(REMEDIATOR, RESEARCH_IN_A)).toMatchObject({ mode: 'off', source: 'subscription', setting: { scope: `sub:${A}` } });
      expect(await resolver.resolve(REMEDIATOR, RESEARCH_IN_B)).toMatchObject({ mode: 'remediate', source: 'subscription', setting: { scope: '*' } });
      const clinicalInB = parseResourceId(`/subscriptions/${B}/resourceGroups/RG-Clinical/providers/Microsoft.Storage/storageAccounts/st4`);
      expect(await resolver.resolve(REMEDIATOR, IN_CLINICAL)).toMatchObject({ mode: 'alert', source: 'resource-group' });
      expect(await resolver.resolve(REMEDIATOR, clinicalInB)).toMatchObject({ mode: 'alert', source: 'resource-group', setting: { scope: 'rg:rg-clinical' } });
    });

    it('a subscription-level resource (no resource group) gets its subscription default, then *', async () => {
      const resolver = new StoreModeResolver(await store([setting(`sub:${A}`, 'off'), setting('*', 'alert'), setting(`sub:${A}/rg:rg-research`, 'remediate')]), config);
      const assignment = parseResourceId(`/subscriptions/${A}/providers/Microsoft.Authorization/roleAssignments/0b5f6f3a-9a47-4bd5-9d7c-5d1f0a8e2c11`);
      expect(await resolver.resolve(REMEDIATOR, assignment)).toMatchObject({ mode: 'off', source: 'subscription' });
      const elsewhere = parseResourceId(`/subscriptions/${B}/providers/Microsoft.Authorization/roleAssignments/0b5f6f3a-9a47-4bd5-9d7c-5d1f0a8e2c11`);
      expect(await resolver.resolve(REMEDIATOR, elsewhere)).toMatchObject({ mode: 'alert', source: 'subscription', setting: { scope: '*' } });
    });
  });

  it('matches resource groups case-insensitively, as ARM names them', async () => {
    const resolver = new StoreModeResolver(await store([setting('rg:rg-research', 'off')]), { modes: {}, dryRun: false });
    expect((await resolver.resolve(REMEDIATOR, IN_RESEARCH)).mode).toBe('off');
  });

  it('carries the global dry run on every resolution', async () => {
    const resolver = new StoreModeResolver(await store(), { modes: {}, dryRun: true });
    expect(await resolver.resolve(REMEDIATOR, IN_CLINICAL)).toMatchObject({ mode: 'remediate', dryRun: true });
  });

  it('fails safe to alert — never off, never remediate — when the store cannot be read', async () => {
    const broken = await store([setting('rg:rg-research', 'off')]);
    await writeFile(broken.location, '{ not json');
    const resolution = await new StoreModeResolver(broken, { modes: {}, dryRun: false }).resolve(REMEDIATOR, IN_RESEARCH);
    expect(resolution).toMatchObject({ mode: 'alert', source: 'fail-safe' });
    expect(resolution.error).toBeDefined();
  });

  it("sees another instance's change once the cache TTL has passed, and at once after invalidate()", async () => {
    let now = 0;
    const shared = await store();
    const resolver = new StoreModeResolver(shared, { modes: {}, dryRun: false }, { ttlMs: 5_000, clock: () => new Date(now) });
    expect((await resolver.resolve(REMEDIATOR, IN_CLINICAL)).mode).toBe('remediate');
    await new FileModeStore(shared.location).set(setting('*', 'alert'));
    now = 4_000;
    expect((await resolver.resolve(REMEDIATOR, IN_CLINICAL)).mode).toBe('remediate');
    now = 5_000;
    expect((await resolver.resolve(REMEDIATOR, IN_CLINICAL)).mode).toBe('alert');
    await shared.set(setting('*', 'off'));
    resolver.invalidate();
    expect((await resolver.resolve(REMEDIATOR, IN_CLINICAL)).mode).toBe('off');
  });
});
