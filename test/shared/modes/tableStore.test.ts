/** The mode store on Azure Table Storage, with the real @azure/data-tables client against Azurite. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSandboxState } from '../../../sandbox/index.js';
import { startAzurite, type Azurite } from '../../../sandbox/azurite.js';
import { ensureTable, tableClientFromConnectionString, TableModeStore } from '../../../shared/modes/tableStore.js';
import type { ModeSetting } from '../../../shared/modes/store.js';
import { armWriteEvent, PRESCRIPTIONS } from '../../helpers/events.js';
import { sharedPath } from '../../helpers/fixtures.js';
import { startWorld } from '../../helpers/world.js';

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite('table');
});
afterAll(async () => {
  await azurite.stop();
});

async function store(on: Azurite = azurite): Promise<TableModeStore> {
  // Few, fast retries: a dead table service must fail in milliseconds, not after the SDK's back-off.
  const client = tableClientFromConnectionString(on.connectionString, `modes${randomUUID().replace(/-/g, '').slice(0, 12)}`, { retryOptions: { maxRetries: 1, retryDelayInMs: 10, maxRetryDelayInMs: 20 } });
  await ensureTable(client);
  return new TableModeStore(client);
}

function setting(scope: ModeSetting['scope'], mode: ModeSetting['mode'], changedBy = 'test'): ModeSetting {
  return { remediator: 'storage-public-access', scope, mode, changedBy, changedAt: '2026-11-23T00:00:00.000Z' };
}

describe('TableModeStore (Azurite)', () => {
  it('sets, lists and unsets, returning what each change replaced', async () => {
    const s = await store();
    expect(await s.set(setting('*', 'alert'))).toBeUndefined();
    expect(await s.set(setting('*', 'off', 'second'))).toMatchObject({ mode: 'alert' });
    expect(await s.set({ ...setting('rg:rg-research', 'remediate'), reason: 'why not' })).toBeUndefined();
    expect((await s.list()).map((m) => [m.scope, m.mode, m.changedBy]).sort()).toEqual([
      ['*', 'off', 'second'],
      ['rg:rg-research', 'remediate', 'test'],
    ]);
    expect(await s.unset('storage-public-access', 'rg:rg-research')).toMatchObject({ mode: 'remediate', reason: 'why not' });
    expect(await s.unset('storage-public-access', 'rg:rg-research')).toBeUndefined();
  });

  it.each(['rg:rg.with.dots', 'rg:rg_(test)-1', 'rg:rg-münchen'] as const)('round-trips the scope %s', async (scope) => {
    const s = await store();
    await s.set(setting(scope, 'off'));
    expect((await s.list())[0]?.scope).toBe(scope);
  });

  it('loses no update when two operators set the same key at once', async () => {
    const s = await store();
    const [a, b] = await Promise.all([s.set(setting('*', 'alert', 'a')), s.set(setting('*', 'off', 'b'))]);
    // One of them created the entity (nothing before it), the other replaced exactly that one.
    const saw = [a?.changedBy ?? null, b?.changedBy ?? null];
    expect(saw.filter((x) => x === null)).toHaveLength(1);
    const winner = (await s.list())[0]?.changedBy;
    expect(saw).toContain(winner === 'a' ? 'b' : 'a');
  });

  it('throws when the table service is down (the resolver then fails safe)', async () => {
    const other = await startAzurite('table');
    const s = await store(other);
    await other.kill();
    await expect(s.list()).rejects.toThrow();
    await expect(s.set(setting('*', 'off'))).rejects.toThrow();
    await other.stop();
  });
});

describe('pipeline with the Table mode store down', () => {
  it('fails safe to alert — not off, not remediate — and says so in the audit', async () => {
    const other = await startAzurite('table');
    const modeStore = await store(other);
    await modeStore.set(setting('rg:rg-pharmacy', 'off'));
    const world = await startWorld(await loadSandboxState(sharedPath('examples', 'storage-state.json')), {}, { modeStore, modeCacheTtlMs: 0 });
    try {
      await other.kill();
      const { results } = await world.runtime.pipeline.processBatch([armWriteEvent(PRESCRIPTIONS)]);
      expect(results[0]).toMatchObject({ decision: 'alerted', mode: 'alert' });
      expect(results[0]?.reason).toMatch(/^mode alert \(fail-safe: mode store unreadable/);
      expect(world.serviceRequests('PATCH')).toEqual([]);
      const record = (await world.audit()).find((r) => r.decision === 'alerted');
      expect(record?.reason).toMatch(/fail-safe/);
      expect(world.logLines.join('')).toMatch(/mode store unreadable: failing safe to alert/);
    } finally {
      await world.close();
      await other.stop();
    }
  });
});
