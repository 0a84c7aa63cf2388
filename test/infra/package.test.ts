/**
 * The pieces of `npm run package` (scripts/package.ts, scripts/zip.ts): the ZIP writer read back
 * byte for byte, the import closure that decides what of dist/ is staged, and what is pruned.
 * (The whole run — build, npm ci, zip — is what `npm run package` itself checks by importing the
 * staged entries and dependencies.)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { crc32, inflateRawSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { bucketOf, importClosure, isPrunable, listFiles, moduleSpecifiers } from '../../scripts/package.js';
import { writeZip } from '../../scripts/zip.js';

const work = mkdtempSync(join(tmpdir(), 'hipaa-package-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Reads a ZIP through its central directory, checking each local header and CRC on the way. */
function readZip(path: string): Map<string, { data: Buffer; mode: number; method: number }> {
  const zip = readFileSync(path);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  expect(end).toBeGreaterThan(-1);
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries = new Map<string, { data: Buffer; mode: number; method: number }>();
  for (let i = 0; i < count; i += 1) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const compressed = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30);
    const comment = zip.readUInt16LE(at + 32);
    const mode = zip.readUInt32LE(at + 38) >>> 16;
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    expect(zip.readUInt32LE(local)).toBe(0x04034b50);
    const localName = zip.readUInt16LE(local + 26);
    const localExtra = zip.readUInt16LE(local + 28);
    const body = zip.subarray(local + 30 + localName + localExtra, local + 30 + localName + localExtra + compressed);
    const data = method === 8 ? inflateRawSync(body) : Buffer.from(body);
    expect(data.length).toBe(size);
    expect(crc32(data) >>> 0).toBe(crc);
    entries.set(name, { data, mode, method });
    at += 46 + nameLength + extra + comment;
  }
  return entries;
}

describe('writeZip', () => {
  const files: Record<string, Buffer> = {
    'host.json': Buffer.from(JSON.stringify({ version: '2.0' }, null, 2).repeat(20)),
    'dist/functions/a.js': Buffer.from("export const a = 'ü';\n".repeat(50)),
    'node_modules/@scope/x/empty.txt': Buffer.alloc(0),
    // Random bytes do not deflate: stored as they are.
    'node_modules/y/random.bin': Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 2654435761) % 251)),
  };
  const names = Object.keys(files).sort();
  const write = (path: string) => writeZip(path, names, (name) => ({ data: files[name]!, mode: name.endsWith('.bin') ? 0o755 : 0o644 }));

  it('writes what it is given, readable entry by entry (deflated or stored), with modes', () => {
    const summary = write(join(work, 'a.zip'));
    expect(summary.entries).toBe(names.length);
    const read = readZip(join(work, 'a.zip'));
    expect([...read.keys()]).toEqual(names);
    for (const name of names) expect(read.get(name)!.data.equals(files[name]!), name).toBe(true);
    expect(read.get('host.json')!.method).toBe(8);
    expect(read.get('node_modules/y/random.bin')!.mode & 0o777).toBe(0o755);
    expect(summary.bytes).toBe(readFileSync(join(work, 'a.zip')).length);
    expect([...summary.sizes.values()].reduce((a, b) => a + b, 0)).toBeLessThan(summary.bytes);
  });

  it('is deterministic: the same tree gives the same bytes', () => {
    write(join(work, 'b.zip'));
    write(join(work, 'c.zip'));
    expect(readFileSync(join(work, 'b.zip')).equals(readFileSync(join(work, 'c.zip')))).toBe(true);
  });

  it('is what unzip reads (where the unzip command exists)', () => {
    write(join(work, 'd.zip'));
    let listing: string;
    try {
      listing = execFileSync('unzip', ['-tq', join(work, 'd.zip')], { encoding: 'utf8' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    expect(listing).toMatch(/No errors detected/);
  });

  it('refuses names that escape the archive', () => {
    expect(() => writeZip(join(work, 'e.zip'), ['../evil'], () => ({ data: Buffer.alloc(1) }))).toThrow(/unsafe/);
  });
});

describe('what is staged', () => {
  const put = (path: string, text: string): void => {
    mkdirSync(dirname(join(work, 'tree', path)), { recursive: true });
    writeFileSync(join(work, 'tree', path), text);
  };

  it('follows static, multi-line, re-exported and dynamic imports; not prose that looks like one', () => {
    put('dist/functions/entry.js', "import { app } from '@azure/functions';\nimport {\n  a,\n  b,\n} from '../shared/a.js';\nexport { c } from '../shared/c.js';\nconst lazy = () => import('../shared/lazy.js');\n// we cannot import 'the keys' here, see from 'nowhere'\nconsole.log('import x from \"y\"');\n");
    put('dist/shared/a.js', "import { readFileSync } from 'node:fs';\nimport 'fs';\nimport { z } from 'zod';\nexport const a = 1, b = 2;\n");
    put('dist/shared/c.js', "import { nist } from '@noble/curves/nist.js';\nexport const c = 3;\n");
    put('dist/shared/lazy.js', "export const lazy = await import('@azure/identity');\n");
    put('dist/shared/unused.js', 'export const unused = 1;\n');
    const closure = importClosure(join(work, 'tree'), ['dist/functions/entry.js']);
    expect(closure.files).toEqual(['dist/functions/entry.js', 'dist/shared/a.js', 'dist/shared/c.js', 'dist/shared/lazy.js']);
    expect(closure.packages).toEqual(['@azure/functions', '@azure/identity', '@noble/curves/nist.js', 'zod']);
    expect(moduleSpecifiers("const s = 'x';\n  import y from './y.js';")).toEqual(['./y.js']);
  });

  it('fails on an import of a file that is not there', () => {
    put('dist/functions/broken.js', "import { gone } from '../shared/gone.js';\n");
    expect(() => importClosure(join(work, 'tree'), ['dist/functions/broken.js'])).toThrow(/dist\/shared\/gone\.js is imported but does not exist/);
  });

  it('prunes only what Node never loads, and keeps licences', () => {
    for (const name of ['a/index.d.ts', 'a/index.d.mts', 'a/index.js.map', 'a/index.d.ts.map', 'a/src/client.ts', 'a/README.md', 'a/CHANGELOG.md', 'a/tsconfig.tsbuildinfo']) expect(isPrunable(name), name).toBe(true);
    for (const name of ['a/index.js', 'a/index.cjs', 'a/index.mjs', 'a/package.json', 'a/LICENSE', 'a/LICENSE.md', 'a/NOTICE.txt', 'a/data.json', 'a/wasm/x.wasm']) expect(isPrunable(name), name).toBe(false);
  });

  it('attributes bytes to dist/, each outermost dependency, or the file', () => {
    expect(bucketOf('dist/shared/a.js')).toBe('dist/');
    expect(bucketOf('node_modules/zod/index.js')).toBe('zod');
    expect(bucketOf('node_modules/@azure/identity/dist/esm/index.js')).toBe('@azure/identity');
    expect(bucketOf('node_modules/@azure/identity/node_modules/tslib/x.js')).toBe('@azure/identity');
    expect(bucketOf('host.json')).toBe('host.json');
    expect(listFiles(join(work, 'tree')).every((f) => !f.startsWith('/'))).toBe(true);
  });
});
