/**
 * The audit chain over any SegmentStore: one global, hash-linked history that several writers
 * (Function instances) extend optimistically.
 *
 * Why conditional appends and not one chain per writer: auditors read one ordered history, and
 * a single sequence makes "removed", "inserted" and "reordered" provable without merging
 * chains. Each write is an append-position-conditional append; a writer that loses the race
 * re-reads the tail, re-seals its records on top of it and tries again, so the chain never
 * forks. Segments roll (at day boundaries and before the 50,000-block limit of append blobs)
 * through a `rollover` record appended to the old segment under the same condition: once it is
 * there, no stale writer can extend the old segment, and everyone finds the new one from it.
 *
 * Records are grouped: appends that queue up while a write is in flight go out together in one
 * block, with their final seq, so concurrency raises throughput instead of contention.
 */
import { GENESIS_HASH, sealRecord, type AuditEntry, type AuditRecord, type AuditStore, type SealedRecord } from './record.js';
import { signHead } from './heads.js';
import { MAX_BLOCK_BYTES, MAX_BLOCKS_PER_SEGMENT, type SegmentStore } from './segments.js';
import type { Signer } from './signer.js';

export interface AuditChainOptions {
  chain: SegmentStore;
  /** Where signed heads go: their own append-only log. */
  heads: SegmentStore;
  signer: Signer;
  clock?: () => Date;
  /** Sign a head at sync once this many records or this much time passed since the last one. */
  checkpointEvery?: { records: number; ms: number };
  maxBlocksPerSegment?: number;
  maxRecordsPerBlock?: number;
  maxConflictRetries?: number;
  /**
   * A failed checkpoint (Key Vault or the heads log unreachable) does not fail the sync: the
   * records are durable already, and the next sync tries again. It is reported here.
   */
  onCheckpointError?: (error: unknown) => void;
}

interface Tail {
  segment: string;
  length: number;
  blocks: number;
  seq: number;
  hash: string;
}

interface Pending {
  entry: AuditEntry;
  resolve: (record: AuditRecord) => void;
  reject: (error: unknown) => void;
}

const TAIL_WINDOW_BYTES = 512 * 1024;

export function segmentName(day: string, firstSeq: number): string {
  return `${day}/${String(firstSeq).padStart(12, '0')}.jsonl`;
}

function dayOf(time: Date): string {
  return time.toISOString().slice(0, 10);
}

export class AuditChain implements AuditStore {
  private readonly clock: () => Date;
  private readonly checkpointEvery: { records: number; ms: number };
  private readonly maxBlocks: number;
  private readonly maxRecordsPerBlock: number;
  private readonly maxConflictRetries: number;
  private tail: Tail | null | undefined;
  private pending: Pending[] = [];
  private writing: Promise<void> | undefined;
  private lastCheckpoint: { seq: number; at: number };
  private intents: Map<string, Map<number, AuditRecord>> | undefined;

  constructor(private readonly options: AuditChainOptions) {
    this.clock = options.clock ?? (() => new Date());
    this.checkpointEvery = options.checkpointEvery ?? { records: 100, ms: 60_000 };
    this.maxBlocks = options.maxBlocksPerSegment ?? MAX_BLOCKS_PER_SEGMENT;
    this.maxRecordsPerBlock = options.maxRecordsPerBlock ?? 500;
    this.maxConflictRetries = options.maxConflictRetries ?? 100;
    this.lastCheckpoint = { seq: 0, at: this.clock().getTime() };
  }

  get location(): string {
    return this.options.chain.location;
  }

  append(entry: AuditEntry): Promise<AuditRecord> {
    return new Promise((resolve, reject) => {
      this.pending.push({ entry, resolve, reject });
      this.kick();
    });
  }

  async sync(): Promise<void> {
    await this.drained();
    await this.options.chain.sync();
    const tail = this.tail;
    if (tail === null || tail === undefined || tail.seq <= this.lastCheckpoint.seq) return;
    const now = this.clock().getTime();
    if (tail.seq - this.lastCheckpoint.seq >= this.checkpointEvery.records || now - this.lastCheckpoint.at >= this.checkpointEvery.ms) {
      try {
        await this.checkpoint(tail);
      } catch (error) {
        this.options.onCheckpointError?.(error);
      }
    }
  }

  async close(): Promise<void> {
    await this.drained();
    await this.options.chain.sync();
    const tail = this.tail;
    if (tail !== null && tail !== undefined && tail.seq > this.lastCheckpoint.seq) await this.checkpoint(tail);
    await this.options.chain.close();
    await this.options.heads.close();
  }

  async openIntents(resourceKey: string, olderThanMs: number): Promise<AuditRecord[]> {
    const index = await this.intentIndex();
    const cutoff = this.clock().getTime() - olderThanMs;
    return [...(index.get(resourceKey)?.values() ?? [])].filter((r) => Date.parse(r.time) <= cutoff);
  }

  private kick(): void {
    if (this.writing !== undefined) return;
    this.writing = this.drain().finally(() => {
      this.writing = undefined;
      if (this.pending.length > 0) this.kick();
    });
  }

  private async drained(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const group = this.takeGroup();
      try {
        const records = await this.writeGroup(group.map((p) => p.entry));
        group.forEach((p, i) => p.resolve(records[i]!));
      } catch (error) {
        for (const p of group) p.reject(error);
      }
    }
  }

  private takeGroup(): Pending[] {
    const group: Pending[] = [];
    let bytes = 0;
    while (this.pending.length > 0 && group.length < this.maxRecordsPerBlock) {
      const size = JSON.stringify(this.pending[0]!.entry).length + 300;
      if (group.length > 0 && bytes + size > MAX_BLOCK_BYTES / 2) break;
      bytes += size;
      group.push(this.pending.shift()!);
    }
    return group;
  }

  /** Seals the entries on top of the current tail and appends them as one block; re-seals on conflict. */
  private async writeGroup(entries: readonly AuditEntry[]): Promise<AuditRecord[]> {
    const store = this.options.chain;
    for (let attempt = 0; attempt <= this.maxConflictRetries; attempt++) {
      const tail = await this.currentTail();
      const time = this.clock();
      if (tail === null) {
        const first = segmentName(dayOf(time), 1);
        if (!(await store.create(first))) await this.refresh();
        else this.tail = { segment: first, length: 0, blocks: 0, seq: 0, hash: GENESIS_HASH };
        continue;
      }
      if (tail.segment.slice(0, 10) !== dayOf(time) || tail.blocks >= this.maxBlocks) {
        await this.roll(tail, time);
        continue;
      }
      const sealed = seal(entries, tail, time);
      const records = sealed.map((s) => s.record);
      const result = await store.append(tail.segment, lines(sealed), tail.length);
      if (result.ok) {
        const last = records.at(-1)!;
        this.tail = { segment: tail.segment, length: result.length, blocks: tail.blocks + 1, seq: last.seq, hash: last.hash };
        this.index(records);
        return records;
      }
      if (result.reason === 'full') this.tail = { ...tail, blocks: Number.POSITIVE_INFINITY };
      else await this.refresh();
    }
    throw new Error(`audit chain at ${store.location}: gave up after ${this.maxConflictRetries} conflicting writers`);
  }

  /** Closes the tail segment with a rollover record, then opens the next one. */
  private async roll(tail: Tail, time: Date): Promise<void> {
    const next = segmentName(dayOf(time), tail.seq + 2);
    const sealed = seal([{ kind: 'rollover', next }], tail, time);
    const result = await this.options.chain.append(tail.segment, lines(sealed), tail.length);
    if (!result.ok) {
      await this.refresh();
      return;
    }
    await this.options.chain.create(next);
    const rollover = sealed[0]!.record;
    this.tail = { segment: next, length: 0, blocks: 0, seq: rollover.seq, hash: rollover.hash };
  }

  private async currentTail(): Promise<Tail | null> {
    if (this.tail === undefined) await this.refresh();
    return this.tail ?? null;
  }

  /**
   * Re-reads where the chain ends. The length a writer appends at and the last record it seals
   * on top of must come from the same read: a length newer than the record would let it write
   * a second record with the same seq behind someone else's.
   */
  private async refresh(): Promise<void> {
    const store = this.options.chain;
    const names = await store.list();
    let newest: { name: string; length: number; blocks: number } | undefined;
    for (let i = names.length - 1; i >= 0; i--) {
      const name = names[i]!;
      const { length, blocks, last } = await this.readTail(name);
      newest ??= { name, length, blocks };
      if (last === undefined) continue;
      if (last.kind === 'rollover' && typeof last.next === 'string' && name === newest.name) {
        // The rollover is the newest thing written: its segment may not exist yet (the roller died).
        await store.create(last.next);
        const next = await this.readTail(last.next);
        const head = next.last ?? last;
        this.tail = { segment: last.next, length: next.length, blocks: next.blocks, seq: head.seq, hash: head.hash };
        return;
      }
      this.tail = { segment: newest.name, length: newest.length, blocks: newest.blocks, seq: last.seq, hash: last.hash };
      return;
    }
    this.tail = newest === undefined ? null : { segment: newest.name, length: newest.length, blocks: newest.blocks, seq: 0, hash: GENESIS_HASH };
  }

  /** The segment's length as of one read, and the last record in that read. */
  private async readTail(name: string): Promise<{ length: number; blocks: number; last?: AuditRecord }> {
    const info = await this.options.chain.stat(name);
    if (info === undefined) return { length: 0, blocks: 0 };
    const from = Math.max(0, info.length - TAIL_WINDOW_BYTES);
    const text = await this.options.chain.read(name, from);
    const length = from + Buffer.byteLength(text, 'utf8');
    const line = text.trimEnd().split('\n').at(-1);
    if (line === undefined || line.length === 0) return { length, blocks: info.blocks };
    const record = JSON.parse(line) as AuditRecord;
    if (typeof record.seq !== 'number' || typeof record.hash !== 'string') {
      throw new Error(`audit segment ${name} ends with a malformed record; run \`hipaa-remediator audit verify\``);
    }
    return { length, blocks: info.blocks, last: record };
  }

  private async checkpoint(tail: Tail): Promise<void> {
    const head = await signHead(this.options.signer, tail, this.clock());
    const heads = this.options.heads;
    const name = `${head.time.slice(0, 10)}.jsonl`;
    for (let attempt = 0; attempt <= this.maxConflictRetries; attempt++) {
      const info = (await heads.stat(name)) ?? ((await heads.create(name)) ? { length: 0, blocks: 0 } : await heads.stat(name));
      const result = await heads.append(name, `${JSON.stringify(head)}\n`, info?.length ?? 0);
      if (result.ok) {
        await heads.sync();
        this.lastCheckpoint = { seq: tail.seq, at: this.clock().getTime() };
        return;
      }
    }
    throw new Error(`audit heads at ${heads.location}: gave up after ${this.maxConflictRetries} conflicting writers`);
  }

  /** Intents without an outcome, from the segments of the last two days plus what this writer appended since. */
  private async intentIndex(): Promise<Map<string, Map<number, AuditRecord>>> {
    if (this.intents !== undefined) return this.intents;
    const index = new Map<string, Map<number, AuditRecord>>();
    this.intents = index;
    const names = await this.options.chain.list();
    const since = dayOf(new Date(this.clock().getTime() - 86_400_000));
    for (const name of names.filter((n) => n.slice(0, 10) >= since)) {
      const text = await this.options.chain.read(name);
      this.index(text.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as AuditRecord));
    }
    return index;
  }

  private index(records: readonly AuditRecord[]): void {
    const index = this.intents;
    if (index === undefined) return;
    for (const record of records) {
      const key = record.resourceId?.toLowerCase();
      if (key === undefined) continue;
      if (record.kind === 'intent') {
        const open = index.get(key) ?? new Map<number, AuditRecord>();
        open.set(record.seq, record);
        index.set(key, open);
      } else if (record.kind === 'outcome' && record.intentSeq !== undefined) {
        index.get(key)?.delete(record.intentSeq);
      }
    }
  }
}

function seal(entries: readonly AuditEntry[], tail: Pick<Tail, 'seq' | 'hash'>, time: Date): SealedRecord[] {
  const sealed: SealedRecord[] = [];
  let prev: Pick<Tail, 'seq' | 'hash'> = tail;
  for (const entry of entries) {
    const next = sealRecord(entry, prev.seq + 1, prev.hash, time);
    sealed.push(next);
    prev = next.record;
  }
  return sealed;
}

function lines(sealed: readonly SealedRecord[]): string {
  return sealed.map((s) => `${s.line}\n`).join('');
}
