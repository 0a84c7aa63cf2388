/**
 * `hipaa-remediator sweep` from outside: list APIs over a sandbox state, the same decisions as
 * events, one sweep-summary record, and `--now` time travel for expiry.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { sharedPath } from '../helpers/fixtures.js';
import { SUB } from '../helpers/events.js';

const cli = (args: string[]) => runCli(args, { LOG_LEVEL: 'silent' });

const TEMPORARY = {
  id: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleAssignments/7e7e7e7e-0000-4000-8000-000000000007`,
  name: '7e7e7e7e-0000-4000-8000-000000000007',
  type: 'Microsoft.Authorization/roleAssignments',
  properties: {
    roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7`,
    principalId: '3c9d2a71-5e4f-4b8a-9d1c-7e6f5a4b3c2d',
    principalType: 'User',
    scope: `/subscriptions/${SUB}`,
    description: 'auditor read access; expires=2027-01-15',
    createdOn: '2026-11-01T00:00:00.0000000Z',
  },
};

describe('hipaa-remediator sweep', () => {
  it('remediates the example state from list APIs and writes one sweep-summary record', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hipaa-sweep-'));
    const after = join(dir, 'after.json');
    const ran = await cli(['sweep', '--sandbox', sharedPath('examples', 'storage-state.json'), '--save-sandbox', after, '--home', join(dir, 'home'), '--json']);
    expect(ran.code).toBe(0);
    const out = JSON.parse(ran.stdout) as { results: { decision: string }[]; summary: Record<string, number>; sweep: { resources: number } };
    // Two accounts, their two blob services (soft delete and versioning off: implicit defaults) and one container.
    expect(out.sweep.resources).toBe(5);
    // No audit workspace is configured, so each blob service's missing diagnostic setting is alerted.
    expect(out.summary).toMatchObject({ remediated: 5, compliant: 2, alerted: 2, failed: 0 });
    const saved = JSON.parse(await readFile(after, 'utf8')) as { resources: { name: string; properties: Record<string, unknown> }[] };
    expect(saved.resources.find((r) => r.name === 'prescriptions')?.properties['publicAccess']).toBe('None');
    const shown = JSON.parse((await cli(['audit', 'show', '--home', join(dir, 'home'), '--json'])).stdout) as { records: { kind: string; counts?: unknown }[] };
    const summaries = shown.records.filter((r) => r.kind === 'sweep-summary');
    expect(summaries).toHaveLength(1);
    expect(summaries[0]?.counts).toEqual({
      'storage-public-access': { compliant: 1, remediated: 2 },
      'storage-secure-transfer': { compliant: 1, remediated: 1 },
      'storage-data-protection': { remediated: 2 },
      'diagnostic-settings': { alerted: 2 },
    });
    const service = saved.resources.find((r) => r.name === 'default' && r.properties['isVersioningEnabled'] !== undefined)?.properties;
    expect(service).toMatchObject({ isVersioningEnabled: true, deleteRetentionPolicy: { enabled: true, days: 7 }, containerDeleteRetentionPolicy: { enabled: true, days: 7 } });
  });

  it('--now makes expiry evaluate as of that time: compliant today, revoked after its date', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hipaa-sweep-'));
    const state = join(dir, 'state.json');
    await writeFile(state, JSON.stringify({ resources: [TEMPORARY], directory: [{ id: TEMPORARY.properties.principalId, '@odata.type': '#microsoft.graph.user' }] }));
    const today = JSON.parse((await cli(['sweep', '--sandbox', state, '--now', '2026-12-01T00:00:00Z', '--home', join(dir, 'h1'), '--json'])).stdout) as { results: { decision: string }[] };
    expect(today.results.map((r) => r.decision)).toEqual(['compliant']);
    const after = join(dir, 'after.json');
    const later = await cli(['sweep', '--sandbox', state, '--now', '2027-02-01T00:00:00Z', '--save-sandbox', after, '--home', join(dir, 'h2'), '--json']);
    expect((JSON.parse(later.stdout) as { results: { decision: string; remediator: string }[] }).results).toEqual([expect.objectContaining({ remediator: 'expired-role-assignments', decision: 'remediated' })]);
    expect((JSON.parse(await readFile(after, 'utf8')) as { resources: unknown[] }).resources).toEqual([]);
  });

  it('exits 2 for a --now that is not a time', async () => {
    const ran = await cli(['sweep', '--sandbox', sharedPath('examples', 'storage-state.json'), '--now', 'tomorrow']);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toMatch(/--now is not an ISO 8601 time/);
  });

  it('restore <seq> re-creates a revoked assignment (new name, same grant, new expiry), audited; anything else is refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hipaa-restore-'));
    const home = join(dir, 'home');
    const state = join(dir, 'state.json');
    const revoked = join(dir, 'revoked.json');
    const restored = join(dir, 'restored.json');
    await writeFile(state, JSON.stringify({ resources: [TEMPORARY], directory: [{ id: TEMPORARY.properties.principalId, '@odata.type': '#microsoft.graph.user' }] }));
    expect((await cli(['sweep', '--sandbox', state, '--now', '2027-02-01T00:00:00Z', '--save-sandbox', revoked, '--home', home])).code).toBe(0);
    const records = (JSON.parse((await cli(['audit', 'show', '--home', home, '--json'])).stdout) as { records: { seq: number; kind: string; change?: { operation?: string } }[] }).records;
    const revocation = records.find((r) => r.kind === 'intent' && r.change?.operation === 'roleAssignments.deleteById');
    expect(revocation).toBeDefined();

    const refused = await cli(['restore', String(revocation!.seq + 1), '--sandbox', revoked, '--home', home]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/not a role assignment revocation/);

    const ran = await cli(['restore', String(revocation!.seq), '--expires', '2027-06-30', '--sandbox', revoked, '--save-sandbox', restored, '--home', home, '--json']);
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    const after = JSON.parse(await readFile(restored, 'utf8')) as { resources: { name: string; properties: Record<string, unknown> }[] };
    expect(after.resources).toHaveLength(1);
    expect(after.resources[0]?.name).not.toBe(TEMPORARY.name);
    expect(after.resources[0]?.properties).toMatchObject({
      roleDefinitionId: TEMPORARY.properties.roleDefinitionId,
      principalId: TEMPORARY.properties.principalId,
      scope: TEMPORARY.properties.scope,
      description: 'auditor read access; expires=2027-06-30',
    });
    expect((await cli(['audit', 'verify', '--home', home])).code).toBe(0);
  });
});
