/** The mode store on Azure Table Storage, with the real @azure/data-tables client against Azurite. */
import type { TableClient, TableServiceClientOptions, TransactionAction } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSandboxState } from '../../../sandbox/index.js';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcpProxy.js';
import { startAzurite, type AzuriteTable } from '../../../sandbox/azurite.js';
import {
  ensureTable,
  fromTableKey,
  tableClientFromConnectionString,
  tableClientFromUrl,
  TableModeStore,
  toTableKey,
} from '../../../shared/modes/tableStore.js';
import type { ModeScope, ModeSetting } from '../../../shared/modes/store.js';
import { armWriteEvent, PRESCRIPTIONS } from '../../helpers/events.js';
import { sharedPath } from '../../helpers/fixtures.js';
import { startWorld } from '../../helpers/world.js';

const REMEDIATOR = 'storage-public-access';
// Few, fast retries: a dead table service must fail in milliseconds, not after the SDK's back-off.
// One retry is kept: the lost-response tests need the SDK's own retry of a request that landed.
const FAST: TableServiceClientOptions = { retryOptions: { maxRetries: 1, retryDelayInMs: 10, maxRetryDelayInMs: 20 } };

let azurite: AzuriteTable;
beforeAll(async () => {
  azurite = await startAzurite('table');
});
afterAll(async () => {
  await azurite?.stop();
});

let tables = 0;
/** Table names: letters and digits, starting with a letter; one per test so tests never share state. */
function tableName(): string {
  tables += 1;
  return `modes${process.pid}x${tables}`;
}

async function fresh(on: AzuriteTable = azurite, name = tableName()): Promise<{ client: TableClient; store: TableModeStore }> {
  const client = tableClientFromConnectionString(on.connectionString, name, FAST);
  await ensureTable(client);
  return { client, store: new TableModeStore(client) };
}

function setting(scope: ModeScope, mode: ModeSetting['mode'], changedBy = 'test', remediator = REMEDIATOR): ModeSetting {
  return { remediator, scope, mode, changedBy, changedAt: '2026-11-23T00:00:00.000Z' };
}

describe('TableModeStore (Azurite)', () => {
  it('sets, lists and unsets, returning what each change replaced', async () => {
    const { store } = await fresh();
    expect(await store.list()).toEqual([]);
    expect(await store.set(setting('*', 'alert'))).toBeUndefined();
    expect(await store.set(setting('*', 'off', 'second'))).toEqual(setting('*', 'alert'));
    expect(await store.set({ ...setting('rg:rg-research', 'remediate'), reason: 'why not' })).toBeUndefined();
    expect(await store.set(setting('*', 'alert', 'other-remediator', 'diagnostic-settings'))).toBeUndefined();
    expect((await store.list()).map((m) => [m.remediator, m.scope, m.mode, m.changedBy, m.reason]).sort()).toEqual([
      ['diagnostic-settings', '*', 'alert', 'other-remediator', undefined],
      [REMEDIATOR, '*', 'off', 'second', undefined],
      [REMEDIATOR, 'rg:rg-research', 'remediate', 'test', 'why not'],
    ]);
    // Replace, not merge: a reason the new setting lacks does not survive from the old one.
    expect(await store.set(setting('rg:rg-research', 'off'))).toEqual({ ...setting('rg:rg-research', 'remediate'), reason: 'why not' });
    expect(await store.unset(REMEDIATOR, 'rg:rg-research')).toEqual(setting('rg:rg-research', 'off'));
    expect(await store.unset(REMEDIATOR, 'rg:rg-research')).toBeUndefined();
    expect(await store.unset(REMEDIATOR, 'rg:never-set')).toBeUndefined();
    expect(await store.unset('no-such-remediator', '*')).toBeUndefined();
    expect((await store.list()).map((m) => m.scope).sort()).toEqual(['*', '*']);
  });

  it.each(['*', 'rg:rg.with.dots', 'rg:rg_(test)-1', 'rg:rg-münchen', 'rg:日本語-rg', 'rg:x'] as const)(
    'round-trips the scope %s, stored as the RowKey verbatim',
    async (scope) => {
      const { client, store } = await fresh();
      await store.set(setting(scope, 'off'));
      expect((await store.list())[0]).toEqual(setting(scope, 'off'));
      // `*`, `:` and valid resource group names need no escaping: the key is readable as is.
      expect(await client.getEntity(REMEDIATOR, scope)).toMatchObject({ partitionKey: REMEDIATOR, rowKey: scope, mode: 'off' });
      expect(await store.set(setting(scope, 'alert'))).toEqual(setting(scope, 'off'));
      expect(await store.unset(REMEDIATOR, scope)).toEqual(setting(scope, 'alert'));
      expect(await store.list()).toEqual([]);
    },
  );

  it.each([
    ['sub:11111111-2222-4333-8444-555555555555', 'sub:11111111-2222-4333-8444-555555555555'],
    ['sub:11111111-2222-4333-8444-555555555555/rg:rg-research', 'sub:11111111-2222-4333-8444-555555555555!2Frg:rg-research'],
    ['sub:aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee/rg:rg_(münchen).1', 'sub:aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee!2Frg:rg_(münchen).1'],
  ] as const)('round-trips the per-subscription scope %s (RowKey %s)', async (scope, rowKey) => {
    const { client, store } = await fresh();
    expect(await store.set(setting(scope, 'off'))).toBeUndefined();
    expect(await store.list()).toEqual([setting(scope, 'off')]);
    expect(await client.getEntity(REMEDIATOR, rowKey)).toMatchObject({ partitionKey: REMEDIATOR, rowKey, mode: 'off' });
    expect(await store.set(setting(scope, 'alert', 'second'))).toEqual(setting(scope, 'off'));
    expect(await store.unset(REMEDIATOR, scope)).toEqual(setting(scope, 'alert', 'second'));
    expect(await store.list()).toEqual([]);
  });

  it('keeps rows written before per-subscription modes readable beside the new ones', async () => {
    const { client, store } = await fresh();
    // As the previous release wrote them: `*` and `rg:<name>` RowKeys, verbatim.
    await client.createEntity({ partitionKey: REMEDIATOR, rowKey: '*', mode: 'alert', changedBy: 'old', changedAt: '2026-11-01T00:00:00.000Z' });
    await client.createEntity({ partitionKey: REMEDIATOR, rowKey: 'rg:rg-legacy', mode: 'off', changedBy: 'old', changedAt: '2026-11-01T00:00:00.000Z', reason: 'before' });
    await store.set(setting('sub:11111111-2222-4333-8444-555555555555/rg:rg-legacy', 'remediate'));
    expect((await store.list()).map((m) => [m.scope, m.mode, m.changedBy]).sort()).toEqual([
      ['*', 'alert', 'old'],
      ['rg:rg-legacy', 'off', 'old'],
      ['sub:11111111-2222-4333-8444-555555555555/rg:rg-legacy', 'remediate', 'test'],
    ]);
    expect(await store.unset(REMEDIATOR, 'rg:rg-legacy')).toMatchObject({ mode: 'off', reason: 'before' });
  });

  it('escapes what Table keys forbid (or handle badly) and reads it back unchanged', async () => {
    const { client, store } = await fresh();
    const scope: ModeScope = "rg:a/b\\c#d?e%f'g!h\u0001i\u007fj\u0085k l*m:n";
    const remediator = 'odd/remediator#1?';
    expect(await store.set(setting(scope, 'remediate', 'test', remediator))).toBeUndefined();
    expect(await store.list()).toEqual([setting(scope, 'remediate', 'test', remediator)]);
    const keys = [];
    for await (const entity of client.listEntities()) keys.push([entity.partitionKey, entity.rowKey]);
    expect(keys).toEqual([['odd!2Fremediator!231!3F', 'rg:a!2Fb!5Cc!23d!3Fe!25f!27g!21h!01i!7Fj!85k l*m:n']]);
    expect(await store.set(setting(scope, 'off', 'second', remediator))).toEqual(setting(scope, 'remediate', 'test', remediator));
    expect(await store.unset(remediator, scope)).toEqual(setting(scope, 'off', 'second', remediator));
    expect(await store.list()).toEqual([]);
  });

  it('loses no update when two operators set the same key at once', async () => {
    const { store } = await fresh();
    const writers = ['a', 'b'];
    const previous = await Promise.all(writers.map((w, i) => store.set(setting('*', i === 0 ? 'alert' : 'off', w))));
    expectChain(null, previous, writers, await store.list());
  });

  it('chains six concurrent replacements of an existing setting, each "previous" exactly what it replaced', async () => {
    const { store } = await fresh();
    await store.set(setting('rg:rg-pharmacy', 'remediate', 'initial'));
    const writers = ['w1', 'w2', 'w3', 'w4', 'w5', 'w6'];
    const previous = await Promise.all(writers.map((w) => store.set(setting('rg:rg-pharmacy', 'off', w))));
    expectChain('initial', previous, writers, await store.list());
  });

  it('lists every setting when the table answers in several pages', async () => {
    const { client, store } = await fresh();
    const count = 1_005;
    const scopes = Array.from({ length: count }, (_, i) => `rg:rg-${String(i).padStart(4, '0')}`);
    for (let start = 0; start < count; start += 100) {
      const actions: TransactionAction[] = scopes
        .slice(start, start + 100)
        .map((scope) => ['create', { partitionKey: REMEDIATOR, rowKey: scope, mode: 'alert', changedBy: 'seed', changedAt: '2026-11-23T00:00:00.000Z' }]);
      await client.submitTransaction(actions);
    }
    let pages = 0;
    for await (const page of client.listEntities().byPage()) if (page.length > 0) pages += 1;
    expect(pages).toBeGreaterThan(1);
    expect((await store.list()).map((m) => m.scope).sort()).toEqual(scopes);
  });

  it('creates its table once; ensureTable on an existing table is a no-op', async () => {
    const { client, store } = await fresh();
    await store.set(setting('*', 'off'));
    await ensureTable(client);
    expect(await store.list()).toEqual([setting('*', 'off')]);
  });

  it.each([
    ['an unknown mode', { rowKey: '*', mode: 'turbo' }, /RowKey "\*"\): mode: /],
    ['a missing changedBy', { rowKey: '*', changedBy: undefined }, /changedBy: /],
    ['a mode of the wrong type', { rowKey: '*', mode: 3 }, /mode: /],
    ['a RowKey that is no scope', { rowKey: 'everything' }, /scope: /],
    ['an over-long resource group', { rowKey: `rg:${'x'.repeat(91)}` }, /scope: /],
    ['a RowKey escaped by someone else', { rowKey: 'rg%3Arg-pharmacy' }, /RowKey is not an escaped scope/],
    ['a lone escape character', { rowKey: 'rg:rg!pharmacy' }, /RowKey is not an escaped scope/],
    ['an escape that needs none', { rowKey: 'rg:rg!41' }, /RowKey is not an escaped scope/],
  ] as const)('throws a clear error, naming the entity, for %s', async (_, corruption, message) => {
    const { client, store } = await fresh();
    await store.set(setting('rg:rg-ok', 'off'));
    const entity = { partitionKey: REMEDIATOR, mode: 'off', changedBy: 'tool', changedAt: '2026-11-23T00:00:00.000Z', ...corruption };
    await client.createEntity(Object.fromEntries(Object.entries(entity).filter(([, v]) => v !== undefined)) as typeof entity);
    const error = await store.list().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^mode table http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1\/modes\w+ holds an invalid entity \(PartitionKey "storage-public-access", RowKey /);
    expect((error as Error).message).toMatch(message);
  });

  it('throws, instead of answering "previous", when the entity it would replace is corrupt', async () => {
    const { client, store } = await fresh();
    await client.createEntity({ partitionKey: REMEDIATOR, rowKey: '*', mode: 'turbo', changedBy: 'tool', changedAt: 'now' });
    await expect(store.set(setting('*', 'off'))).rejects.toThrow(/holds an invalid entity .*mode/);
    await expect(store.unset(REMEDIATOR, '*')).rejects.toThrow(/holds an invalid entity .*mode/);
    expect((await client.getEntity(REMEDIATOR, '*')).mode).toBe('turbo');
  });

  it('refuses to write a setting it could not read back, before calling the service', async () => {
    const { store } = await fresh();
    const invalid = [
      { ...setting('*', 'off'), mode: 'turbo' },
      setting('rg:' as ModeScope, 'off'),
      setting('everything' as ModeScope, 'off'),
      setting('sub:not-a-guid' as ModeScope, 'off'),
      setting('sub:AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE' as ModeScope, 'off'),
      setting('sub:11111111-2222-4333-8444-555555555555/rg:' as ModeScope, 'off'),
      setting('*', 'off', ''),
      { ...setting('*', 'off'), reason: 'x'.repeat(1001) },
      setting('*', 'off', 'test', ''),
    ] as unknown as ModeSetting[];
    for (const s of invalid) await expect(store.set(s)).rejects.toThrow(/refusing to store an invalid setting/);
    expect(await store.list()).toEqual([]);
  });

  it('throws, never "no setting", when the table does not exist', async () => {
    const client = tableClientFromConnectionString(azurite.connectionString, tableName(), FAST);
    const store = new TableModeStore(client);
    await expect(store.list()).rejects.toThrow(/listing settings failed: 404 TableNotFound$/);
    await expect(store.unset(REMEDIATOR, '*')).rejects.toThrow(/reading storage-public-access at \* failed: 404 TableNotFound$/);
    await expect(store.set(setting('*', 'off'))).rejects.toThrow(/404 TableNotFound$/);
  });

  it('throws when the table service is stopped (the resolver then fails safe)', async () => {
    const other = await startAzurite('table');
    try {
      const { store } = await fresh(other);
      await store.set(setting('*', 'alert'));
      await other.stop();
      await expect(store.list()).rejects.toThrow(/^mode table http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1\/modes\w+: listing settings failed: .*ECONNREFUSED/);
      await expect(store.set(setting('*', 'off'))).rejects.toThrow(/ECONNREFUSED/);
      await expect(store.unset(REMEDIATOR, '*')).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await other.stop();
    }
  });

  describe('when a response is lost and the SDK retries a write that had landed', () => {
    let proxy: TcpProxy;
    beforeAll(async () => {
      proxy = await startTcpProxy(Number(new URL(azurite.tableEndpoint).port));
    });
    afterAll(async () => {
      await proxy?.close();
    });

    async function viaProxy(): Promise<{ direct: TableModeStore; store: TableModeStore }> {
      const { store: direct, client } = await fresh();
      const proxied = tableClientFromConnectionString(azurite.connectionString.replace(azurite.tableEndpoint, proxy.endpointFor(azurite.tableEndpoint)), client.tableName, FAST);
      return { direct, store: new TableModeStore(proxied) };
    }

    it('create: reports that nothing was replaced, not its own setting', async () => {
      const { direct, store } = await viaProxy();
      const dropped = proxy.droppedResponses();
      proxy.dropNextResponse((head) => head.startsWith('POST /'));
      expect(await store.set(setting('*', 'alert', 'a'))).toBeUndefined();
      expect(proxy.droppedResponses()).toBe(dropped + 1);
      expect(await direct.list()).toEqual([setting('*', 'alert', 'a')]);
    });

    it('replace: reports the setting it replaced, not its own', async () => {
      const { direct, store } = await viaProxy();
      await store.set(setting('*', 'alert', 'a'));
      const dropped = proxy.droppedResponses();
      proxy.dropNextResponse((head) => head.startsWith('PUT /'));
      expect(await store.set(setting('*', 'off', 'b'))).toEqual(setting('*', 'alert', 'a'));
      expect(proxy.droppedResponses()).toBe(dropped + 1);
      expect(await direct.list()).toEqual([setting('*', 'off', 'b')]);
    });

    it('delete: reports the setting it removed, not "there was none"', async () => {
      const { direct, store } = await viaProxy();
      await store.set(setting('rg:rg-pharmacy', 'off', 'a'));
      const dropped = proxy.droppedResponses();
      proxy.dropNextResponse((head) => head.startsWith('DELETE /'));
      expect(await store.unset(REMEDIATOR, 'rg:rg-pharmacy')).toEqual(setting('rg:rg-pharmacy', 'off', 'a'));
      expect(proxy.droppedResponses()).toBe(dropped + 1);
      expect(await direct.list()).toEqual([]);
    });
  });
});

describe('table keys', () => {
  it('leave valid scopes and remediator ids alone and escape the rest reversibly', () => {
    expect(toTableKey('*')).toBe('*');
    expect(toTableKey('rg:rg_(test)-1.x')).toBe('rg:rg_(test)-1.x');
    expect(toTableKey('a/b\\c#d?e%f\'g!h')).toBe('a!2Fb!5Cc!23d!3Fe!25f!27g!21h');
    for (let code = 0; code < 0x300; code++) {
      const value = `x${String.fromCharCode(code)}y`;
      const key = toTableKey(value);
      // eslint-disable-next-line no-control-regex
      expect(key).not.toMatch(/[\u0000-\u001f\u007f-\u009f/\\#?%']/);
      expect(fromTableKey(key)).toBe(value);
    }
    expect(fromTableKey('rg:münchen-😀')).toBe('rg:münchen-😀');
  });

  it('reject keys the escaping cannot have produced', () => {
    for (const key of ['a!', 'a!2', 'a!2f', 'a!41', 'a/b', 'a%2Fb', "a'b"]) expect(fromTableKey(key)).toBeUndefined();
  });
});

describe('location', () => {
  const credential = { getToken: async () => ({ token: 'unused', expiresOnTimestamp: Date.now() + 60_000 }) };

  it('is the table URL, without query string or credentials', () => {
    expect(new TableModeStore(tableClientFromUrl('https://acct.table.core.windows.net', 'remediatormodes', credential)).location).toBe(
      'https://acct.table.core.windows.net/remediatormodes',
    );
    expect(new TableModeStore(tableClientFromUrl('https://acct.table.core.windows.net/', 'remediatormodes', credential)).location).toBe(
      'https://acct.table.core.windows.net/remediatormodes',
    );
    const sas = 'TableEndpoint=https://acct.table.core.windows.net/;SharedAccessSignature=sv=2024-08-04&ss=t&sig=c2VjcmV0';
    const location = new TableModeStore(tableClientFromConnectionString(sas, 'remediatormodes')).location;
    expect(location).toBe('https://acct.table.core.windows.net/remediatormodes');
    expect(location).not.toMatch(/sig|sv=/);
    expect(new TableModeStore(tableClientFromConnectionString(azurite.connectionString, 'remediatormodes')).location).toBe(`${azurite.tableEndpoint}/remediatormodes`);
  });
});

describe('pipeline with the Table mode store down', () => {
  it('fails safe to alert — not off, not remediate — and says so in the audit', async () => {
    const other = await startAzurite('table');
    const { store: modeStore } = await fresh(other);
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

/**
 * Concurrent sets of one key must form one chain: following "previous" back from the stored
 * setting visits every writer exactly once and ends at what was there before (null: nothing).
 */
function expectChain(initial: string | null, previous: (ModeSetting | undefined)[], writers: string[], stored: ModeSetting[]): void {
  expect(stored).toHaveLength(1);
  const replaced = new Map(writers.map((w, i) => [w, previous[i]?.changedBy ?? null]));
  const visited: string[] = [];
  let at: string | null = stored[0]?.changedBy ?? null;
  while (at !== null && at !== initial && !visited.includes(at)) {
    visited.push(at);
    at = replaced.get(at) ?? null;
  }
  expect(at).toBe(initial);
  expect([...visited].sort()).toEqual([...writers].sort());
}

