import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REMEDIATORS } from '../../../remediators/index.js';
import { openLocalAudit } from '../../../shared/audit/local.js';
import { ANY_SUBSCRIPTION, API_TERMS, changeMode, ModeChangeError } from '../../../shared/modes/changes.js';
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

describe('changing a mode per subscription', () => {
  const A = '11111111-2222-4333-8444-555555555555';
  const B = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
  const TWO = { subscriptions: [A, B], managementGroups: [] };

  it('--subscription alone is that subscription\'s default; with a resource group, that resource group of it; both audited with the scope', async () => {
    const { home, store, audit } = await setup();
    const deps = { store, audit, remediators: REMEDIATORS, scope: TWO };
    expect((await changeMode({ remediator: 'storage-public-access', mode: 'off', subscriptionId: B.toUpperCase(), operator: 'cli:alice' }, deps)).scope).toBe(`sub:${B}`);
    expect((await changeMode({ remediator: 'storage-public-access', mode: 'alert', subscriptionId: A, resourceGroup: 'RG-Research', operator: 'cli:alice' }, deps)).scope).toBe(`sub:${A}/rg:rg-research`);
    expect((await changeMode({ remediator: 'storage-public-access', subscriptionId: A, resourceGroup: 'rg-research', operator: 'cli:bob' }, deps)).previous?.mode).toBe('alert');
    await audit.close();
    const records = await readAuditRecords(home);
    expect(records.filter((r) => r.kind === 'intent').map((r) => r.scope)).toEqual([`sub:${B}`, `sub:${A}/rg:rg-research`, `sub:${A}/rg:rg-research`]);
    // Each record of a subscription's setting names that subscription, as resource records do.
    expect(records.filter((r) => r.kind === 'intent' || r.kind === 'mode-change').map((r) => r.subscriptionId)).toEqual([B, B, A, A, A, A]);
    expect(records.filter((r) => r.kind === 'mode-change').map((c) => [c.operator, c.scope, c.before?.['mode'], c.after?.['mode']])).toEqual([
      ['cli:alice', `sub:${B}`, null, 'off'],
      ['cli:alice', `sub:${A}/rg:rg-research`, null, 'alert'],
      ['cli:bob', `sub:${A}/rg:rg-research`, 'alert', null],
    ]);
    expect((await store.list()).map((s) => s.scope)).toEqual([`sub:${B}`]);
  });

  it('a resource group name alone is refused when the deployment spans subscriptions, and allowed on purpose with ANY_SUBSCRIPTION', async () => {
    const { home, store, audit } = await setup();
    const request = { remediator: 'storage-public-access', mode: 'off', resourceGroup: 'rg-x', operator: 'x' };
    await expect(changeMode(request, { store, audit, remediators: REMEDIATORS, scope: TWO })).rejects.toThrow(
      'resource group "rg-x" is ambiguous: this deployment watches 2 subscriptions; add --subscription <id> (or --any-subscription for every resource group of that name)',
    );
    await expect(changeMode(request, { store, audit, remediators: REMEDIATORS, scope: { subscriptions: [], managementGroups: ['mg-clinical'] }, terms: API_TERMS })).rejects.toThrow(
      'resource group "rg-x" is ambiguous: this deployment watches management group mg-clinical; add subscriptionId=<id> (or subscriptionId=* for every resource group of that name)',
    );
    expect(await store.list()).toEqual([]);
    expect(await readAuditRecords(home)).toEqual([]);
    expect((await changeMode({ ...request, subscriptionId: ANY_SUBSCRIPTION }, { store, audit, remediators: REMEDIATORS, scope: TWO })).scope).toBe('rg:rg-x');
    // A default needs no subscription: `*` is not ambiguous.
    expect((await changeMode({ remediator: 'storage-public-access', mode: 'alert', operator: 'x' }, { store, audit, remediators: REMEDIATORS, scope: TWO })).scope).toBe('*');
    await audit.close();
  });

  it.each([
    [{ subscriptions: [] as string[], managementGroups: [] as string[] }, 'nothing configured (the sandbox)'],
    [{ subscriptions: [A], managementGroups: [] as string[] }, 'one subscription'],
  ])('with %j (%s) a resource group name alone means rg:<name>, as before', async (scope) => {
    const { store, audit } = await setup();
    expect((await changeMode({ remediator: 'storage-public-access', mode: 'off', resourceGroup: 'RG-X', operator: 'x' }, { store, audit, remediators: REMEDIATORS, scope })).scope).toBe('rg:rg-x');
    await audit.close();
  });

  it.each([
    [{ subscriptionId: 'not-a-guid' }, TWO, /subscription "not-a-guid" is not a subscription id \(a GUID\)/],
    [{ subscriptionId: '' }, TWO, /is not a subscription id/],
    [{ subscriptionId: 'cccccccc-bbbb-4ccc-8ddd-eeeeeeeeeeee', resourceGroup: 'rg-x' }, TWO, /subscription cccccccc-bbbb-4ccc-8ddd-eeeeeeeeeeee is not in scope: this deployment watches 11111111-2222-4333-8444-555555555555, aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee/],
    [{ subscriptionId: B }, { subscriptions: [A], managementGroups: [] }, /is not in scope/],
  ])('refuses %j with %j and changes nothing', async (extra, scope, message) => {
    const { home, store, audit } = await setup();
    await expect(changeMode({ remediator: 'storage-public-access', mode: 'off', operator: 'x', ...extra }, { store, audit, remediators: REMEDIATORS, scope })).rejects.toThrow(message);
    expect(await store.list()).toEqual([]);
    await audit.close();
    expect(await readAuditRecords(home)).toEqual([]);
  });

  it('under a management group any subscription id is accepted (membership is resolved at run time)', async () => {
    const { store, audit } = await setup();
    const scope = { subscriptions: [A], managementGroups: ['mg-clinical'] };
    expect((await changeMode({ remediator: 'storage-public-access', mode: 'off', subscriptionId: 'cccccccc-bbbb-4ccc-8ddd-eeeeeeeeeeee', resourceGroup: 'rg-x', operator: 'x' }, { store, audit, remediators: REMEDIATORS, scope })).scope).toBe('sub:cccccccc-bbbb-4ccc-8ddd-eeeeeeeeeeee/rg:rg-x');
    await audit.close();
  });
});
