/**
 * The audit record format shared by every adapter: JSON lines, each carrying the SHA-256 of
 * its canonical (RFC 8785) form and the hash of the record before it, so that any modified,
 * removed, inserted or reordered record breaks the chain. Signed heads (heads.ts) make
 * truncation detectable too.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { Caller } from '../events.js';

export type AuditKind = 'intent' | 'outcome' | 'decision' | 'alert' | 'mode-change' | 'rejection' | 'sweep-summary' | 'rollover';

export type Decision = 'remediated' | 'alerted' | 'compliant' | 'skipped' | 'rejected' | 'failed';

/** What the pipeline writes. No PHI, secrets or personal data: ids, and the values of the changed properties only. */
export interface AuditEntry {
  kind: AuditKind;
  eventId?: string;
  resourceId?: string;
  /** The subscription of `resourceId`: evidence of a many-subscription deployment is read per subscription. */
  subscriptionId?: string;
  remediator?: string;
  control?: string;
  citation?: string;
  decision?: Decision;
  mode?: string;
  reason?: string;
  findings?: readonly { property: string; actual: unknown; expected: unknown; controls: readonly string[] }[];
  /** The planned or applied change (operation, method, resource id, api-version, body). */
  change?: unknown;
  /** Values of the properties a change touches, before it and after it (never whole payloads). */
  before?: Readonly<Record<string, unknown>>;
  after?: Readonly<Record<string, unknown>>;
  /** For an outcome: the seq of the intent it closes. */
  intentSeq?: number;
  /** 'unknown': no outcome was recorded (crash between write and record); `reason` says what a re-read found. */
  outcome?: 'succeeded' | 'failed' | 'unknown';
  /** Who made the change the event reports (object id / app id, never names or e-mail). */
  actor?: Caller;
  /** The service's own identity (object ids / app ids), for records of its own actions. */
  service?: readonly string[];
  /** Who asked for an operator action (mode change): `cli:<os user>`, an Entra object id, `local-token`. */
  operator?: string;
  /** The scope of a mode change: `*`, `rg:<name>`, `sub:<guid>` or `sub:<guid>/rg:<name>` (shared/modes/scopes.ts). */
  scope?: string;
  /** For a rollover: the segment the chain continues in (this record closes its segment). */
  next?: string;
  /** For a sweep summary: decisions per remediator. */
  counts?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** For an alert record: which alert, what happened to it, and where it was (or was not) delivered. */
  alert?: {
    alertId: string;
    /** opened / resolved: a lifecycle step; redelivery: pending notifications retried later. */
    transition: 'opened' | 'resolved' | 'redelivery';
    severity: string;
    delivered: readonly string[];
    /** Sinks that did not take it (kept pending and retried by the next sweep), with the reason. */
    failed: readonly { sink: string; error: string }[];
  };
}

export interface AuditRecord extends AuditEntry {
  seq: number;
  time: string;
  prevHash: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('value cannot be canonicalised');
  return text;
}

export interface SealedRecord {
  record: AuditRecord;
  /** The stored line: the canonical body with the hash appended as the last member. */
  line: string;
}

const HASH_SUFFIX = /,"hash":"([0-9a-f]{64})"}$/;

export function sealRecord(entry: AuditEntry, seq: number, prevHash: string, time: Date): SealedRecord {
  // Drop undefined fields so the stored JSON and the hashed form are the same object.
  const body = JSON.parse(JSON.stringify({ ...entry, seq, time: time.toISOString(), prevHash })) as Omit<AuditRecord, 'hash'>;
  const canonical = canonicalJson(body);
  const hash = createHash('sha256').update(canonical).digest('hex');
  // Writing the canonical text itself lets a verifier hash the stored bytes without re-canonicalising.
  return { record: { ...body, hash }, line: `${canonical.slice(0, -1)},"hash":"${hash}"}` };
}

/**
 * The hash a stored line carries and the hash of its body text, or undefined for a line not in
 * the sealed form (then it was rewritten by something other than the chain).
 */
export function lineHashes(line: string): { stored: string; computed: string } | undefined {
  const match = HASH_SUFFIX.exec(line);
  if (match === null) return undefined;
  const body = `${line.slice(0, -match[0].length)}}`;
  return { stored: match[1]!, computed: createHash('sha256').update(body).digest('hex') };
}

/**
 * Port: the tamper-evident, append-only audit store. `append` resolves once the record is
 * written with its final seq; `sync` is the group commit: once it resolves, every record
 * appended before it is on stable storage. The pipeline syncs before any ARM write
 * (write-ahead intent) and before a batch is acknowledged.
 */
export interface AuditStore {
  /** Appends in order; throws if the record cannot be written. */
  append(entry: AuditEntry): Promise<AuditRecord>;
  /** Makes everything appended so far durable; throws if it cannot. */
  sync(): Promise<void>;
  /** Intents older than `olderThanMs` with no outcome yet, for one resource (key = lower-case id). */
  openIntents(resourceKey: string, olderThanMs: number): Promise<AuditRecord[]>;
  close(): Promise<void>;
}
