import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSandboxState, parseSandboxState, saveSandboxState, startSandbox } from '../../sandbox/index.js';
import { EXAMPLE_STATE_PATH, accountPath, storageClient } from './helpers.js';

const ACCOUNT_ID = accountPath('rg-pharmacy', 'stpharmacyrx01');

function account(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: ACCOUNT_ID, name: 'stpharmacyrx01', type: 'Microsoft.Storage/storageAccounts', ...overrides };
}

describe('parseSandboxState', () => {
  it('keeps unknown fields and the directory as they are', () => {
    const state = parseSandboxState({
      resources: [account({ systemData: { createdBy: 'x' }, properties: { somethingNew: [1, 2] } })],
      directory: [{ id: '4b8d2f6a-1c3e-45a7-b9d0-e2f4a6c8b1d3', '@odata.type': '#microsoft.graph.user', displayName: 'x' }],
    });
    expect(state.resources[0]).toMatchObject({ systemData: { createdBy: 'x' }, properties: { somethingNew: [1, 2] } });
    expect(state.directory).toEqual([{ id: '4b8d2f6a-1c3e-45a7-b9d0-e2f4a6c8b1d3', '@odata.type': '#microsoft.graph.user', displayName: 'x' }]);
    expect(parseSandboxState({ resources: [] })).toEqual({ resources: [] });
  });

  it('names the bad entry', () => {
    expect(() => parseSandboxState([])).toThrow(/"resources" array/);
    expect(() => parseSandboxState({ resources: {} })).toThrow(/"resources" must be an array/);
    expect(() => parseSandboxState({ resources: [account(), 42] })).toThrow('resources[1] is not an object');
    expect(() => parseSandboxState({ resources: [account({ type: undefined })] })).toThrow(
      `resources[0] ("${ACCOUNT_ID}"): missing 'type'`,
    );
    expect(() => parseSandboxState({ resources: [{ name: 'x', type: 't' }] })).toThrow(`resources[0] ("x"): missing 'id'`);
    expect(() => parseSandboxState({ resources: [account({ name: 7 })] })).toThrow(/resources\[0\].*'name'/);
    expect(() => parseSandboxState({ resources: [account(), account({ id: ACCOUNT_ID.toLowerCase() })] })).toThrow(
      /resources\[1\] .*duplicate id \(same as resources\[0\]\)/,
    );
    expect(() => parseSandboxState({ resources: [account({ id: '/subscriptions/not-a-guid/resourceGroups/rg' })] })).toThrow(
      /resources\[0\] .*not an ARM id under \/subscriptions\/<guid>\//,
    );
    expect(() => parseSandboxState({ resources: [account({ id: 'stpharmacyrx01' })] })).toThrow(/not an ARM id/);
    expect(() => parseSandboxState({ resources: [], directory: [{ displayName: 'no id' }] })).toThrow(/directory: .*'0.id'/);
  });
});

describe('state files', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'sandbox-state-'));
  });
  afterEach(() => rm(directory, { recursive: true, force: true }));

  it('round-trips the example state through load, the sandbox and save', async () => {
    const loaded = await loadSandboxState(EXAMPLE_STATE_PATH.pathname);
    const sandbox = await startSandbox({ state: loaded });
    try {
      const fixture = JSON.parse(await readFile(EXAMPLE_STATE_PATH, 'utf8')) as { resources: { properties: Record<string, unknown> }[] };
      const account = await storageClient(sandbox).storageAccounts.getProperties('rg-pharmacy', 'stpharmacyrx01');
      expect(account.allowBlobPublicAccess).toBe(fixture.resources[0]?.properties.allowBlobPublicAccess);
      expect(account.minimumTlsVersion).toBe(fixture.resources[0]?.properties.minimumTlsVersion);
      expect(account.enableHttpsTrafficOnly).toBe(fixture.resources[0]?.properties.supportsHttpsTrafficOnly);
      expect(account.creationTime).toEqual(new Date(String(fixture.resources[0]?.properties.creationTime)));

      const unchanged = join(directory, 'unchanged.json');
      await saveSandboxState(unchanged, sandbox.snapshot());
      const text = await readFile(unchanged, 'utf8');
      expect(text.endsWith('}\n')).toBe(true);
      expect(text).toBe(`${JSON.stringify(fixture, null, 2)}\n`);

      await storageClient(sandbox).storageAccounts.update('rg-pharmacy', 'stpharmacyrx01', { minimumTlsVersion: 'TLS1_2' });
      const changed = join(directory, 'changed.json');
      await saveSandboxState(changed, sandbox.snapshot());
      const reloaded = await loadSandboxState(changed);
      expect(reloaded.resources.map((r) => r.id)).toEqual(loaded.resources.map((r) => r.id));
      expect(reloaded.resources[0]?.properties?.minimumTlsVersion).toBe('TLS1_2');
      expect(reloaded.resources[1]).toEqual(loaded.resources[1]);
    } finally {
      await sandbox.close();
    }
  });

  it('snapshot() is a deep copy', async () => {
    const sandbox = await startSandbox({ state: await loadSandboxState(EXAMPLE_STATE_PATH.pathname) });
    try {
      const snapshot = sandbox.snapshot();
      snapshot.resources[0]!.properties!.minimumTlsVersion = 'TLS1_3';
      expect(sandbox.snapshot().resources[0]?.properties?.minimumTlsVersion).toBe('TLS1_0');
    } finally {
      await sandbox.close();
    }
  });

  it('names the file when loading fails', async () => {
    const path = join(directory, 'broken.json');
    await saveSandboxState(path, { resources: [{ id: 'nope', name: 'x', type: 't' }] });
    await expect(loadSandboxState(path)).rejects.toThrow(`${path}: Sandbox state: resources[0] ("nope")`);
  });
});
