/**
 * The audit record format shared by every AuditStore adapter: JSON lines, each carrying the
 * SHA-256 of its canonical (RFC 8785) form and the hash of the record before it, so that any
 * modified, removed, inserted or reordered record breaks the chain.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { Caller } from '../events.js';

export type AuditKind = 'rejected' | 'decision' | 'intent' | 'outcome';

export type Decision = 'remediated' | 'alerted' | 'compliant' | 'skipped' | 'rejected' | 'failed';

/** What the pipeline writes. No PHI, secrets or personal data: ids only. */
export interface AuditEntry {
  kind: AuditKind;
  eventId?: string;
  resourceId?: string;
  remediator?: string;
  control?: string;
  citation?: string;
  decision?: Decision;
  mode?: string;
  reason?: string;
  findings?: readonly { property: string; actual: unknown; expected: unknown; controls: readonly string[] }[];
  change?: unknown;
  /** For an outcome: the seq of the intent it closes. */
  intentSeq?: number;
  outcome?: 'succeeded' | 'failed';
  actor?: Caller;
}

export interface AuditRecord extends AuditEntry {
  seq: number;
  time: string;
  prevHash: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

export function hashRecord(record: Omit<AuditRecord, 'hash'>): string {
  const canonical = canonicalize(record);
  if (canonical === undefined) throw new Error('audit record cannot be canonicalised');
  return createHash('sha256').update(canonical).digest('hex');
}

export function sealRecord(entry: AuditEntry, seq: number, prevHash: string, time: Date): AuditRecord {
  // Drop undefined fields so the stored JSON and the hashed form are the same object.
  const body = JSON.parse(JSON.stringify({ ...entry, seq, time: time.toISOString(), prevHash })) as Omit<AuditRecord, 'hash'>;
  return { ...body, hash: hashRecord(body) };
}

export interface ChainProblem {
  seq: number | null;
  line: number;
  problem: string;
}

/** Checks a sequence of records from the chain's start; returns the first problem found, if any. */
export function verifyChain(records: readonly unknown[]): ChainProblem | undefined {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  for (const [index, raw] of records.entries()) {
    const line = index + 1;
    if (typeof raw !== 'object' || raw === null) return { seq: null, line, problem: 'not a JSON object' };
    const record = raw as Partial<AuditRecord>;
    const seq = typeof record.seq === 'number' ? record.seq : null;
    if (seq !== expectedSeq) return { seq, line, problem: `expected seq ${expectedSeq}, found ${String(seq)} (record removed, inserted or reordered)` };
    if (record.prevHash !== prevHash) return { seq, line, problem: 'prevHash does not match the previous record' };
    const { hash, ...body } = record;
    if (typeof hash !== 'string' || hashRecord(body as Omit<AuditRecord, 'hash'>) !== hash) {
      return { seq, line, problem: 'record content does not match its hash (modified)' };
    }
    prevHash = hash;
    expectedSeq += 1;
  }
  return undefined;
}

/**
 * Port: the tamper-evident, append-only audit store. Appends are ordered; `sync` is the
 * group commit: once it resolves, every record appended before it is on stable storage.
 * The pipeline syncs before any ARM write (write-ahead intent) and before a batch is
 * acknowledged, so one fsync covers many decisions.
 */
export interface AuditStore {
  /** Appends in order; throws if the record cannot be written. */
  append(entry: AuditEntry): Promise<AuditRecord>;
  /** Makes everything appended so far durable; throws if it cannot. */
  sync(): Promise<void>;
}
