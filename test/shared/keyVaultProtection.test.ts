/**
 * key-vault-protection end to end: a vault write event (or a sweep), the vault re-read with the
 * real @azure/arm-keyvault client, its keys and their rotation policies with the real KeyClient on
 * the sandbox's Key Vault data plane, the changes applied and re-read, and every step audited.
 * Keys are seeded the way a user makes them: through the data plane (which makes no ARM event).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { KeyClient } from '@azure/keyvault-keys';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSandboxState, SANDBOX_TENANT_ID, sandboxCredential, type ArmResource, type SandboxChange } from '../../sandbox/index.js';
import { SANDBOX_SERVICE_IDENTITY } from '../../shared/arm/sandboxConnection.js';
import { armWriteEvent, SUB } from '../helpers/events.js';
import { startWorld, type World } from '../helpers/world.js';

const VAULT = 'kv-phi-clinical';
const VAULT_ID = `/subscriptions/${SUB}/resourceGroups/rg-clinical/providers/Microsoft.KeyVault/vaults/${VAULT}`;
const FENCED = 'kv-phi-research';
const FENCED_ID = `/subscriptions/${SUB}/resourceGroups/rg-research/providers/Microsoft.KeyVault/vaults/${FENCED}`;
const REMEDIATE = { modes: { 'key-vault-protection': 'remediate' } };
const KEY_VAULT_PATH = /^\/keys(\/|$)/;
const DAY = 86_400_000;
const USER = { objectId: '3c9d2a71-5e4f-4b8a-9d1c-7e6f5a4b3c2d', appId: '04b07795-8ddb-461a-bbee-02f9e1bf7b46', principalType: 'User' as const };

/** A vault as a state file holds it (the 2025-05-01 getVault example's shape), protected unless told otherwise. */
function vaultResource(name: string, resourceGroup: string, properties: Record<string, unknown> = {}): ArmResource {
  return {
    id: `/subscriptions/${SUB}/resourceGroups/${resourceGroup}/providers/Microsoft.KeyVault/vaults/${name}`,
    name,
    type: 'Microsoft.KeyVault/vaults',
    location: 'eastus2',
    tags: { 'data-classification': 'phi' },
    properties: {
      sku: { family: 'A', name: 'standard' },
      tenantId: SANDBOX_TENANT_ID,
      accessPolicies: [],
      enabledForDeployment: false,
      enabledForDiskEncryption: false,
      enabledForTemplateDeployment: false,
      enableSoftDelete: true,
      softDeleteRetentionInDays: 90,
      enablePurgeProtection: true,
      enableRbacAuthorization: true,
      publicNetworkAccess: 'Disabled',
      vaultUri: `https://${name}.vault.azure.net`,
      provisioningState: 'Succeeded',
      ...properties,
    },
  };
}

/**
 * A TCP relay whose upstream is chosen after the world starts: the fenced vault's `vaultUri`
 * points here, and the relay leads to the sandbox's ARM listener (same certificate), whose fault
 * injector then answers the data-plane paths (`/keys...`) as a vault firewall would.
 */
interface Relay {
  url: string;
  to(port: number): void;
  close(): Promise<void>;
}

async function startRelay(): Promise<Relay> {
  let upstream: number | undefined;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (upstream === undefined) return void client.destroy();
    const target = connect({ host: '127.0.0.1', port: upstream });
    for (const socket of [client, target]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        target.destroy();
      });
    }
    client.pipe(target).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    to(port) {
      upstream = port;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port nobody listens on: connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let world: World;
let relay: Relay | undefined;
afterEach(async () => {
  await world.close();
  await relay?.close();
  relay = undefined;
});

/** The test's own data-plane client (a person's identity, not the service's). */
function userKeys(): KeyClient {
  return new KeyClient(world.sandbox.keyVaultUrl, sandboxCredential(USER), { tlsOptions: { ca: world.sandbox.ca }, disableChallengeResourceVerification: true });
}

async function seedKey(name: string, options: { expires?: boolean; rotationPolicy?: boolean } = {}): Promise<void> {
  const keys = userKeys();
  await keys.createEcKey(name, options.expires === false ? {} : { expiresOn: new Date(Date.now() + 300 * DAY) });
  if (options.rotationPolicy === true) await keys.updateKeyRotationPolicy(name, { expiresIn: 'P2Y', lifetimeActions: [{ action: 'Rotate', timeAfterCreate: 'P18M' }] });
}

/** Diagnostic settings are read with every vault for the diagnostic-settings remediator: not this test's subject. */
const DIAGNOSTICS = /\/providers\/Microsoft\.Insights\//i;

/** What the service sent for this remediator (ARM and the Key Vault data plane), with the api-version of each request. */
function serviceCalls(): { method: string; path: string; apiVersion: string | undefined; status: number }[] {
  return world.sandbox.requests
    .filter((r) => r.callerObjectId === SANDBOX_SERVICE_IDENTITY.objectId && !DIAGNOSTICS.test(r.path))
    .map((r) => ({ method: r.method, path: r.path, apiVersion: r.apiVersion, status: r.status }));
}

async function decide(...ids: string[]) {
  const outcome = await world.runtime.pipeline.processBatch(ids.map(vaultEvent));
  return { ...outcome, results: outcome.results.filter((r) => r.remediator === 'key-vault-protection') };
}

async function ourAudit() {
  return (await world.audit()).filter((r) => r.remediator === 'key-vault-protection');
}

const writes = () => serviceCalls().filter((r) => r.method !== 'GET');
const vaultEvent = (id: string) => armWriteEvent(id, { operationName: 'Microsoft.KeyVault/vaults/write' });
const storedVault = (id: string) => world.sandbox.snapshot().resources.find((r) => r.id === id);

describe('key-vault-protection through the pipeline', () => {
  it('a vault write event with soft delete off: one PATCH of {properties: {enableSoftDelete: true}} at 2026-02-01, confirmed by a re-read', async () => {
    world = await startWorld(parseSandboxState({ resources: [vaultResource(VAULT, 'rg-clinical', { enableSoftDelete: false })] }), REMEDIATE);
    await seedKey('cmk-ehr', { rotationPolicy: true });
    const changes: SandboxChange[] = [];
    world.sandbox.onChange((change) => changes.push(change));

    const { results } = await decide(VAULT_ID);
    expect(results).toMatchObject([{ remediator: 'key-vault-protection', decision: 'remediated', citation: '45 CFR 164.308(a)(7)(ii)(A)', changes: [{ operation: 'vaults.update', method: 'PATCH', resourceId: VAULT_ID, apiVersion: '2026-02-01', body: { properties: { enableSoftDelete: true } } }] }]);
    // Read the vault (ARM), its keys and their policies (data plane); PATCH; read all of it again.
    expect(serviceCalls().map((r) => `${r.method} ${r.path} ${r.apiVersion ?? ''}`)).toEqual([
      `GET ${VAULT_ID} 2026-02-01`,
      'GET /keys 2025-07-01',
      'GET /keys/cmk-ehr/rotationpolicy 2025-07-01',
      `PATCH ${VAULT_ID} 2026-02-01`,
      `GET ${VAULT_ID} 2026-02-01`,
      'GET /keys 2025-07-01',
      'GET /keys/cmk-ehr/rotationpolicy 2025-07-01',
    ]);
    // The PATCH changed soft delete and nothing else.
    expect(changes).toHaveLength(1);
    const { before, after } = changes[0]!;
    expect(after?.properties).toEqual({ ...before?.properties, enableSoftDelete: true });
    expect(storedVault(VAULT_ID)?.properties).toMatchObject({ enableSoftDelete: true, softDeleteRetentionInDays: 90 });

    const records = await ourAudit();
    const intent = records.find((r) => r.kind === 'intent');
    expect(intent?.change).toEqual({ operation: 'vaults.update', method: 'PATCH', resourceId: VAULT_ID, apiVersion: '2026-02-01', body: { properties: { enableSoftDelete: true } } });
    expect(records.find((r) => r.kind === 'outcome')).toMatchObject({ outcome: 'succeeded', intentSeq: intent?.seq });
  });

  it('a key without a rotation policy gets the configured one on the data plane (PUT at 2025-07-01), and a re-read confirms it', async () => {
    world = await startWorld(parseSandboxState({ resources: [vaultResource(VAULT, 'rg-clinical')] }), REMEDIATE);
    await seedKey('cmk-ehr');
    await seedKey('cmk-lab', { rotationPolicy: true });

    const { results } = await decide(VAULT_ID);
    expect(results).toMatchObject([{ decision: 'remediated', control: 'encryption-at-rest', citation: '45 CFR 164.312(a)(2)(iv)' }]);
    expect(writes()).toEqual([{ method: 'PUT', path: '/keys/cmk-ehr/rotationpolicy', apiVersion: '2025-07-01', status: 200 }]);
    // After the PUT the service read the vault, its keys and both policies again, and found them compliant.
    const afterPut = serviceCalls().slice(serviceCalls().findIndex((r) => r.method === 'PUT') + 1);
    expect(afterPut.map((r) => `${r.method} ${r.path}`).sort()).toEqual([`GET ${VAULT_ID}`, 'GET /keys', 'GET /keys/cmk-ehr/rotationpolicy', 'GET /keys/cmk-lab/rotationpolicy'].sort());

    const policy = await userKeys().getKeyRotationPolicy('cmk-ehr');
    expect(policy).toMatchObject({ expiresIn: 'P1Y', lifetimeActions: [{ action: 'Rotate', timeAfterCreate: 'P11M' }, { action: 'Notify', timeBeforeExpiry: 'P30D' }] });
    expect(policy.id).toBe(`${world.sandbox.keyVaultUrl}/keys/cmk-ehr/rotationpolicy`);
    // The other key's own policy is left as it was.
    expect((await userKeys().getKeyRotationPolicy('cmk-lab')).expiresIn).toBe('P2Y');

    const intent = (await ourAudit()).find((r) => r.kind === 'intent');
    expect(intent?.change).toEqual({
      operation: 'keys.updateRotationPolicy',
      method: 'PUT',
      resourceId: `${VAULT_ID}/keys/cmk-ehr`,
      apiVersion: '2025-07-01',
      body: { expiresIn: 'P1Y', lifetimeActions: [{ action: 'Rotate', timeAfterCreate: 'P11M' }, { action: 'Notify', timeBeforeExpiry: 'P30D' }] },
      target: 'keys',
      targetField: 'rotationPolicy',
    });
    // The audit keeps the key's policy as it was (the service default: no Rotate, no expiry) and as it is now.
    expect(intent?.before).toEqual({ expiresIn: null, lifetimeActions: [{ action: 'Notify', timeBeforeExpiry: 'P30D' }] });
    expect((await ourAudit()).find((r) => r.kind === 'outcome')?.after).toEqual({ expiresIn: 'P1Y', lifetimeActions: [{ action: 'Rotate', timeAfterCreate: 'P11M' }, { action: 'Notify', timeBeforeExpiry: 'P30D' }] });

    // Applied once: the next event finds the vault compliant and writes nothing.
    const again = await decide(VAULT_ID);
    expect(again.results[0]?.decision).toBe('compliant');
    expect(writes()).toHaveLength(1);
  });

  it('purge protection off is alerted with its irreversibility and never written, even in remediate mode; default mode only alerts', async () => {
    const state = parseSandboxState({ resources: [vaultResource(VAULT, 'rg-clinical', { enablePurgeProtection: undefined })] });
    world = await startWorld(state, REMEDIATE);
    await seedKey('cmk-ehr', { rotationPolicy: true });
    const { results } = await decide(VAULT_ID);
    expect(results).toMatchObject([{ decision: 'alerted', reason: 'no automatic fix', changes: [] }]);
    expect(results[0]?.findings).toMatchObject([{ property: 'properties.enablePurgeProtection', message: expect.stringMatching(/irreversible/) }]);
    expect(writes()).toEqual([]);
    await world.close();

    // Default mode (alert): soft delete off and a key without policy are planned, not written.
    world = await startWorld(parseSandboxState({ resources: [vaultResource(VAULT, 'rg-clinical', { enableSoftDelete: false })] }));
    await seedKey('cmk-ehr');
    const alerted = (await decide(VAULT_ID)).results[0];
    expect(alerted).toMatchObject({ decision: 'alerted', mode: 'alert' });
    expect(alerted?.changes.map((c) => c.operation)).toEqual(['vaults.update', 'keys.updateRotationPolicy']);
    expect(writes()).toEqual([]);
  });

  it('a list-API sweep lists the vaults (one listing, no GET per vault), reads each data plane, and decides on each', async () => {
    relay = await startRelay();
    world = await startWorld(
      parseSandboxState({
        resources: [vaultResource(VAULT, 'rg-clinical', { enableSoftDelete: false }), vaultResource(FENCED, 'rg-research', { vaultUri: relay.url })],
      }),
      { ...REMEDIATE, scope: { sweepSource: 'list-apis' } },
    );
    relay.to(Number(new URL(world.sandbox.url).port));
    world.sandbox.faults.inject({ pathPattern: KEY_VAULT_PATH, status: 403, code: 'Forbidden', times: 100 });
    await seedKey('cmk-ehr');

    const outcome = await world.runtime.pipeline.sweep('kv-1');
    const ours = outcome.results.filter((r) => r.remediator === 'key-vault-protection');
    expect(ours.map((r) => [r.resourceId, r.remediator, r.decision])).toEqual([
      [VAULT_ID, 'key-vault-protection', 'remediated'],
      [FENCED_ID, 'key-vault-protection', 'alerted'],
    ]);
    const listings = serviceCalls().filter((r) => r.path === `/subscriptions/${SUB}/providers/Microsoft.KeyVault/vaults`);
    expect(listings).toEqual([{ method: 'GET', path: `/subscriptions/${SUB}/providers/Microsoft.KeyVault/vaults`, apiVersion: '2026-02-01', status: 200 }]);
    // The vault with nothing to write is never read again: the listing carried it.
    expect(serviceCalls().filter((r) => r.path === FENCED_ID)).toEqual([]);
    expect(writes().map((r) => `${r.method} ${r.path}`)).toEqual([`PATCH ${VAULT_ID}`, 'PUT /keys/cmk-ehr/rotationpolicy']);
    expect(storedVault(VAULT_ID)?.properties?.['enableSoftDelete']).toBe(true);
    // The fenced vault: keys unknown, with the reason, and nothing taken for "no rotation policy".
    const fenced = ours[1];
    expect(fenced?.findings?.map((f) => f.message)).toEqual([expect.stringMatching(/^could not read keys: Key Vault answered 403 Forbidden/)]);
  });

  it('a data plane that refuses (403) or cannot be reached (connection refused) is alerted as unknown, never "no policy"; a 503 fails the event for redelivery', async () => {
    relay = await startRelay();
    const refusedPort = await closedPort();
    const REFUSED = 'kv-phi-offline';
    const REFUSED_ID = `/subscriptions/${SUB}/resourceGroups/rg-research/providers/Microsoft.KeyVault/vaults/${REFUSED}`;
    world = await startWorld(
      parseSandboxState({
        resources: [vaultResource(VAULT, 'rg-clinical'), vaultResource(FENCED, 'rg-research', { vaultUri: relay.url }), vaultResource(REFUSED, 'rg-research', { vaultUri: `https://127.0.0.1:${refusedPort}` })],
      }),
      REMEDIATE,
    );
    relay.to(Number(new URL(world.sandbox.url).port));
    const firewall = world.sandbox.faults.inject({ pathPattern: KEY_VAULT_PATH, status: 403, code: 'Forbidden', times: 100 });

    const { results } = await decide(FENCED_ID, REFUSED_ID);
    expect(results.map((r) => r.decision)).toEqual(['alerted', 'alerted']);
    expect(results[0]?.findings).toEqual([expect.objectContaining({ property: 'keys', actual: 'unknown', message: expect.stringMatching(/^could not read keys: Key Vault answered 403 Forbidden/) })]);
    expect(results[1]?.findings).toEqual([expect.objectContaining({ property: 'keys', actual: 'unknown', message: expect.stringMatching(/^could not read keys: Key Vault unreachable \(ECONNREFUSED\)/) })]);
    expect(firewall.hits).toBeGreaterThan(0);
    expect(writes()).toEqual([]);
    const decisions = (await ourAudit()).filter((r) => r.kind === 'decision');
    expect(decisions.map((r) => r.decision)).toEqual(['alerted', 'alerted']);

    firewall.remove();
    world.sandbox.faults.inject({ pathPattern: KEY_VAULT_PATH, status: 503, times: 10 });
    const busy = await decide(FENCED_ID);
    expect(busy.results[0]).toMatchObject({ decision: 'failed', retryable: true });
    expect(busy.summary.retryable).toBe(true);
  });
});
