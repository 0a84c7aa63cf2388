/**
 * BlobSegmentStore against a real Azurite through the real @azure/storage-blob client: the
 * append-position semantics the audit chain relies on are the emulator's, not a mock's.
 */
import { startTcpProxy } from '../../helpers/tcpProxy.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnonymousCredential, ContainerClient, type StoragePipelineOptions } from '@azure/storage-blob';
import {
  BlobSegmentStore,
  containerClientFromConnectionString,
  containerClientFromUrl,
  ensureContainer,
} from '../../../shared/audit/blobSegments.js';
import { startAzurite, type Azurite } from '../../../sandbox/azurite.js';

// Dead endpoints refuse connections at once, but the SDK's default back-off would spend ~16 s
// retrying them; the store's behaviour does not depend on how long the SDK insists.
const FAST_RETRIES: StoragePipelineOptions = { retryOptions: { maxTries: 2, retryDelayInMs: 10, maxRetryDelayInMs: 20 } };

let azurite: Azurite;
let containers = 0;

beforeAll(async () => {
  azurite = await startAzurite();
});

afterAll(async () => {
  await azurite?.stop();
});

/** A store on a fresh container, so tests never see each other's segments. */
async function freshStore(prefix?: string, options: StoragePipelineOptions = FAST_RETRIES): Promise<BlobSegmentStore> {
  containers += 1;
  const client = containerClientFromConnectionString(azurite.connectionString, `audit-${containers}`, options);
  await ensureContainer(client);
  return new BlobSegmentStore(client, prefix);
}

const SEGMENT = '2026-11-23/000000000001.jsonl';

describe('BlobSegmentStore', () => {
  it('creates, lists, appends, reads and stats segments, counting UTF-8 bytes', async () => {
    const store = await freshStore();
    expect(await store.list()).toEqual([]);
    expect(await store.create('2026-11-24/000000000007.jsonl')).toBe(true);
    expect(await store.create(SEGMENT)).toBe(true);
    expect(await store.list()).toEqual([SEGMENT, '2026-11-24/000000000007.jsonl']);
    expect(await store.stat(SEGMENT)).toEqual({ length: 0, blocks: 0 });
    expect(await store.read(SEGMENT)).toBe('');

    const first = '{"seq":1,"who":"Zoë Müller","note":"ü→✓ 𝄞"}\n';
    const second = '{"seq":2,"who":"李雷"}\n';
    const firstBytes = Buffer.byteLength(first, 'utf8');
    expect(firstBytes).toBeGreaterThan(first.length);

    expect(await store.append(SEGMENT, first, 0)).toEqual({ ok: true, length: firstBytes });
    const total = firstBytes + Buffer.byteLength(second, 'utf8');
    expect(await store.append(SEGMENT, second, firstBytes)).toEqual({ ok: true, length: total });

    expect(await store.read(SEGMENT)).toBe(first + second);
    expect(await store.stat(SEGMENT)).toEqual({ length: total, blocks: 2 });
    expect(await store.stat('2026-11-23/000000000099.jsonl')).toBeUndefined();
    await store.sync();
    await store.close();
  });

  it('keeps segments under the prefix and lists them without it', async () => {
    const store = await freshStore('chains/tenant-a/');
    const other = await freshStoreOnSameContainer(store, 'chains/tenant-b/');
    expect(await store.create(SEGMENT)).toBe(true);
    expect(await other.create('2026-11-23/000000000500.jsonl')).toBe(true);
    expect(await store.list()).toEqual([SEGMENT]);
    expect(await other.list()).toEqual(['2026-11-23/000000000500.jsonl']);
  });

  it('refuses to create a segment twice', async () => {
    const store = await freshStore();
    expect(await store.create(SEGMENT)).toBe(true);
    await store.append(SEGMENT, 'kept\n', 0);
    expect(await store.create(SEGMENT)).toBe(false);
    // Losing the roll-over race must not truncate the winner's segment.
    expect(await store.read(SEGMENT)).toBe('kept\n');
  });

  it('lets exactly one of two racing appends win; the loser retries at the new length', async () => {
    const store = await freshStore();
    await store.create(SEGMENT);
    const head = 'genesis\n';
    await store.append(SEGMENT, head, 0);
    const at = Buffer.byteLength(head);
    const a = '{"writer":"a","x":"' + 'α'.repeat(2000) + '"}\n';
    const b = '{"writer":"b","x":"' + 'β'.repeat(3000) + '"}\n';

    const [ra, rb] = await Promise.all([store.append(SEGMENT, a, at), store.append(SEGMENT, b, at)]);

    const winners = [ra, rb].filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    const [winner, loserData, loserResult] = ra.ok ? [a, b, rb] : [b, a, ra];
    const afterWinner = at + Buffer.byteLength(winner);
    expect(loserResult).toEqual({ ok: false, reason: 'conflict', length: afterWinner });

    expect(await store.append(SEGMENT, loserData, afterWinner)).toEqual({
      ok: true,
      length: afterWinner + Buffer.byteLength(loserData),
    });
    expect(await store.read(SEGMENT)).toBe(head + winner + loserData);
    expect(await store.stat(SEGMENT)).toEqual({ length: afterWinner + Buffer.byteLength(loserData), blocks: 3 });
  });

  it('reports a conflict for a stale or future position and missing for an absent segment', async () => {
    const store = await freshStore();
    await store.create(SEGMENT);
    await store.append(SEGMENT, 'one\n', 0);
    expect(await store.append(SEGMENT, 'two\n', 0)).toEqual({ ok: false, reason: 'conflict', length: 4 });
    expect(await store.append(SEGMENT, 'two\n', 9)).toEqual({ ok: false, reason: 'conflict', length: 4 });
    expect(await store.append('2026-11-23/000000000099.jsonl', 'x\n', 0)).toEqual({ ok: false, reason: 'missing' });
    expect(await store.read(SEGMENT)).toBe('one\n');
  });

  it('treats a replay of its own acknowledged append as success, not as a conflict', async () => {
    const store = await freshStore();
    await store.create(SEGMENT);
    expect(await store.append(SEGMENT, 'one\n', 0)).toEqual({ ok: true, length: 4 });
    expect(await store.append(SEGMENT, 'one\n', 0)).toEqual({ ok: true, length: 4 });
    // Same length but other bytes is someone else's record.
    expect(await store.append(SEGMENT, 'uno\n', 0)).toEqual({ ok: false, reason: 'conflict', length: 4 });
    expect(await store.read(SEGMENT)).toBe('one\n');
  });

  it('writes a record once when the SDK retries an append whose response was lost', async () => {
    const proxy = await startTcpProxy(Number(new URL(azurite.blobEndpoint).port));
    try {
      containers += 1;
      const name = `audit-${containers}`;
      // Default retry options on purpose: the SDK's own immediate retry is what we exercise.
      const direct = containerClientFromConnectionString(azurite.connectionString, name);
      await ensureContainer(direct);
      const viaProxy = containerClientFromConnectionString(
        azurite.connectionString.replace(azurite.blobEndpoint, proxy.endpointFor(azurite.blobEndpoint)),
        name,
      );
      const store = new BlobSegmentStore(viaProxy);
      await store.create(SEGMENT);
      await store.append(SEGMENT, 'one\n', 0);

      proxy.dropNextResponse((head) => head.includes('comp=appendblock'));
      expect(await store.append(SEGMENT, 'two\n', 4)).toEqual({ ok: true, length: 8 });

      expect(proxy.droppedResponses()).toBe(1);
      expect(await new BlobSegmentStore(direct).read(SEGMENT)).toBe('one\ntwo\n');
    } finally {
      await proxy.close();
    }
  });

  it('reads from a byte offset; empty at and past the end; throws for a missing segment', async () => {
    const store = await freshStore();
    await store.create(SEGMENT);
    const first = 'première ligne\n';
    const second = 'zweite Zeile ✓\n';
    await store.append(SEGMENT, first, 0);
    const end = (await store.append(SEGMENT, second, Buffer.byteLength(first))) as { ok: true; length: number };
    expect(await store.read(SEGMENT, Buffer.byteLength(first))).toBe(second);
    expect(await store.read(SEGMENT, Buffer.byteLength('première '))).toBe('ligne\n' + second);
    expect(await store.read(SEGMENT, end.length)).toBe('');
    expect(await store.read(SEGMENT, end.length + 10)).toBe('');
    await expect(store.read('2026-11-23/000000000099.jsonl')).rejects.toThrow(/000000000099\.jsonl does not exist/);
    await expect(store.read(SEGMENT, -1)).rejects.toThrow(RangeError);
  });

  it('rejects empty and oversized appends before calling the service', async () => {
    const store = await freshStore();
    await store.create(SEGMENT);
    await expect(store.append(SEGMENT, '', 0)).rejects.toThrow(RangeError);
    await expect(store.append(SEGMENT, 'x'.repeat(4 * 1024 * 1024 + 1), 0)).rejects.toThrow(RangeError);
    expect(await store.stat(SEGMENT)).toEqual({ length: 0, blocks: 0 });
  });

  it('throws (not missing) when the container itself is gone', async () => {
    const client = containerClientFromConnectionString(azurite.connectionString, 'never-created', FAST_RETRIES);
    const store = new BlobSegmentStore(client);
    await expect(store.list()).rejects.toThrow(/ContainerNotFound/);
    await expect(store.create(SEGMENT)).rejects.toThrow(/ContainerNotFound/);
    await expect(store.append(SEGMENT, 'x\n', 0)).rejects.toThrow(/ContainerNotFound/);
    await expect(store.stat(SEGMENT)).rejects.toThrow(/404/);
  });

  it('names its location without any query string', () => {
    const url = 'https://acct.blob.core.windows.net/audit?sv=2024-08-04&sig=c2VjcmV0&se=2030-01-01';
    expect(new BlobSegmentStore(new ContainerClient(url, new AnonymousCredential())).location).toBe(
      'https://acct.blob.core.windows.net/audit',
    );
    const managed = containerClientFromUrl('https://acct.blob.core.windows.net/audit', {
      getToken: async () => ({ token: 'unused', expiresOnTimestamp: Date.now() + 60_000 }),
    });
    expect(new BlobSegmentStore(managed).location).toBe('https://acct.blob.core.windows.net/audit');
  });

  it('throws, never ok or conflict, once the storage backend has died', async () => {
    const doomed = await startAzurite();
    try {
      const client = containerClientFromConnectionString(doomed.connectionString, 'audit', FAST_RETRIES);
      await ensureContainer(client);
      const store = new BlobSegmentStore(client);
      await store.create(SEGMENT);
      expect(await store.append(SEGMENT, 'one\n', 0)).toEqual({ ok: true, length: 4 });

      await doomed.kill();

      await expect(store.append(SEGMENT, 'two\n', 4)).rejects.toThrow(/audit store http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1\/audit: appending/);
      await expect(store.append(SEGMENT, 'two\n', 0)).rejects.toThrow(/ECONNREFUSED|ECONNRESET|socket hang up/);
      await expect(store.stat(SEGMENT)).rejects.toThrow(/reading properties/);
      await expect(store.read(SEGMENT)).rejects.toThrow(/reading segment/);
      await expect(store.create('2026-11-24/000000000002.jsonl')).rejects.toThrow(/creating segment/);
      await expect(store.list()).rejects.toThrow(/listing segments/);
    } finally {
      await doomed.stop();
    }
  });
});

async function freshStoreOnSameContainer(store: BlobSegmentStore, prefix: string): Promise<BlobSegmentStore> {
  const name = new URL(store.location).pathname.split('/').at(-1) ?? '';
  return new BlobSegmentStore(containerClientFromConnectionString(azurite.connectionString, name, FAST_RETRIES), prefix);
}

