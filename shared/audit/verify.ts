/**
 * `audit verify`: walks every segment and every signed head and names the first record that
 * breaks the history, and how: modified, removed, inserted, reordered, truncated, or a head
 * whose signature does not verify. Needs only the public key.
 */
import { checkHeadSignature, type SignedHead } from './heads.js';
import { GENESIS_HASH, lineHashes, type AuditRecord } from './record.js';
import type { SegmentStore } from './segments.js';
import type { PublicKeyResolver } from './signer.js';

export type ProblemKind = 'modified' | 'removed' | 'inserted' | 'reordered' | 'truncated' | 'bad-signature' | 'malformed';

export interface VerifyProblem {
  kind: ProblemKind;
  /** The seq the bad record carries (or the signed head's seq), null when unreadable. */
  seq: number | null;
  segment: string;
  /** 1-based line within the segment (0 for a problem with the signed heads). */
  line: number;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  location: string;
  records: number;
  segments: number;
  signedHeads: number;
  lastSeq: number;
  lastSignedSeq: number | null;
  problem?: VerifyProblem;
}

interface Located {
  value: unknown;
  /** Whether the stored text hashes to the hash it carries. */
  intact: boolean;
  segment: string;
  line: number;
}

function firstSeqOf(segment: string): number | undefined {
  const match = /\/(\d{12})\.jsonl$/.exec(segment);
  return match === null ? undefined : Number(match[1]);
}

async function readLines(store: SegmentStore): Promise<{ items: Located[]; segments: string[] }> {
  const segments = await store.list();
  const items: Located[] = [];
  for (const segment of segments) {
    const text = await store.read(segment);
    text.split('\n').forEach((line, index) => {
      if (line.length === 0) return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        value = undefined;
      }
      const hashes = lineHashes(line);
      items.push({ value, intact: hashes !== undefined && hashes.stored === hashes.computed, segment, line: index + 1 });
    });
  }
  return { items, segments };
}

export async function verifyAudit(chain: SegmentStore, heads: SegmentStore, keys: PublicKeyResolver): Promise<VerifyReport> {
  const { items, segments } = await readLines(chain);
  const problem = checkChain(items);
  const records = items.map((i) => i.value as AuditRecord);
  const lastSeq = problem === undefined ? (records.at(-1)?.seq ?? 0) : 0;
  const headCheck = await checkHeads(await readLines(heads), records, keys);
  const report: VerifyReport = {
    ok: problem === undefined && headCheck.problem === undefined,
    location: chain.location,
    records: items.length,
    segments: segments.length,
    signedHeads: headCheck.count,
    lastSeq,
    lastSignedSeq: headCheck.lastSignedSeq,
  };
  const first = problem ?? headCheck.problem;
  return first === undefined ? report : { ...report, problem: first };
}

function isRecord(value: unknown): value is AuditRecord {
  const r = value as Partial<AuditRecord> | undefined;
  return typeof r === 'object' && r !== null && typeof r.seq === 'number' && typeof r.hash === 'string' && typeof r.prevHash === 'string';
}

function checkChain(items: readonly Located[]): VerifyProblem | undefined {
  const at = (item: Located, kind: ProblemKind, seq: number | null, message: string): VerifyProblem => ({ kind, seq, segment: item.segment, line: item.line, message });
  const seqs = new Set<number>();
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let previous: Located | undefined;
  for (const [index, item] of items.entries()) {
    if (!isRecord(item.value)) return at(item, 'malformed', null, 'line is not an audit record');
    const record = item.value;
    const hash = record.hash;
    if (!item.intact) return at(item, 'modified', record.seq, `record ${record.seq} does not match its hash: its content was changed`);

    if (previous === undefined || previous.segment !== item.segment) {
      const named = firstSeqOf(item.segment);
      if (named !== undefined && named !== record.seq && record.seq === expectedSeq) {
        return at(item, 'inserted', record.seq, `segment ${item.segment} should start at seq ${named}`);
      }
      if (previous !== undefined) {
        const closing = previous.value as AuditRecord;
        if (closing.kind !== 'rollover' || closing.next !== item.segment) {
          return at(item, 'removed', record.seq, `segment ${previous.segment} does not hand over to ${item.segment}: a segment was removed or added`);
        }
      }
    }

    if (record.seq !== expectedSeq) {
      if (record.seq > expectedSeq) {
        const later = items.slice(index + 1).some((i) => isRecord(i.value) && i.value.seq === expectedSeq);
        return later
          ? at(item, 'reordered', record.seq, `expected seq ${expectedSeq} here, found ${record.seq}: records are out of order`)
          : at(item, 'removed', record.seq, `records ${expectedSeq}..${record.seq - 1} are missing`);
      }
      return seqs.has(record.seq)
        ? at(item, 'inserted', record.seq, `seq ${record.seq} appears twice: a record was inserted`)
        : at(item, 'reordered', record.seq, `expected seq ${expectedSeq} here, found ${record.seq}: records are out of order`);
    }
    if (record.prevHash !== prevHash) {
      return at(item, 'inserted', record.seq, `record ${record.seq} does not link to record ${record.seq - 1}: a record was inserted or replaced before it`);
    }
    seqs.add(record.seq);
    prevHash = hash;
    expectedSeq += 1;
    previous = item;
  }
  // A chain cut short (last records or whole last segments deleted) still links: the signed heads catch it.
  return undefined;
}

async function checkHeads(
  lines: { items: Located[] },
  records: readonly AuditRecord[],
  keys: PublicKeyResolver,
): Promise<{ count: number; lastSignedSeq: number | null; problem?: VerifyProblem }> {
  let lastSignedSeq: number | null = null;
  const bySeq = new Map<number, AuditRecord>();
  for (const record of records) if (isRecord(record)) bySeq.set(record.seq, record);
  let lastSeq = 0;
  for (const seq of bySeq.keys()) if (seq > lastSeq) lastSeq = seq;
  for (const item of lines.items) {
    const head = item.value as SignedHead | undefined;
    const problem = (kind: ProblemKind, message: string): VerifyProblem => ({ kind, seq: typeof head?.seq === 'number' ? head.seq : null, segment: `heads/${item.segment}`, line: item.line, message });
    if (head === undefined || typeof head.seq !== 'number' || typeof head.hash !== 'string') {
      return { count: lines.items.length, lastSignedSeq, problem: problem('malformed', 'signed head is unreadable') };
    }
    if (!(await checkHeadSignature(head, keys))) {
      return { count: lines.items.length, lastSignedSeq, problem: problem('bad-signature', `signed head for seq ${head.seq} does not verify with key ${head.keyId}`) };
    }
    if (head.seq > lastSeq) {
      return { count: lines.items.length, lastSignedSeq, problem: problem('truncated', `a signed head vouches for seq ${head.seq}, but the chain ends at ${lastSeq}: records were cut off`) };
    }
    if (bySeq.get(head.seq)?.hash !== head.hash) {
      return { count: lines.items.length, lastSignedSeq, problem: problem('modified', `record ${head.seq} is not the one its signed head vouches for: the chain was rewritten`) };
    }
    lastSignedSeq = Math.max(lastSignedSeq ?? 0, head.seq);
  }
  return { count: lines.items.length, lastSignedSeq };
}
