import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileModeStore } from '../../../shared/modes/fileStore.js';
import type { ModeScope, ModeSetting } from '../../../shared/modes/store.js';

const setting = (scope: string): ModeSetting => ({ remediator: 'storage-public-access', scope: scope as ModeScope, mode: 'off', changedBy: 'test', changedAt: '2026-12-01T00:00:00Z' });

describe('FileModeStore', () => {
  it('round-trips every kind of scope', async () => {
    const store = FileModeStore.inHome(await mkdtemp(join(tmpdir(), 'modes-file-')));
    const scopes = ['*', 'rg:rg-x', 'sub:11111111-2222-4333-8444-555555555555', 'sub:11111111-2222-4333-8444-555555555555/rg:rg-x'];
    for (const scope of scopes) await store.set(setting(scope));
    expect((await store.list()).map((s) => s.scope)).toEqual(scopes);
  });

  it('refuses to write a setting it could not read back, so one bad write cannot make every mode fail safe', async () => {
    const store = FileModeStore.inHome(await mkdtemp(join(tmpdir(), 'modes-file-')));
    await store.set(setting('rg:rg-x'));
    const before = await readFile(store.location, 'utf8');
    for (const scope of ['sub:not-a-guid', 'sub:AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE', 'everything']) await expect(store.set(setting(scope))).rejects.toThrow(/refusing to store an invalid setting/);
    expect(await readFile(store.location, 'utf8')).toBe(before);
  });
});
