/**
 * Embedded mode's SegmentStore: one file per segment under a directory. The append-position
 * check is made against the file's size under this process's serialisation; one writing
 * process per home is the supported set-up (several Function instances use the blob store).
 */
import { mkdir, open, readdir, readFile, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { KeyedMutex } from '../concurrency.js';
import type { AppendResult, SegmentStore } from './segments.js';

/** Size check and write must be one step for every store on the same file in this process. */
const FILE_LOCKS = new KeyedMutex();

export class FileSegmentStore implements SegmentStore {
  private readonly handles = new Map<string, FileHandle>();
  private readonly dirty = new Set<FileHandle>();

  constructor(readonly location: string) {}

  async list(): Promise<string[]> {
    const names: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      for (const entry of entries) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (entry.name.endsWith('.jsonl')) names.push(relative(this.location, path).split(sep).join('/'));
      }
    };
    await walk(this.location);
    return names.sort();
  }

  async read(name: string, fromOffset = 0): Promise<string> {
    const buffer = await readFile(this.path(name));
    return buffer.subarray(fromOffset).toString('utf8');
  }

  async stat(name: string): Promise<{ length: number; blocks: number } | undefined> {
    try {
      const info = await stat(this.path(name));
      // Files have no block limit: only day boundaries roll them.
      return { length: info.size, blocks: 0 };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async create(name: string): Promise<boolean> {
    const path = this.path(name);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    try {
      const handle = await open(path, 'wx', 0o600);
      this.handles.set(name, handle);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
  }

  append(name: string, data: string, expectedLength: number): Promise<AppendResult> {
    return FILE_LOCKS.run(this.path(name), () => this.appendNow(name, data, expectedLength));
  }

  private async appendNow(name: string, data: string, expectedLength: number): Promise<AppendResult> {
    let handle = this.handles.get(name);
    if (handle === undefined) {
      try {
        handle = await open(this.path(name), 'r+');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ok: false, reason: 'missing' };
        throw error;
      }
      this.handles.set(name, handle);
    }
    const { size } = await handle.stat();
    if (size !== expectedLength) return { ok: false, reason: 'conflict', length: size };
    const bytes = Buffer.from(data, 'utf8');
    await handle.write(bytes, 0, bytes.length, size);
    this.dirty.add(handle);
    return { ok: true, length: size + bytes.length };
  }

  async sync(): Promise<void> {
    const pending = [...this.dirty];
    this.dirty.clear();
    await Promise.all(pending.map((handle) => handle.sync()));
  }

  async close(): Promise<void> {
    await this.sync();
    const handles = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(handles.map((handle) => handle.close()));
  }

  private path(name: string): string {
    // Names come from the chain logic, never from input; refuse anything path-like all the same.
    if (!/^[0-9A-Za-z_\-./]+\.jsonl$/.test(name) || name.includes('..')) throw new Error(`invalid segment name ${name}`);
    return join(this.location, name);
  }
}
