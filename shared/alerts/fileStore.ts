/**
 * Embedded AlertStore: `<home>/alerts.json`, a journal of JSON lines (`{"put": record}` or
 * `{"delete": key}`) replayed on first use and appended to on every change, so a sweep that
 * opens thousands of alerts writes each once instead of rewriting the whole state each time.
 * The journal is compacted (rewritten atomically: temp file, then rename) when it has grown
 * well past the live records. Held in memory after the first read: the embedded mode has one
 * writing process per home (as the local audit does).
 */
import { createHash } from 'node:crypto';
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { KeyedMutex } from '../concurrency.js';
import { AlertConflictError, alertRecordSchema, type AlertRecord, type AlertStore, type VersionedAlert } from './record.js';

const entrySchema = z.union([z.object({ put: alertRecordSchema }).strict(), z.object({ delete: z.string().min(1) }).strict()]);

/** Compact when the journal holds this many more lines than there are live records. */
const COMPACT_SLACK = 1000;

/** Read-modify-write of one file must not interleave within this process. */
const FILE_LOCKS = new KeyedMutex();

export class FileAlertStore implements AlertStore {
  private records: Map<string, AlertRecord> | undefined;
  /** Alert keys by every resource id a record's resource is at or under: `listUnder` is one lookup, not a scan. */
  private readonly byAncestor = new Map<string, Set<string>>();
  private journalLines = 0;

  constructor(readonly location: string) {}

  static inHome(home: string): FileAlertStore {
    return new FileAlertStore(join(home, 'alerts.json'));
  }

  async get(key: string): Promise<VersionedAlert | undefined> {
    const record = (await this.load()).get(key);
    return record === undefined ? undefined : versioned(record);
  }

  async listUnder(resourceKey: string): Promise<VersionedAlert[]> {
    const records = await this.load();
    const out: VersionedAlert[] = [];
    for (const key of this.byAncestor.get(resourceKey) ?? []) {
      const record = records.get(key);
      if (record !== undefined) out.push(versioned(record));
    }
    return out;
  }

  async listAll(): Promise<VersionedAlert[]> {
    return [...(await this.load()).values()].map(versioned);
  }

  put(record: AlertRecord, etag: string | null): Promise<string> {
    return this.change(record.key, etag, () => {
      const parsed = alertRecordSchema.parse(record);
      return { line: { put: parsed }, apply: (records) => this.set(records, parsed), result: etagOf(parsed) };
    });
  }

  delete(key: string, etag: string): Promise<void> {
    return this.change(key, etag, () => ({ line: { delete: key }, apply: (records) => this.remove(records, key), result: undefined }));
  }

  private set(records: Map<string, AlertRecord>, record: AlertRecord): void {
    this.remove(records, record.key);
    records.set(record.key, record);
    for (const ancestor of ancestorsOf(record.resourceId)) {
      let keys = this.byAncestor.get(ancestor);
      if (keys === undefined) {
        keys = new Set();
        this.byAncestor.set(ancestor, keys);
      }
      keys.add(record.key);
    }
  }

  private remove(records: Map<string, AlertRecord>, key: string): void {
    const record = records.get(key);
    if (record === undefined) return;
    records.delete(key);
    for (const ancestor of ancestorsOf(record.resourceId)) {
      const keys = this.byAncestor.get(ancestor);
      keys?.delete(key);
      if (keys?.size === 0) this.byAncestor.delete(ancestor);
    }
  }

  /** A conditional change: checked against the current record, appended to the journal, then applied in memory. */
  private change<T>(key: string, etag: string | null, prepare: () => { line: z.infer<typeof entrySchema>; apply: (records: Map<string, AlertRecord>) => void; result: T }): Promise<T> {
    return FILE_LOCKS.run(this.location, async () => {
      const records = await this.load();
      const current = records.get(key);
      if (etag === null ? current !== undefined : current === undefined || etagOf(current) !== etag) {
        throw new AlertConflictError(`alert ${key} changed concurrently`);
      }
      const { line, apply, result } = prepare();
      await mkdir(dirname(this.location), { recursive: true, mode: 0o700 });
      await appendFile(this.location, `${JSON.stringify(line)}\n`, { mode: 0o600 });
      // Only a change that reached the file becomes the state others read.
      apply(records);
      this.journalLines += 1;
      if (this.journalLines > records.size + COMPACT_SLACK) await this.compact(records);
      return result;
    });
  }

  private async load(): Promise<Map<string, AlertRecord>> {
    if (this.records !== undefined) return this.records;
    let text: string;
    try {
      text = await readFile(this.location, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      text = '';
    }
    const records = new Map<string, AlertRecord>();
    // The first embedded format was one document, `{"alerts": [...]}`: read it as a snapshot.
    const legacy = legacySnapshot(text);
    if (legacy !== undefined) text = legacy.map((record) => JSON.stringify({ put: record })).join('\n');
    const lines = text.split('\n').filter((line) => line.trim().length > 0);
    lines.forEach((line, index) => {
      let entry: z.infer<typeof entrySchema>;
      try {
        entry = entrySchema.parse(JSON.parse(line) as unknown);
      } catch (error) {
        throw new Error(`alert store ${this.location} is corrupt at line ${index + 1}: ${error instanceof Error ? error.message.slice(0, 200) : 'invalid'}`);
      }
      if ('put' in entry) this.set(records, entry.put);
      else this.remove(records, entry.delete);
    });
    this.records = records;
    this.journalLines = lines.length;
    return records;
  }

  /** Rewrites the journal as one put per live record, atomically. Caller holds the file lock. */
  private async compact(records: Map<string, AlertRecord>): Promise<void> {
    const temp = `${this.location}.${process.pid}.tmp`;
    const text = [...records.values()].map((record) => `${JSON.stringify({ put: record })}\n`).join('');
    await writeFile(temp, text, { mode: 0o600 });
    await rename(temp, this.location);
    this.journalLines = records.size;
  }
}

/** The resource id itself and every id above it (`/subscriptions/s`, `.../resourceGroups/rg`, ...), lower case. */
function ancestorsOf(resourceId: string): string[] {
  const parts = resourceId.toLowerCase().split('/');
  const out: string[] = [];
  for (let end = 2; end <= parts.length; end++) out.push(parts.slice(0, end).join('/'));
  return out;
}

function legacySnapshot(text: string): AlertRecord[] | undefined {
  if (!text.trimStart().startsWith('{"alerts"') && !text.trimStart().startsWith('{\n  "alerts"')) return undefined;
  try {
    return z.object({ alerts: z.array(alertRecordSchema) }).strict().parse(JSON.parse(text) as unknown).alerts;
  } catch {
    return undefined;
  }
}

function versioned(record: AlertRecord): VersionedAlert {
  return { record: structuredClone(record), etag: etagOf(record) };
}

/** The content is the version: any change to a record changes its etag. */
function etagOf(record: AlertRecord): string {
  return createHash('sha256').update(JSON.stringify(record)).digest('base64url').slice(0, 22);
}
