/**
 * A small, deterministic ZIP writer (deflate or stored, no ZIP64) on node:zlib, so packaging needs
 * no archive dependency: what Azure Functions zip deployment and `unzip` read. Entries are
 * written in the order given with a fixed timestamp (1980-01-01), so the same tree gives the
 * same bytes. Limits (no ZIP64): fewer than 65,535 entries, each and the whole under 4 GiB.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipEntry {
  /** Path inside the archive, `/`-separated, relative. */
  name: string;
  data: Buffer;
  /** Unix mode bits (e.g. 0o644); kept in the external attributes. */
  mode?: number;
}

export interface ZipSummary {
  entries: number;
  bytes: number;
  /** Compressed size of each entry (local header included), by name: what a size report sums up. */
  sizes: Map<string, number>;
}

const MAX_ENTRIES = 0xffff;
const MAX_SIZE = 0xffffffff;
// MS-DOS date of 1980-01-01 (day 1, month 1, year 0 = 1980), time 00:00:00.
const DOS_DATE = (1 << 5) | 1;
const DOS_TIME = 0;
const UTF8_NAMES = 0x0800;

function localHeader(name: Buffer, method: number, crc: number, compressed: number, size: number): Buffer {
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt16LE(UTF8_NAMES, 6);
  header.writeUInt16LE(method, 8);
  header.writeUInt16LE(DOS_TIME, 10);
  header.writeUInt16LE(DOS_DATE, 12);
  header.writeUInt32LE(crc, 14);
  header.writeUInt32LE(compressed, 18);
  header.writeUInt32LE(size, 22);
  header.writeUInt16LE(name.length, 26);
  header.writeUInt16LE(0, 28);
  return Buffer.concat([header, name]);
}

function centralHeader(name: Buffer, method: number, crc: number, compressed: number, size: number, mode: number, offset: number): Buffer {
  const header = Buffer.alloc(46);
  header.writeUInt32LE(0x02014b50, 0);
  // Made by Unix (3), spec 2.0: the external attributes carry the mode.
  header.writeUInt16LE((3 << 8) | 20, 4);
  header.writeUInt16LE(20, 6);
  header.writeUInt16LE(UTF8_NAMES, 8);
  header.writeUInt16LE(method, 10);
  header.writeUInt16LE(DOS_TIME, 12);
  header.writeUInt16LE(DOS_DATE, 14);
  header.writeUInt32LE(crc, 16);
  header.writeUInt32LE(compressed, 20);
  header.writeUInt32LE(size, 24);
  header.writeUInt16LE(name.length, 28);
  header.writeUInt16LE(0, 30);
  header.writeUInt16LE(0, 32);
  header.writeUInt16LE(0, 34);
  header.writeUInt16LE(0, 36);
  header.writeUInt32LE((((0o100000 | (mode & 0o7777)) & 0xffff) << 16) >>> 0, 38);
  header.writeUInt32LE(offset, 42);
  return Buffer.concat([header, name]);
}

function endOfCentralDirectory(entries: number, size: number, offset: number): Buffer {
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(0, 4);
  end.writeUInt16LE(0, 6);
  end.writeUInt16LE(entries, 8);
  end.writeUInt16LE(entries, 10);
  end.writeUInt32LE(size, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(0, 20);
  return end;
}

/** Writes the entries to `path` as a ZIP archive; `read` is called once per entry, in order. */
export function writeZip(path: string, names: readonly string[], read: (name: string) => Omit<ZipEntry, 'name'>): ZipSummary {
  if (names.length > MAX_ENTRIES) throw new Error(`${names.length} entries: more than a ZIP without ZIP64 holds (${MAX_ENTRIES})`);
  const fd = openSync(path, 'w');
  const central: Buffer[] = [];
  const sizes = new Map<string, number>();
  let offset = 0;
  const write = (chunk: Buffer): void => {
    writeSync(fd, chunk);
    offset += chunk.length;
  };
  try {
    for (const entryName of names) {
      if (entryName.startsWith('/') || entryName.split('/').includes('..')) throw new Error(`unsafe entry name ${entryName}`);
      const { data, mode = 0o644 } = read(entryName);
      if (data.length > MAX_SIZE) throw new Error(`${entryName} is larger than 4 GiB`);
      const deflated = deflateRawSync(data, { level: 9 });
      const stored = deflated.length >= data.length;
      const body = stored ? data : deflated;
      const method = stored ? 0 : 8;
      const crc = crc32(data) >>> 0;
      const name = Buffer.from(entryName, 'utf8');
      const start = offset;
      if (start > MAX_SIZE) throw new Error('archive larger than 4 GiB');
      write(localHeader(name, method, crc, body.length, data.length));
      write(body);
      sizes.set(entryName, offset - start);
      central.push(centralHeader(name, method, crc, body.length, data.length, mode, start));
    }
    const directory = Buffer.concat(central);
    const directoryOffset = offset;
    write(directory);
    write(endOfCentralDirectory(names.length, directory.length, directoryOffset));
  } finally {
    closeSync(fd);
  }
  return { entries: names.length, bytes: offset, sizes };
}
