/**
 * The command-line contract of DESIGN §9, run from outside as a user (or CI) runs it:
 * the built bin, real files, the public examples in ../shared/examples.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { armWriteEvent, PRESCRIPTIONS, RX01, SELF_CLAIMS, SUB } from '../helpers/events.js';
import { runCli, type Ran } from '../helpers/cli.js';
import { sharedPath } from '../helpers/fixtures.js';
import { readAuditRecords } from '../helpers/world.js';

const EVENTS = sharedPath('examples', 'storage-events.json');
const STATE = sharedPath('examples', 'storage-state.json');

const cli = runCli;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hipaa-cli-'));
});

function byName(state: { resources: { name: string; properties?: Record<string, unknown> }[] }, name: string) {
  return state.resources.find((r) => r.name === name)?.properties ?? {};
}

describe('hipaa-remediator process', () => {
  it('remediates the public example exactly as ../shared/examples/README.md says', async () => {
    const after = join(dir, 'after.json');
    const ran = await cli(['process', EVENTS, '--sandbox', STATE, '--save-sandbox', after, '--home', join(dir, 'home'), '--json']);
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    const out = JSON.parse(ran.stdout) as { results: Record<string, unknown>[]; summary: Record<string, number> };
    const before = JSON.parse(await readFile(STATE, 'utf8')) as Parameters<typeof byName>[0];
    const saved = JSON.parse(await readFile(after, 'utf8')) as Parameters<typeof byName>[0];

    expect(byName(saved, 'stpharmacyrx01')).toEqual({
      ...byName(before, 'stpharmacyrx01'),
      allowBlobPublicAccess: false,
      supportsHttpsTrafficOnly: true,
      minimumTlsVersion: 'TLS1_2',
    });
    expect(byName(saved, 'stpharmacyok02')).toEqual(byName(before, 'stpharmacyok02'));
    expect(byName(saved, 'prescriptions')['publicAccess']).toBe('None');

    for (const result of out.results) {
      expect(Object.keys(result)).toEqual(expect.arrayContaining(['eventId', 'resourceId', 'remediator', 'control', 'citation', 'decision', 'changes', 'auditSeq']));
      expect(['remediated', 'alerted', 'compliant', 'skipped', 'rejected', 'failed']).toContain(result['decision']);
    }
    const remediated = out.results.filter((r) => r['decision'] === 'remediated');
    expect(remediated).toHaveLength(3);
    for (const r of remediated) {
      expect(r['citation']).toMatch(/^45 CFR 164\.3\d\d/);
      expect(typeof r['auditSeq']).toBe('number');
    }
    const ok02 = out.results.filter((r) => String(r['resourceId']).endsWith('stpharmacyok02'));
    expect(ok02.map((r) => r['decision'])).toEqual(['compliant', 'compliant']);
    expect(out.summary).toMatchObject({ remediated: 3, failed: 0, rejected: 0 });

    const verify = await cli(['audit', 'verify', '--home', join(dir, 'home'), '--json']);
    expect(verify.code).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true });
  });

  it('saves a state that, processed again, changes nothing (0 PATCH: all compliant)', async () => {
    const first = join(dir, 'first.json');
    const second = join(dir, 'second.json');
    await cli(['process', EVENTS, '--sandbox', STATE, '--save-sandbox', first, '--home', join(dir, 'home'), '--json']);
    const again = await cli(['process', EVENTS, '--sandbox', first, '--save-sandbox', second, '--home', join(dir, 'home'), '--json']);
    expect(again.code).toBe(0);
    const out = JSON.parse(again.stdout) as { results: { decision: string }[] };
    expect(out.results.every((r) => r.decision === 'compliant')).toBe(true);
    expect(await readFile(second, 'utf8')).toBe(await readFile(first, 'utf8'));
  });

  it('rejects a hostile event inside a batch (exit 0) and processes the others', async () => {
    const hostile = armWriteEvent(RX01);
    hostile['subject'] = `${RX01}/../../x`;
    (hostile['data'] as Record<string, unknown>)['resourceUri'] = hostile['subject'];
    const events = join(dir, 'events.json');
    await writeFile(events, JSON.stringify([hostile, armWriteEvent(PRESCRIPTIONS)]));
    const ran = await cli(['process', events, '--sandbox', STATE, '--home', join(dir, 'home'), '--json']);
    expect(ran.code).toBe(0);
    const out = JSON.parse(ran.stdout) as { results: { decision: string; reason?: string }[] };
    expect(out.results.map((r) => r.decision)).toEqual(['rejected', 'remediated']);
    expect(out.results[0]?.reason).toMatch(/invalid ARM resource id/);
  });

  it("skips the service's own changes (HIPAA_REMEDIATOR_SELF_IDS)", async () => {
    const events = join(dir, 'events.json');
    await writeFile(events, JSON.stringify([armWriteEvent(PRESCRIPTIONS, { claims: { ...SELF_CLAIMS, appid: '0d0d0d0d-0000-4000-8000-000000000001', 'http://schemas.microsoft.com/identity/claims/objectidentifier': '0d0d0d0d-0000-4000-8000-000000000002' } })]));
    const after = join(dir, 'after.json');
    const ran = await cli(['process', events, '--sandbox', STATE, '--save-sandbox', after, '--home', join(dir, 'home'), '--json'], {
      HIPAA_REMEDIATOR_SELF_IDS: '0d0d0d0d-0000-4000-8000-000000000002',
    });
    expect(ran.code).toBe(0);
    expect((JSON.parse(ran.stdout) as { results: { decision: string }[] }).results.map((r) => r.decision)).toEqual(['skipped']);
    expect(byName(JSON.parse(await readFile(after, 'utf8')) as Parameters<typeof byName>[0], 'prescriptions')['publicAccess']).toBe('Blob');
  });

  it.each([
    ['a file that is not JSON', 'not json {', /not valid JSON/],
    ['JSON that holds no events', '{"hello":"world"}', /not an Event Grid or CloudEvents event/],
  ])('exits 2 for %s, changes nothing and records it', async (_label, content, message) => {
    const events = join(dir, 'bad.json');
    await writeFile(events, content);
    const after = join(dir, 'after.json');
    const home = join(dir, 'home');
    const ran = await cli(['process', events, '--sandbox', STATE, '--save-sandbox', after, '--home', home, '--json']);
    expect(ran.code).toBe(2);
    expect(ran.stdout).toBe('');
    expect(ran.stderr).toMatch(message);
    await expect(readFile(after)).rejects.toThrow();
    const shown = JSON.parse((await cli(['audit', 'show', '--home', home, '--json'])).stdout) as { records: { kind: string; reason: string }[] };
    expect(shown.records).toHaveLength(1);
    expect(shown.records[0]).toMatchObject({ kind: 'rejection' });
  });

  it.each([
    [['process'], /needs an events file/],
    [['process', EVENTS, '--bogus'], /Unknown option/],
    [['process', EVENTS, '--save-sandbox', 'x.json'], /--save-sandbox needs --sandbox/],
    [['process', '/nonexistent/events.json', '--sandbox', STATE], /cannot read events file/],
    [['frobnicate'], /unknown command/],
  ])('exits 2 with a clear message for bad usage: %j', async (args, message) => {
    const ran = await cli([...args, '--home', join(dir, 'home')]);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toMatch(message);
  });

  it('exits 2 for a sandbox state that is not a state', async () => {
    const state = join(dir, 'state.json');
    await writeFile(state, JSON.stringify({ resources: [{ name: 'x' }] }));
    const ran = await cli(['process', EVENTS, '--sandbox', state, '--home', join(dir, 'home')]);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toMatch(/sandbox state/);
  });
});

describe('hipaa-remediator audit', () => {
  async function auditedHome(): Promise<string> {
    const home = join(dir, 'home');
    const ran = await cli(['process', EVENTS, '--sandbox', STATE, '--home', home, '--json']);
    expect(ran.code).toBe(0);
    return home;
  }

  async function chainFile(home: string): Promise<string> {
    const { readdir } = await import('node:fs/promises');
    const days = await readdir(join(home, 'audit', 'chain'));
    const files = await readdir(join(home, 'audit', 'chain', days[0]!));
    return join(home, 'audit', 'chain', days[0]!, files[0]!);
  }

  it('verify: exit 0 on an intact chain, exit 1 naming the first modified record', async () => {
    const home = await auditedHome();
    const intact = await cli(['audit', 'verify', '--home', home, '--json']);
    expect(intact.code).toBe(0);
    expect(JSON.parse(intact.stdout)).toMatchObject({ ok: true, lastSignedSeq: expect.any(Number) });

    const file = await chainFile(home);
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    lines[1] = lines[1]!.replace('"compliant"', '"remediated"').replace('"remediated"', '"alerted"');
    await writeFile(file, `${lines.join('\n')}\n`);
    const broken = await cli(['audit', 'verify', '--home', home, '--json']);
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.stdout)).toMatchObject({ ok: false, problem: { kind: 'modified', line: 2, seq: 2 } });
    const human = await cli(['audit', 'verify', '--home', home]);
    expect(human.stdout).toMatch(/BROKEN: modified/);
  });

  it('verify: exit 1 when the end of the chain was cut off', async () => {
    const home = await auditedHome();
    const file = await chainFile(home);
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    await writeFile(file, `${lines.slice(0, -2).join('\n')}\n`);
    const broken = await cli(['audit', 'verify', '--home', home, '--json']);
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.stdout)).toMatchObject({ problem: { kind: 'truncated' } });
  });

  it('export writes the records as stored, never over an existing file', async () => {
    const home = await auditedHome();
    const out = join(dir, 'evidence.jsonl');
    const exported = await cli(['audit', 'export', out, '--home', home]);
    expect(exported.code).toBe(0);
    const shown = JSON.parse((await cli(['audit', 'show', '--home', home, '--json'])).stdout) as { records: { seq: number }[] };
    const lines = (await readFile(out, 'utf8')).trimEnd().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual(shown.records.map((r) => r.seq));
    const again = await cli(['audit', 'export', out, '--home', home]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/never overwrites/);
  });
});

describe('hipaa-remediator modes', () => {
  it('set, list, explain and unset a resource-group override; process then alerts there', async () => {
    const home = join(dir, 'home');
    const set = await cli(['modes', 'set', 'storage-public-access', 'alert', '--resource-group', 'rg-pharmacy', '--reason', 'freeze', '--home', home, '--json']);
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ scope: 'rg:rg-pharmacy', before: null, after: 'alert', auditSeq: expect.any(Number) });

    const listed = JSON.parse((await cli(['modes', 'list', '--home', home, '--json'])).stdout) as { modes: { remediator: string; scope: string; mode: string; changedBy: string }[] };
    expect(listed.modes).toEqual([expect.objectContaining({ remediator: 'storage-public-access', scope: 'rg:rg-pharmacy', mode: 'alert', changedBy: expect.stringMatching(/^cli:/) })]);

    const explained = JSON.parse((await cli(['modes', 'explain', RX01, '--home', home, '--json'])).stdout) as { remediators: { remediator: string; mode: string; source: string }[] };
    expect(explained.remediators).toEqual([
      expect.objectContaining({ remediator: 'storage-public-access', mode: 'alert', source: 'resource-group', appliesToType: true }),
      expect.objectContaining({ remediator: 'storage-secure-transfer', mode: 'remediate', source: 'default', appliesToType: true }),
      expect.objectContaining({ remediator: 'storage-data-protection', mode: 'remediate', source: 'default', appliesToType: false }),
      expect.objectContaining({ remediator: 'audit-retention', mode: 'remediate', source: 'default', appliesToType: false }),
      expect.objectContaining({ remediator: 'log-retention', mode: 'remediate', source: 'default', appliesToType: false }),
      expect.objectContaining({ remediator: 'diagnostic-settings', mode: 'remediate', source: 'default', appliesToType: false }),
      expect.objectContaining({ remediator: 'key-vault-protection', mode: 'alert', source: 'default', appliesToType: false }),
      expect.objectContaining({ remediator: 'expired-role-assignments', mode: 'remediate', source: 'default', appliesToType: false }),
    ]);

    const ran = await cli(['process', EVENTS, '--sandbox', STATE, '--home', home, '--json']);
    const out = JSON.parse(ran.stdout) as { results: { remediator: string; decision: string; resourceId: string }[] };
    expect(out.results.filter((r) => r.remediator === 'storage-public-access' && r.resourceId.endsWith('stpharmacyrx01')).map((r) => r.decision)).toEqual(['alerted']);
    expect(out.results.filter((r) => r.remediator === 'storage-secure-transfer' && r.resourceId.endsWith('stpharmacyrx01')).map((r) => r.decision)).toEqual(['remediated']);

    expect((await cli(['modes', 'unset', 'storage-public-access', '--resource-group', 'rg-pharmacy', '--home', home])).code).toBe(0);
    expect((JSON.parse((await cli(['modes', 'list', '--home', home, '--json'])).stdout) as { modes: unknown[] }).modes).toEqual([]);
    expect((await cli(['audit', 'verify', '--home', home])).code).toBe(0);
  });

  it.each([
    [['modes', 'set', 'no-such-remediator', 'alert'], /unknown remediator/],
    [['modes', 'set', 'storage-public-access', 'sometimes'], /mode must be one of/],
    [['modes', 'set', 'storage-public-access', 'off', '--resource-group', 'rg/../x'], /not a valid resource group/],
    [['modes', 'set', 'storage-public-access'], /needs a mode/],
    [['modes', 'explain', '/subscriptions/nope'], /invalid ARM resource id/],
    [['modes', 'frobnicate'], /needs a subcommand/],
  ])('exits 2 for %j, nothing changed', async (args, message) => {
    const home = join(dir, 'home');
    const ran = await cli([...args, '--home', home]);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toMatch(message);
    expect(JSON.parse((await cli(['modes', 'list', '--home', home, '--json'])).stdout)).toMatchObject({ modes: [] });
  });
});

describe('hipaa-remediator modes per subscription', () => {
  // The sandbox's subscription (RX01 is in it) and another one the deployment watches.
  const A = SUB;
  const B = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
  const TWO = { HIPAA_REMEDIATOR_SUBSCRIPTIONS: `${A},${B}` };

  it('refuses a resource group name alone when two subscriptions are watched: exit 2, nothing stored, nothing audited', async () => {
    const home = join(dir, 'home');
    const ran = await cli(['modes', 'set', 'storage-public-access', 'alert', '--resource-group', 'rg-pharmacy', '--reason', 'freeze', '--home', home], TWO);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toBe('hipaa-remediator: resource group "rg-pharmacy" is ambiguous: this deployment watches 2 subscriptions; add --subscription <id> (or --any-subscription for every resource group of that name)\n');
    expect((await cli(['modes', 'unset', 'storage-public-access', '--resource-group', 'rg-pharmacy', '--home', home], TWO)).code).toBe(2);
    expect(JSON.parse((await cli(['modes', 'list', '--home', home, '--json'], TWO)).stdout)).toMatchObject({ modes: [] });
    expect(await readAuditRecords(home)).toEqual([]);
  });

  it('refuses it under a management group too, naming the group', async () => {
    const ran = await cli(['modes', 'set', 'storage-public-access', 'off', '--resource-group', 'rg-pharmacy', '--home', join(dir, 'home')], { HIPAA_REMEDIATOR_MANAGEMENT_GROUPS: 'mg-clinical' });
    expect(ran.code).toBe(2);
    expect(ran.stderr).toMatch(/"rg-pharmacy" is ambiguous: this deployment watches management group mg-clinical; add --subscription <id>/);
  });

  it('--subscription with --resource-group stores sub:S/rg:R, audited; it applies in S only; list and explain say where', async () => {
    const home = join(dir, 'home');
    const set = await cli(['modes', 'set', 'storage-public-access', 'alert', '--subscription', A, '--resource-group', 'RG-Pharmacy', '--reason', 'freeze', '--home', home, '--json'], TWO);
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toEqual({ remediator: 'storage-public-access', scope: `sub:${A}/rg:rg-pharmacy`, before: null, after: 'alert', auditSeq: expect.any(Number) });
    const sub = await cli(['modes', 'set', 'storage-public-access', 'off', '--subscription', B.toUpperCase(), '--home', home], TWO);
    expect(sub.stdout).toMatch(new RegExp(`^storage-public-access in subscription ${B}: \\(unset\\) → off  audit #\\d+\\n$`));

    const records = await readAuditRecords(home);
    expect(records.filter((r) => r.kind === 'mode-change').map((r) => [r.scope, r.before?.['mode'], r.after?.['mode'], r.reason ?? null])).toEqual([
      [`sub:${A}/rg:rg-pharmacy`, null, 'alert', 'freeze'],
      [`sub:${B}`, null, 'off', null],
    ]);
    for (const change of records.filter((r) => r.kind === 'mode-change')) expect(records.find((r) => r.seq === change.intentSeq)).toMatchObject({ kind: 'intent', scope: change.scope });

    const listed = JSON.parse((await cli(['modes', 'list', '--home', home, '--json'], TWO)).stdout) as Record<string, unknown>;
    expect(Object.keys(listed)).toEqual(['modes', 'remediators', 'dryRun', 'store']);
    expect(listed['modes']).toEqual([
      expect.objectContaining({ remediator: 'storage-public-access', scope: `sub:${A}/rg:rg-pharmacy`, mode: 'alert', changedBy: expect.stringMatching(/^cli:/), changedAt: expect.any(String), reason: 'freeze', subscriptionId: A, resourceGroup: 'rg-pharmacy', appliesTo: `resource group rg-pharmacy in subscription ${A}` }),
      expect.objectContaining({ scope: `sub:${B}`, mode: 'off', subscriptionId: B, resourceGroup: null, appliesTo: `subscription ${B}` }),
    ]);
    const text = (await cli(['modes', 'list', '--home', home], TWO)).stdout;
    expect(text).toContain(`  resource group rg-pharmacy in subscription ${A} alert     by cli:`);
    expect(text).toContain(`  subscription ${B}`);

    const explained = JSON.parse((await cli(['modes', 'explain', RX01, '--home', home, '--json'], TWO)).stdout) as { subscriptionId: string; remediators: { remediator: string; mode: string; source: string; scope: string | null }[] };
    expect(explained.subscriptionId).toBe(A);
    expect(explained.remediators[0]).toMatchObject({ remediator: 'storage-public-access', mode: 'alert', source: 'resource-group', scope: `sub:${A}/rg:rg-pharmacy` });
    expect(explained.remediators[1]).toMatchObject({ remediator: 'storage-secure-transfer', source: 'default', scope: null });
    const inB = RX01.replace(A, B);
    expect(JSON.parse((await cli(['modes', 'explain', inB, '--home', home, '--json'], TWO)).stdout).remediators[0]).toMatchObject({ mode: 'off', source: 'subscription', scope: `sub:${B}` });
    expect((await cli(['modes', 'explain', RX01, '--home', home], TWO)).stdout).toContain(`storage-public-access      alert     (resource-group: resource group rg-pharmacy in subscription ${A}, set by cli:`);

    // The events of the public example are in A: alerted in rg-pharmacy, as the operator asked.
    const ran = await cli(['process', EVENTS, '--sandbox', STATE, '--home', home, '--json']);
    const out = JSON.parse(ran.stdout) as { results: { remediator: string; decision: string; resourceId: string }[] };
    expect(out.results.filter((r) => r.remediator === 'storage-public-access' && r.resourceId.endsWith('stpharmacyrx01')).map((r) => r.decision)).toEqual(['alerted']);

    const unset = await cli(['modes', 'unset', 'storage-public-access', '--subscription', A, '--resource-group', 'rg-pharmacy', '--home', home, '--json'], TWO);
    expect(JSON.parse(unset.stdout)).toMatchObject({ scope: `sub:${A}/rg:rg-pharmacy`, before: 'alert', after: null });
    expect((await cli(['audit', 'verify', '--home', home])).code).toBe(0);
  });

  it('--any-subscription says on purpose: every resource group of that name (rg:<name>)', async () => {
    const home = join(dir, 'home');
    const set = await cli(['modes', 'set', 'storage-public-access', 'alert', '--any-subscription', '--resource-group', 'rg-pharmacy', '--home', home, '--json'], TWO);
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ scope: 'rg:rg-pharmacy' });
    expect((await cli(['modes', 'list', '--home', home], TWO)).stdout).toContain('  resource group rg-pharmacy (any subscription)');
    const both = await cli(['modes', 'set', 'storage-public-access', 'alert', '--any-subscription', '--subscription', A, '--home', home], TWO);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/exclude each other/);
  });

  it('with one subscription configured, a resource group name alone is rg:<name>, as before', async () => {
    const set = await cli(['modes', 'set', 'storage-public-access', 'alert', '--resource-group', 'rg-pharmacy', '--home', join(dir, 'home'), '--json'], { HIPAA_REMEDIATOR_SUBSCRIPTIONS: A });
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ scope: 'rg:rg-pharmacy' });
  });

  it.each([
    [['--subscription', 'not-a-guid'], TWO, /subscription "not-a-guid" is not a subscription id \(a GUID\)/],
    [['--subscription', `${A}x`, '--resource-group', 'rg-pharmacy'], TWO, /is not a subscription id/],
    [['--subscription', 'cccccccc-bbbb-4ccc-8ddd-eeeeeeeeeeee'], TWO, /subscription cccccccc-bbbb-4ccc-8ddd-eeeeeeeeeeee is not in scope/],
    [['--subscription', B, '--resource-group', 'rg-pharmacy'], { HIPAA_REMEDIATOR_SUBSCRIPTIONS: A }, /not in scope: this deployment watches 11111111-2222-4333-8444-555555555555/],
  ])('exits 2 for %j (%j), nothing stored or audited', async (args, env, message) => {
    const home = join(dir, 'home');
    const ran = await cli(['modes', 'set', 'storage-public-access', 'off', ...args, '--home', home], env);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toMatch(message);
    expect(JSON.parse((await cli(['modes', 'list', '--home', home, '--json'], env)).stdout)).toMatchObject({ modes: [] });
    expect(await readAuditRecords(home)).toEqual([]);
  });

  it('accepts any subscription id under a management group (membership is resolved at run time)', async () => {
    const set = await cli(['modes', 'set', 'storage-public-access', 'off', '--subscription', 'cccccccc-bbbb-4ccc-8ddd-eeeeeeeeeeee', '--resource-group', 'rg-x', '--home', join(dir, 'home'), '--json'], { HIPAA_REMEDIATOR_MANAGEMENT_GROUPS: 'mg-clinical' });
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ scope: 'sub:cccccccc-bbbb-4ccc-8ddd-eeeeeeeeeeee/rg:rg-x' });
  });
});

describe('hipaa-remediator remediators', () => {
  it('lists the catalog with controls, citations and modes as JSON', async () => {
    const ran = await cli(['remediators', '--json']);
    expect(ran.code).toBe(0);
    const out = JSON.parse(ran.stdout) as { remediators: { id: string; mode: string; controls: { citation: string }[] }[] };
    expect(out.remediators.map((r) => r.id)).toEqual([
      'storage-public-access',
      'storage-secure-transfer',
      'storage-data-protection',
      'audit-retention',
      'log-retention',
      'diagnostic-settings',
      'key-vault-protection',
      'expired-role-assignments',
    ]);
    expect(out.remediators[0]?.controls[0]?.citation).toBe('45 CFR 164.312(a)(1)');
    // key-vault-protection defaults to alert: purge protection and network rules are decisions for a person.
    expect(out.remediators.filter((r) => r.mode !== 'remediate').map((r) => [r.id, r.mode])).toEqual([['key-vault-protection', 'alert']]);
  });
});
