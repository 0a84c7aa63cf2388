/**
 * Where the audit chain's bytes live. The chain logic (sequence, hashes, roll-over, signed
 * heads) is written once in chain.ts; a SegmentStore only stores ordered, append-only text
 * segments: local files in embedded mode, append blobs in Azure.
 *
 * Segment names sort in chain order: `<YYYY-MM-DD>/<first seq, 12 digits>.jsonl`
 * (e.g. `2026-11-23/000000000001.jsonl`).
 */

export type AppendResult =
  | { ok: true; length: number }
  /** Someone else appended first: the segment's length is not what the writer expected. */
  | { ok: false; reason: 'conflict'; length: number }
  /** The segment cannot take more blocks (append blobs: 50,000): roll to a new one. */
  | { ok: false; reason: 'full' }
  /** The segment does not exist (anymore). */
  | { ok: false; reason: 'missing' };

export interface SegmentStore {
  /** Human-readable location for messages (file path, container URL without credentials). */
  readonly location: string;
  /** All segment names, sorted in chain order. */
  list(): Promise<string[]>;
  /** The segment's text from `fromOffset` (bytes) to its end; '' past the end. Throws if missing. */
  read(name: string, fromOffset?: number): Promise<string>;
  /** Byte length and number of appended blocks of a segment; undefined if it does not exist. */
  stat(name: string): Promise<{ length: number; blocks: number } | undefined>;
  /** Creates an empty segment; false if it already exists (another writer rolled first). */
  create(name: string): Promise<boolean>;
  /**
   * Appends `data` as one block, only if the segment is exactly `expectedLength` bytes long
   * (append-position condition): concurrent writers never interleave or fork the chain.
   */
  append(name: string, data: string, expectedLength: number): Promise<AppendResult>;
  /** Makes every acknowledged append durable (fsync for files; blobs are durable on acknowledgement). */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** Append blobs take at most 50,000 blocks; a writer rolls before this many. */
export const MAX_BLOCKS_PER_SEGMENT = 49_000;
/** One append block carries at most 4 MiB; a writer groups records up to this many bytes. */
export const MAX_BLOCK_BYTES = 4 * 1024 * 1024;
