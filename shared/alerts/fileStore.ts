/**
 * Embedded AlertStore: `<home>/alerts.json`, replaced atomically (temp file, then rename).
 * Held in memory after the first read, because a sweep asks about every resource it sees and
 * the embedded mode has one writing process per home (as the local audit does).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { KeyedMutex } from '../concurrency.js';
import { AlertConflictError, alertRecordSchema, type AlertRecord, type AlertStore, type VersionedAlert } from './record.js';

const fileSchema = z.object({ alerts: z.array(alertRecordSchema) }).strict();

/** Read-modify-write of one file must not interleave within this process. */
const FILE_LOCKS = new KeyedMutex();

export class FileAlertStore implements AlertStore {
  private records: Map<string, AlertRecord> | undefined;

  constructor(readonly location: string) {}

  static inHome(home: string): FileAlertStore {
    return new FileAlertStore(join(home, 'alerts.json'));
  }

  async get(key: string): Promise<VersionedAlert | undefined> {
    const record = (await this.load()).get(key);
    return record === undefined ? undefined : versioned(record);
  }

  async listUnder(resourceKey: string): Promise<VersionedAlert[]> {
    const out: VersionedAlert[] = [];
    for (const record of (await this.load()).values()) {
      const resource = record.resourceId.toLowerCase();
      if (resource === resourceKey || resource.startsWith(`${resourceKey}/`)) out.push(versioned(record));
    }
    return out;
  }

  async listAll(): Promise<VersionedAlert[]> {
    return [...(await this.load()).values()].map(versioned);
  }

  put(record: AlertRecord, etag: string | null): Promise<string> {
    return this.update((records) => {
      const current = records.get(record.key);
      if (etag === null ? current !== undefined : current === undefined || etagOf(current) !== etag) {
        throw new AlertConflictError(`alert ${record.key} changed concurrently`);
      }
      const parsed = alertRecordSchema.parse(record);
      records.set(record.key, parsed);
      return etagOf(parsed);
    });
  }

  delete(key: string, etag: string): Promise<void> {
    return this.update((records) => {
      const current = records.get(key);
      if (current === undefined || etagOf(current) !== etag) throw new AlertConflictError(`alert ${key} changed concurrently`);
      records.delete(key);
    });
  }

  private async load(): Promise<Map<string, AlertRecord>> {
    if (this.records !== undefined) return this.records;
    let text: string;
    try {
      text = await readFile(this.location, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      text = '{"alerts":[]}';
    }
    const parsed = fileSchema.safeParse(JSON.parse(text) as unknown);
    if (!parsed.success) throw new Error(`alert store ${this.location} is corrupt: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    this.records = new Map(parsed.data.alerts.map((record) => [record.key, record]));
    return this.records;
  }

  private update<T>(change: (records: Map<string, AlertRecord>) => T): Promise<T> {
    return FILE_LOCKS.run(this.location, async () => {
      const records = new Map(await this.load());
      const result = change(records);
      await mkdir(dirname(this.location), { recursive: true, mode: 0o700 });
      const temp = `${this.location}.${process.pid}.tmp`;
      const alerts = [...records.values()].sort((a, b) => a.key.localeCompare(b.key));
      await writeFile(temp, `${JSON.stringify({ alerts }, null, 2)}\n`, { mode: 0o600 });
      await rename(temp, this.location);
      // Only a change that reached the disk becomes the state others read.
      this.records = records;
      return result;
    });
  }
}

function versioned(record: AlertRecord): VersionedAlert {
  return { record: structuredClone(record), etag: etagOf(record) };
}

/** The content is the version: any change to a record changes its etag. */
function etagOf(record: AlertRecord): string {
  return createHash('sha256').update(JSON.stringify(record)).digest('base64url').slice(0, 22);
}
