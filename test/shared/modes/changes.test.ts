import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REMEDIATORS } from '../../../remediators/index.js';
import { openLocalAudit } from '../../../shared/audit/local.js';
import { changeMode, ModeChangeError } from '../../../shared/modes/changes.js';
import { FileModeStore } from '../../../shared/modes/fileStore.js';
import { readAuditRecords } from '../../helpers/world.js';

async function setup() {
  const home = await mkdtemp(join(tmpdir(), 'modes-change-'));
  return { home, store: FileModeStore.inHome(home), audit: await openLocalAudit(home) };
}

describe('changing a mode', () => {
  it('audits intent, then who changed what, where, old → new', async () => {
    const { home, store, audit } = await setup();
    await changeMode({ remediator: 'storage-public-access', mode: 'alert', resourceGroup: 'RG-Research', operator: 'cli:alice', reason: 'synthetic data' }, { store, audit, remediators: REMEDIATORS });
    const second = await changeMode({ remediator: 'storage-public-access', mode: 'off', resourceGroup: 'rg-research', operator: 'oid-bob' }, { store, audit, remediators: REMEDIATORS });
    expect(second.previous?.mode).toBe('alert');
    await audit.close();
    const records = await readAuditRecords(home);
    const changes = records.filter((r) => r.kind === 'mode-change');
    expect(changes.map((c) => [c.operator, c.scope, c.before?.['mode'], c.after?.['mode']])).toEqual([
      ['cli:alice', 'rg:rg-research', null, 'alert'],
      ['oid-bob', 'rg:rg-research', 'alert', 'off'],
    ]);
    for (const change of changes) expect(records.find((r) => r.seq === change.intentSeq)?.kind).toBe('intent');
  });

  it.each([
    [{ remediator: 'no-such-remediator', mode: 'alert' }, /unknown remediator/],
    [{ remediator: 'storage-public-access', mode: 'sometimes' }, /mode must be one of/],
    [{ remediator: 'storage-public-access', mode: 'alert', resourceGroup: 'rg/../../x' }, /not a valid resource group/],
    [{ remediator: 'storage-public-access', mode: 'alert', resourceGroup: 'ends-with-dot.' }, /not a valid resource group/],
    [{ remediator: 'storage-public-access', mode: 'alert', reason: 'line\nbreak' }, /reason/],
  ])('refuses %j and changes nothing', async (request, message) => {
    const { home, store, audit } = await setup();
    await expect(changeMode({ ...request, operator: 'x' }, { store, audit, remediators: REMEDIATORS })).rejects.toThrow(ModeChangeError);
    await expect(changeMode({ ...request, operator: 'x' }, { store, audit, remediators: REMEDIATORS })).rejects.toThrow(message);
    expect(await store.list()).toEqual([]);
    await audit.close();
    expect(await readAuditRecords(home)).toEqual([]);
  });
});
