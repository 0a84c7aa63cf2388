/**
 * One contract for both AlertStore adapters (the embedded file and Azure Table Storage, the
 * latter with the real @azure/data-tables client against Azurite), then what only the Table
 * adapter has: its entity layout, size limits, corrupt entities, a missing table, lost responses.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { odata, type TableClient, type TableServiceClientOptions } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteTable } from '../../../sandbox/azurite.js';
import { configuredAlertStore } from '../../../shared/alerts/configured.js';
import { FileAlertStore } from '../../../shared/alerts/fileStore.js';
import { AlertConflictError, alertKey, type AlertRecord, type AlertStore, type VersionedAlert } from '../../../shared/alerts/record.js';
import { NO_SUBSCRIPTION, TableAlertStore } from '../../../shared/alerts/tableStore.js';
import { ensureTable, tableClientFromConnectionString, tableClientFromUrl, toTableKey } from '../../../shared/tables.js';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcpProxy.js';

// Few, fast retries: a failing table must fail in milliseconds, not after the SDK's back-off.
// One retry is kept: the lost-response tests need the SDK's own retry of a request that landed.
const FAST: TableServiceClientOptions = { retryOptions: { maxRetries: 1, retryDelayInMs: 10, maxRetryDelayInMs: 20 } };

const SUB = '6f1c2a9e-5b7d-4c1e-9a3f-0d2b4e6a8c01';
const OTHER_SUB = '0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d';
const ACCOUNT = `/subscriptions/${SUB}/resourceGroups/rg-research/providers/Microsoft.Storage/storageAccounts/stresearch`;
const container = (name: string, account = ACCOUNT) => `${account}/blobServices/default/containers/${name}`;
const MG = '/providers/Microsoft.Management/managementGroups/mg1';

let azurite: AzuriteTable;
const homes: string[] = [];
beforeAll(async () => {
  azurite = await startAzurite('table');
});
afterAll(async () => {
  await azurite?.stop();
  await Promise.all(homes.map((home) => rm(home, { recursive: true, force: true })));
});

let tables = 0;
/** Table names: letters and digits, starting with a letter; one per test so tests never share state. */
function tableName(): string {
  tables += 1;
  return `alerts${process.pid}x${tables}`;
}

async function freshTable(): Promise<{ client: TableClient; store: TableAlertStore }> {
  const client = tableClientFromConnectionString(azurite.connectionString, tableName(), FAST);
  await ensureTable(client);
  return { client, store: new TableAlertStore(client) };
}

async function freshFile(): Promise<FileAlertStore> {
  const home = await mkdtemp(join(tmpdir(), 'hipaa-alerts-'));
  homes.push(home);
  return FileAlertStore.inHome(home);
}

/** A record `alertRecordSchema` accepts, for `resourceId` (any case) and `control`. */
function alertRecord(resourceId: string, overrides: Partial<AlertRecord> = {}): AlertRecord {
  const control = overrides.control ?? 'storage-public-access';
  const parts = resourceId.split('/');
  const rg = parts.findIndex((part) => part.toLowerCase() === 'resourcegroups');
  return {
    key: alertKey(resourceId, control),
    alertId: randomUUID(),
    state: 'open',
    resourceId,
    subscriptionId: parts[1]?.toLowerCase() === 'subscriptions' ? (parts[2] ?? '').toLowerCase() : '',
    ...(rg > 0 && parts[rg + 1] !== undefined ? { resourceGroup: parts[rg + 1] } : {}),
    remediator: 'storage-public-access',
    control,
    citation: '45 CFR 164.312(a)(1)',
    severity: 'high',
    openedAt: '2026-11-23T00:00:00.000Z',
    lastSeenAt: '2026-11-23T00:00:00.000Z',
    occurrences: 1,
    reason: 'public blob access is enabled',
    findings: [{ property: 'properties.allowBlobPublicAccess', actual: true, expected: false, message: 'public access allowed' }],
    plannedChanges: [{ op: 'replace', path: '/properties/allowBlobPublicAccess', value: false }],
    sinks: ['log'],
    pending: [{ transition: 'opened', sink: 'log', attempts: 0 }],
    ...overrides,
  };
}

function keysOf(list: VersionedAlert[]): string[] {
  return list.map((v) => v.record.key).sort();
}

function keys(records: AlertRecord[]): string[] {
  return records.map((record) => record.key).sort();
}

async function putAll(store: AlertStore, records: AlertRecord[]): Promise<void> {
  for (const record of records) await store.put(record, null);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

const adapters: { name: string; fresh: () => Promise<AlertStore> }[] = [
  { name: 'FileAlertStore', fresh: freshFile },
  { name: 'TableAlertStore (Azurite)', fresh: async () => (await freshTable()).store },
];

describe.each(adapters)('AlertStore contract: $name', ({ fresh }) => {
  it('creates a record and reads it back with its etag; an unknown key is undefined', async () => {
    const store = await fresh();
    const record = alertRecord(container('data'));
    const etag = await store.put(record, null);
    expect(etag).toEqual(expect.any(String));
    expect(await store.get(record.key)).toEqual({ record, etag });
    expect(await store.get(alertKey(container('data'), 'other-control'))).toBeUndefined();
    expect(await store.get(alertKey(container('data2'), record.control))).toBeUndefined();
  });

  it('refuses to create a record twice, keeping the first', async () => {
    const store = await fresh();
    const first = alertRecord(container('data'));
    const etag = await store.put(first, null);
    await expect(store.put(alertRecord(container('data'), { reason: 'second' }), null)).rejects.toBeInstanceOf(AlertConflictError);
    expect(await store.get(first.key)).toEqual({ record: first, etag });
  });

  it('replaces with the current etag (a new etag) and refuses a stale or absent one', async () => {
    const store = await fresh();
    const record = alertRecord(container('data'));
    const first = await store.put(record, null);
    const folded = { ...record, occurrences: 2, lastSeenAt: '2026-11-23T01:00:00.000Z' };
    const second = await store.put(folded, first);
    expect(second).not.toBe(first);
    expect(await store.get(record.key)).toEqual({ record: folded, etag: second });
    await expect(store.put({ ...record, occurrences: 3 }, first)).rejects.toBeInstanceOf(AlertConflictError);
    expect((await store.get(record.key))?.record.occurrences).toBe(2);
    // An etag for a record that does not exist (it was deleted since the read).
    await expect(store.put(alertRecord(container('data2')), second)).rejects.toBeInstanceOf(AlertConflictError);
    expect(await store.get(alertKey(container('data2'), record.control))).toBeUndefined();
  });

  it('deletes only with the current etag', async () => {
    const store = await fresh();
    const record = alertRecord(container('data'));
    const first = await store.put(record, null);
    const second = await store.put({ ...record, state: 'resolved', resolvedAt: '2026-11-23T02:00:00.000Z', resolution: 'fixed' }, first);
    await expect(store.delete(record.key, first)).rejects.toBeInstanceOf(AlertConflictError);
    expect((await store.get(record.key))?.etag).toBe(second);
    await store.delete(record.key, second);
    expect(await store.get(record.key)).toBeUndefined();
    await expect(store.delete(record.key, second)).rejects.toBeInstanceOf(AlertConflictError);
    // Gone means gone: the key can be created afresh.
    await store.put(alertRecord(container('data')), null);
  });

  it("lists a resource's own records and its children's, not siblings sharing its name as a prefix", async () => {
    const store = await fresh();
    const own = [alertRecord(container('data')), alertRecord(container('data'), { control: 'storage-diagnostics' })];
    const children = [alertRecord(`${container('data')}/immutabilityPolicies/default`), alertRecord(`${container('data')}/a/b/c`, { control: 'x' })];
    // Each sibling sorts just around `data` or its `/` and `|` in the escaped RowKey order:
    // ' ' and '!' (the escape) before '/' (!2F); '%' becomes !25; '}' is the own range's upper
    // bound; '~' sorts after it; a '|' in a name falls inside the own range (filtered out).
    const siblings = ['data2', 'data-x', 'data x', 'data!x', 'data%2Fx', "data'x", 'data}', 'data~', 'data|x', 'dat'].map((name) => alertRecord(container(name)));
    const elsewhere = [
      alertRecord(`${container('data2')}/immutabilityPolicies/default`),
      alertRecord(container('data', ACCOUNT.replace('rg-research', 'rg-other'))),
      alertRecord(container('data', ACCOUNT.replace('rg-research', 'rg-research2'))),
      alertRecord(container('data', ACCOUNT.replace(SUB, OTHER_SUB))),
      alertRecord(ACCOUNT),
    ];
    await putAll(store, [...siblings, ...own, ...elsewhere, ...children]);
    const data = container('data').toLowerCase();
    expect(keysOf(await store.listUnder(data))).toEqual(keys([...own, ...children]));
    const etags = new Map((await store.listAll()).map((v) => [v.record.key, v.etag]));
    for (const v of await store.listUnder(data)) expect(v.etag).toBe(etags.get(v.record.key));

    const inAccount = [...own, ...children, ...siblings, elsewhere[0], elsewhere[4]].filter((r): r is AlertRecord => r !== undefined);
    expect(keysOf(await store.listUnder(ACCOUNT.toLowerCase()))).toEqual(keys(inAccount));
    expect(await store.listUnder(`${data}/immutabilitypolicies/default`)).toHaveLength(1);
    expect(await store.listUnder(container('nothing').toLowerCase())).toEqual([]);
    const inSubscription = (await store.listAll()).filter((v) => v.record.subscriptionId === SUB);
    expect(inSubscription).toHaveLength(own.length + children.length + siblings.length + 4);
    expect(keysOf(await store.listUnder(`/subscriptions/${SUB}`))).toEqual(keysOf(inSubscription));
  });

  it('lists records of ids outside any subscription (management groups) by the same rule', async () => {
    const store = await fresh();
    const mg = [alertRecord(MG), alertRecord(`${MG}/providers/Microsoft.Authorization/roleAssignments/ra1`)];
    await putAll(store, [...mg, alertRecord(`${MG}0`), alertRecord(container('data'))]);
    expect(keysOf(await store.listUnder(MG.toLowerCase()))).toEqual(keys(mg));
    expect(await store.get(mg[0]?.key ?? '')).toEqual({ record: mg[0], etag: expect.any(String) });
    // Not a resource id, but answered all the same: every subscription's records are under it.
    expect(keysOf(await store.listUnder('/subscriptions'))).toEqual([alertKey(container('data'), 'storage-public-access')]);
  });

  it('lists every record', async () => {
    // Result paging (1,000 entities a page, continuation tokens) is the SDK's: listAll follows it
    // with `for await`. 1,000+ entities would make this slow; 30 show nothing is dropped or doubled.
    const store = await fresh();
    const records = Array.from({ length: 30 }, (_, i) => alertRecord(container(`c${String(i).padStart(2, '0')}`), { control: i % 2 === 0 ? 'a' : 'b' }));
    const etags = await Promise.all(records.map((record) => store.put(record, null)));
    const all = await store.listAll();
    expect(all).toHaveLength(30);
    expect(new Map(all.map((v) => [v.record.key, v]))).toEqual(new Map(records.map((record, i) => [record.key, { record, etag: etags[i] }])));
  });

  it('round-trips unicode in findings, reasons and ids', async () => {
    const store = await fresh();
    const record = alertRecord(container('data', ACCOUNT.replace('rg-research', 'rg-münchen-日本')), {
      reason: 'Zugriff öffentlich — ✓',
      findings: [
        { property: 'tags.Ärzte', actual: 'naïve 😀 \u0000 \u2028 "quoted" \\ /', expected: { 名前: ['α', 'β'] }, message: '公開アクセス 🚑' },
        { property: 'x', actual: null, expected: [1, 2.5, 1e21], message: '\ud83d\ude00 pair; RTL \u202e text' },
      ],
    });
    const etag = await store.put(record, null);
    expect(await store.get(record.key)).toEqual({ record, etag });
    expect(await store.listUnder(ACCOUNT.replace('rg-research', 'rg-münchen-日本').toLowerCase())).toEqual([{ record, etag }]);
  });

  it('round-trips a record larger than one Table string property', async () => {
    const store = await fresh();
    for (const pad of ['', 'x', 'xx']) {
      // Surrogate pairs and 3-byte UTF-8 characters, at every alignment to a part or chunk boundary.
      const record = alertRecord(container(`big${pad}`), {
        findings: [{ property: `p${pad}`, actual: '😀'.repeat(8_000), expected: 'x'.repeat(50_000), message: '日'.repeat(15_000) }],
        plannedChanges: [{ value: 'é'.repeat(5_000) }],
      });
      const etag = await store.put(record, null);
      expect(await store.get(record.key)).toEqual({ record, etag });
      const smaller = { ...record, findings: [], plannedChanges: [] };
      const next = await store.put(smaller, etag);
      expect(await store.get(record.key)).toEqual({ record: smaller, etag: next });
    }
  });

  it('lets exactly one of concurrent creators of a key win', async () => {
    const store = await fresh();
    // Identical records too: a writer must not mistake another's identical write for its own.
    const same = alertRecord(container('data'));
    const outcomes = await Promise.allSettled([store.put(same, null), store.put(same, null)]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason)).toEqual([expect.any(AlertConflictError)]);

    const rivals = Array.from({ length: 5 }, () => alertRecord(container('data2')));
    const results = await Promise.allSettled(rivals.map((record) => store.put(record, null)));
    const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [{ record: rivals[i], etag: r.value }] : []));
    expect(winners).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(AlertConflictError);
    expect(await store.get(alertKey(container('data2'), 'storage-public-access'))).toEqual(winners[0]);
  });
});

describe('TableAlertStore (Azurite)', () => {
  it('stores one entity per record: subscription partition, escaped key, JSON plus browsing columns', async () => {
    const { client, store } = await freshTable();
    const record = alertRecord(container('data'));
    const etag = await store.put(record, null);
    const entity = await client.getEntity<Record<string, unknown>>(SUB, toTableKey(record.key));
    expect(entity.rowKey).toBe(`!2Fsubscriptions!2F${SUB}!2Fresourcegroups!2Frg-research!2Fproviders!2Fmicrosoft.storage!2Fstorageaccounts!2Fstresearch!2Fblobservices!2Fdefault!2Fcontainers!2Fdata|storage-public-access`);
    expect(entity).toMatchObject({ partitionKey: SUB, etag, state: 'open', resourceId: record.resourceId, writeId: expect.any(String) });
    expect(JSON.parse(entity['record'] as string)).toEqual(record);
    expect(entity['recordParts']).toBeUndefined();

    const unicode = alertRecord(container('données'), { reason: 'öffentlich 😀 日本' });
    await store.put(unicode, null);
    const stored = (await client.getEntity<Record<string, unknown>>(SUB, toTableKey(unicode.key)))['record'] as string;
    expect(stored).toMatch(/^[\x20-\x7e]+$/);
    expect(stored).toContain('"reason":"\\u00f6ffentlich \\ud83d\\ude00 \\u65e5\\u672c"');
    expect(JSON.parse(stored)).toEqual(unicode);

    await store.put(alertRecord(MG), null);
    const tenant: Record<string, unknown>[] = [];
    for await (const e of client.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${NO_SUBSCRIPTION}` } })) tenant.push(e);
    expect(tenant).toEqual([expect.objectContaining({ partitionKey: '!tenant', rowKey: toTableKey(alertKey(MG, 'storage-public-access')), resourceId: MG })]);
  });

  it('splits a large record into parts within the property limit, and drops them when it shrinks', async () => {
    const { client, store } = await freshTable();
    const record = alertRecord(container('big'), { findings: [{ property: 'p', actual: '😀'.repeat(5_000), expected: 'x'.repeat(80_000), message: 'large' }] });
    const etag = await store.put(record, null);
    const entity = await client.getEntity<Record<string, unknown>>(SUB, toTableKey(record.key));
    const count = entity['recordParts'];
    if (typeof count !== 'number') throw new Error(`recordParts is ${String(count)}`);
    expect(count).toBeGreaterThan(1);
    const parts = Array.from({ length: count }, (_, i) => entity[i === 0 ? 'record' : `record${i}`] as string);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(32 * 1024);
      expect(part).toMatch(/^[\x20-\x7e]+$/);
    }
    expect(JSON.parse(parts.join(''))).toEqual(record);
    await store.put({ ...record, findings: [] }, etag);
    const shrunk = await client.getEntity<Record<string, unknown>>(SUB, toTableKey(record.key));
    expect(Object.keys(shrunk).filter((k) => k.startsWith('record')).sort()).toEqual(['record']);
  });

  it('stores a record close to the 1 MiB entity limit and refuses, naming it, one over it', async () => {
    const { store } = await freshTable();
    const near = alertRecord(container('near'), { findings: [{ property: 'p', actual: 'x'.repeat(480_000), expected: null, message: 'm' }] });
    const etag = await store.put(near, null);
    expect(await store.get(near.key)).toEqual({ record: near, etag });

    const over = alertRecord(container('over'), { findings: [{ property: 'p', actual: 'x'.repeat(530_000), expected: null, message: 'm' }] });
    await expect(store.put(over, null)).rejects.toThrow(
      /^alert table http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1\/alerts\w+: refusing to store alert ".*containers\/over\|storage-public-access": it needs about \d+ bytes, over the 1 MiB entity limit/,
    );
    // 150,000 characters, but stored escaped: 900,000 ASCII characters, 1.8 MB of UTF-16.
    const cjk = alertRecord(container('cjk'), { findings: [{ property: 'p', actual: '日'.repeat(150_000), expected: null, message: 'm' }] });
    await expect(store.put(cjk, null)).rejects.toThrow(/over the 1 MiB entity limit/);
    expect(await store.get(over.key)).toBeUndefined();
    expect(await store.get(cjk.key)).toBeUndefined();
  });

  it('refuses a key too long for a RowKey, and reads it as absent', async () => {
    const { store } = await freshTable();
    const record = alertRecord(container('a'.repeat(400)));
    await expect(store.put(record, null)).rejects.toThrow(/refusing to store alert .*: the escaped key is longer than a RowKey's 512 characters/);
    expect(await store.get(record.key)).toBeUndefined();
    await expect(store.delete(record.key, 'W/"x"')).rejects.toBeInstanceOf(AlertConflictError);
    expect(await store.listUnder(container('a'.repeat(400)).toLowerCase())).toEqual([]);
  });

  it('refuses, before any request, a record it could not read back or find by key', async () => {
    const { store } = await freshTable();
    const record = alertRecord(container('data'));
    await expect(store.put({ ...record, severity: 'critical' } as unknown as AlertRecord, null)).rejects.toThrow(/refusing to store alert .*: severity: /);
    await expect(store.put({ ...record, key: alertKey(container('other'), record.control) }, null)).rejects.toThrow(/key is not "<resource id, lower case>\|<control>"/);
    await expect(store.put({ ...record, alertId: 'not-a-uuid' }, null)).rejects.toThrow(/alertId: /);
    expect(await store.listAll()).toEqual([]);
  });

  const valid = alertRecord(container('data'));
  const json = JSON.stringify(valid);
  it.each([
    ['no record property', {}, /record is missing/],
    ['a record that is not a string', { record: 3 }, /record is not a string/],
    ['a record that is not JSON', { record: '{"key": oops' }, /record is not JSON/],
    ['a record the schema rejects', { record: JSON.stringify({ ...valid, severity: 'critical' }) }, /severity: /],
    ['a record with an unknown property', { record: JSON.stringify({ ...valid, extra: 1 }) }, /Unrecognized key/i],
    ['a record of another key', { record: JSON.stringify(alertRecord(container('data2'))) }, /record key ".*data2\|storage-public-access" does not match the entity's keys/],
    ['a missing part', { record: json.slice(0, 100), recordParts: 2 }, /record1 is missing/],
    ['a bad part count', { record: json, recordParts: 'two' }, /recordParts is not a part count/],
  ] as const)('throws a clear error naming the store and the entity for %s', async (_, properties, message) => {
    const { client, store } = await freshTable();
    await store.put(alertRecord(container('ok')), null);
    await client.createEntity({ partitionKey: SUB, rowKey: toTableKey(valid.key), state: 'open', ...properties });
    for (const operation of [() => store.get(valid.key), () => store.listAll(), () => store.listUnder(container('data').toLowerCase())]) {
      const error = await rejection(operation());
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(
        /^alert table http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1\/alerts\w+ holds an invalid entity \(PartitionKey "6f1c2a9e-[^"]+", RowKey "!2Fsubscriptions.*containers!2Fdata\|storage-public-access"\): /,
      );
      expect((error as Error).message).toMatch(message);
    }
    // A record stored in another subscription's partition is as corrupt as one under another key.
    const other = await freshTable();
    await other.client.createEntity({ partitionKey: OTHER_SUB, rowKey: toTableKey(valid.key), record: json });
    await expect(other.store.listAll()).rejects.toThrow(/does not match the entity's keys/);
  });

  it('reads one partition and two key ranges for listUnder, never the rest of the table', async () => {
    const { client, store } = await freshTable();
    const record = alertRecord(container('data'));
    const etag = await store.put(record, null);
    // Corrupt entities just outside both ranges, and in another partition: listUnder must not see them.
    const base = toTableKey(container('data').toLowerCase());
    const around = [`${base}2`, `${base}}`, `${base}}x`, `${base}{`, `${base}!2E`, `${base}!2G`, `${base}!21`, base, base.slice(0, -1)];
    for (const rowKey of around) await client.createEntity({ partitionKey: SUB, rowKey, record: 'corrupt' });
    await client.createEntity({ partitionKey: OTHER_SUB, rowKey: toTableKey(record.key), record: 'corrupt' });
    await expect(store.listAll()).rejects.toThrow(/holds an invalid entity/);
    expect(await store.listUnder(container('data').toLowerCase())).toEqual([{ record, etag }]);
    // The ranges' lower bounds are inclusive: these are read (and found corrupt).
    for (const inside of [`${base}|`, `${base}!2F`]) {
      await client.createEntity({ partitionKey: SUB, rowKey: inside, record: 'corrupt, but inside' });
      await expect(store.listUnder(container('data').toLowerCase())).rejects.toThrow(/record is not JSON/);
      await client.deleteEntity(SUB, inside);
    }
  });

  it('throws, never "no alert" or a conflict, when the table does not exist', async () => {
    const store = new TableAlertStore(tableClientFromConnectionString(azurite.connectionString, tableName(), FAST));
    const record = alertRecord(container('data'));
    await expect(store.get(record.key)).rejects.toThrow(/^alert table http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1\/alerts\w+: reading alert .*data\|storage-public-access failed: 404 TableNotFound$/);
    await expect(store.listAll()).rejects.toThrow(/: listing alerts failed: 404 TableNotFound$/);
    await expect(store.listUnder(container('data').toLowerCase())).rejects.toThrow(/: listing alerts under .* failed: 404 TableNotFound$/);
    for (const etag of [null, 'W/"datetime\'2026-11-23T00%3A00%3A00.0000000Z\'"']) {
      const error = await rejection(store.put(record, etag));
      expect(error).not.toBeInstanceOf(AlertConflictError);
      expect((error as Error).message).toMatch(/: writing alert .* failed: 404 TableNotFound$/);
    }
    const error = await rejection(store.delete(record.key, 'W/"x"'));
    expect(error).not.toBeInstanceOf(AlertConflictError);
    expect((error as Error).message).toMatch(/: removing alert .* failed: 404 TableNotFound$/);
  });

  describe('when a response is lost and the SDK retries a write that had landed', () => {
    let proxy: TcpProxy;
    beforeAll(async () => {
      proxy = await startTcpProxy(Number(new URL(azurite.tableEndpoint).port));
    });
    afterAll(async () => {
      await proxy?.close();
    });

    async function viaProxy(): Promise<{ direct: TableAlertStore; store: TableAlertStore }> {
      const { store: direct, client } = await freshTable();
      const proxied = tableClientFromConnectionString(azurite.connectionString.replace(azurite.tableEndpoint, proxy.endpointFor(azurite.tableEndpoint)), client.tableName, FAST);
      return { direct, store: new TableAlertStore(proxied) };
    }

    it('create: succeeds (the retry met its own entity), with the etag now stored', async () => {
      const { direct, store } = await viaProxy();
      const record = alertRecord(container('data'));
      const dropped = proxy.droppedResponses();
      proxy.dropNextResponse((head) => head.startsWith('POST /'));
      const etag = await store.put(record, null);
      expect(proxy.droppedResponses()).toBe(dropped + 1);
      expect(await direct.get(record.key)).toEqual({ record, etag });
    });

    it('replace: succeeds (the retry met its own entity), with the etag now stored', async () => {
      const { direct, store } = await viaProxy();
      const record = alertRecord(container('data'));
      const first = await store.put(record, null);
      const folded = { ...record, occurrences: 2 };
      const dropped = proxy.droppedResponses();
      proxy.dropNextResponse((head) => head.startsWith('PUT /'));
      const etag = await store.put(folded, first);
      expect(proxy.droppedResponses()).toBe(dropped + 1);
      expect(etag).not.toBe(first);
      expect(await direct.get(record.key)).toEqual({ record: folded, etag });
    });

    it('delete: reports a conflict (nothing to read back); the next read finds the record gone', async () => {
      const { direct, store } = await viaProxy();
      const record = alertRecord(container('data'));
      const etag = await store.put(record, null);
      const dropped = proxy.droppedResponses();
      proxy.dropNextResponse((head) => head.startsWith('DELETE /'));
      await expect(store.delete(record.key, etag)).rejects.toBeInstanceOf(AlertConflictError);
      expect(proxy.droppedResponses()).toBe(dropped + 1);
      expect(await direct.get(record.key)).toBeUndefined();
    });
  });
});

describe('location and configuration', () => {
  const credential = { getToken: async () => ({ token: 'unused', expiresOnTimestamp: Date.now() + 60_000 }) };

  it('is the table URL, without query string or credentials', () => {
    expect(new TableAlertStore(tableClientFromUrl('https://acct.table.core.windows.net/', 'remediatoralerts', credential)).location).toBe(
      'https://acct.table.core.windows.net/remediatoralerts',
    );
    const sas = 'TableEndpoint=https://acct.table.core.windows.net/;SharedAccessSignature=sv=2024-08-04&ss=t&sig=c2VjcmV0';
    const location = new TableAlertStore(tableClientFromConnectionString(sas, 'remediatoralerts')).location;
    expect(location).toBe('https://acct.table.core.windows.net/remediatoralerts');
    expect(location).not.toMatch(/sig|sv=/);
  });

  it('selects the Table store when HIPAA_REMEDIATOR_ALERTS_TABLE_URL is set, else <home>/alerts.json', async () => {
    let asked = 0;
    const lazy = () => {
      asked += 1;
      return credential;
    };
    const file = await configuredAlertStore({}, '/tmp/home', lazy);
    expect(file).toBeInstanceOf(FileAlertStore);
    expect(file.location).toBe(join('/tmp/home', 'alerts.json'));
    expect(await configuredAlertStore({ HIPAA_REMEDIATOR_ALERTS_TABLE_URL: '' }, '/tmp/home', lazy)).toBeInstanceOf(FileAlertStore);
    expect(asked).toBe(0);
    const table = await configuredAlertStore({ HIPAA_REMEDIATOR_ALERTS_TABLE_URL: 'https://acct.table.core.windows.net' }, '/tmp/home', lazy);
    expect(table).toBeInstanceOf(TableAlertStore);
    expect(table.location).toBe('https://acct.table.core.windows.net/remediatoralerts');
    const named = await configuredAlertStore({ HIPAA_REMEDIATOR_ALERTS_TABLE_URL: 'https://acct.table.core.windows.net', HIPAA_REMEDIATOR_ALERTS_TABLE: 'myalerts' }, '/tmp/home', lazy);
    expect(named.location).toBe('https://acct.table.core.windows.net/myalerts');
    expect(asked).toBe(2);
  });
});
