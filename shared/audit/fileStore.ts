/**
 * Embedded audit store: JSON lines under `<home>/audit/audit.jsonl`. Appends go straight to
 * the file; `sync` fsyncs (group commit), which the pipeline calls before every ARM write and
 * before acknowledging a batch. One writer per process, serialised here; the full store
 * (signed heads, blob adapter, roll-over, cross-process writers) is its own piece of work.
 */
import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { GENESIS_HASH, sealRecord, type AuditEntry, type AuditRecord, type AuditStore } from './record.js';

export class FileAuditStore implements AuditStore {
  private tail: Promise<unknown> = Promise.resolve();
  private head: { seq: number; hash: string } | undefined;
  private file: FileHandle | undefined;
  private dirty = false;

  constructor(
    readonly path: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  static inHome(home: string): FileAuditStore {
    return new FileAuditStore(join(home, 'audit', 'audit.jsonl'));
  }

  append(entry: AuditEntry): Promise<AuditRecord> {
    return this.enqueue(() => this.appendNow(entry));
  }

  sync(): Promise<void> {
    return this.enqueue(async () => {
      if (!this.dirty || this.file === undefined) return;
      await this.file.sync();
      this.dirty = false;
    });
  }

  async close(): Promise<void> {
    await this.sync();
    await this.enqueue(async () => {
      await this.file?.close();
      this.file = undefined;
    });
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const next = this.tail.then(work);
    // Keep the queue alive after a failure: the failed operation is reported to its caller only.
    this.tail = next.catch(() => undefined);
    return next;
  }

  async readAll(): Promise<unknown[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return text
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => {
        try {
          return JSON.parse(line) as unknown;
        } catch {
          return line;
        }
      });
  }

  private async appendNow(entry: AuditEntry): Promise<AuditRecord> {
    const head = this.head ?? (await this.loadHead());
    const record = sealRecord(entry, head.seq + 1, head.hash, this.clock());
    if (this.file === undefined) {
      await mkdir(dirname(this.path), { recursive: true });
      this.file = await open(this.path, 'a', 0o600);
    }
    await this.file.appendFile(`${JSON.stringify(record)}\n`);
    this.dirty = true;
    this.head = { seq: record.seq, hash: record.hash };
    return record;
  }

  private async loadHead(): Promise<{ seq: number; hash: string }> {
    const records = await this.readAll();
    const last = records.at(-1) as Partial<AuditRecord> | undefined;
    if (last === undefined) return { seq: 0, hash: GENESIS_HASH };
    if (typeof last.seq !== 'number' || typeof last.hash !== 'string') {
      throw new Error(`audit file ${this.path} ends with a malformed record; run \`hipaa-remediator audit verify\``);
    }
    return { seq: last.seq, hash: last.hash };
  }
}
