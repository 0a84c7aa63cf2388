import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileAuditStore } from '../../../shared/audit/fileStore.js';
import { verifyChain } from '../../../shared/audit/record.js';

async function storeWith(n: number): Promise<FileAuditStore> {
  const store = FileAuditStore.inHome(await mkdtemp(join(tmpdir(), 'audit-')));
  for (let i = 0; i < n; i++) await store.append({ kind: 'decision', decision: 'compliant', resourceId: `/r/${i}` });
  await store.close();
  return store;
}

async function lines(store: FileAuditStore): Promise<string[]> {
  return (await readFile(store.path, 'utf8')).trim().split('\n');
}

describe('file audit chain', () => {
  it('numbers records from 1 and links each to the previous hash', async () => {
    const store = await storeWith(3);
    const records = await store.readAll();
    expect(records.map((r) => (r as { seq: number }).seq)).toEqual([1, 2, 3]);
    expect(verifyChain(records)).toBeUndefined();
  });

  it('continues the chain across store instances (process restarts)', async () => {
    const store = await storeWith(2);
    const reopened = new FileAuditStore(store.path);
    const record = await reopened.append({ kind: 'decision', decision: 'skipped' });
    expect(record.seq).toBe(3);
    await reopened.close();
    expect(verifyChain(await reopened.readAll())).toBeUndefined();
  });

  it('serialises concurrent appends into one unbroken chain', async () => {
    const store = await storeWith(0);
    await Promise.all(Array.from({ length: 25 }, (_, i) => store.append({ kind: 'decision', reason: `r${i}` })));
    await store.close();
    const records = await store.readAll();
    expect(records).toHaveLength(25);
    expect(verifyChain(records)).toBeUndefined();
  });

  it.each([
    ['modified', (l: string[]) => { l[1] = l[1]!.replace('/r/1', '/r/X'); }, 2, /modified/],
    ['removed', (l: string[]) => { l.splice(1, 1); }, 2, /seq/],
    ['reordered', (l: string[]) => { [l[1], l[2]] = [l[2]!, l[1]!]; }, 2, /seq/],
    ['inserted', (l: string[]) => { l.splice(1, 0, l[0]!); }, 2, /seq/],
  ])('detects a %s record and says where', async (_label, tamper, line, problem) => {
    const store = await storeWith(4);
    const l = await lines(store);
    tamper(l);
    await writeFile(store.path, `${l.join('\n')}\n`);
    const found = verifyChain(await store.readAll());
    expect(found?.line).toBe(line);
    expect(found?.problem).toMatch(problem);
  });
});
