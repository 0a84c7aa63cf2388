/**
 * The pipeline end to end against the sandbox: real @azure/arm-storage over HTTPS, real file
 * audit. ARM requests are counted at the sandbox, so "0 ARM calls" is observed, not assumed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSandboxState } from '../../sandbox/index.js';
import { armWriteEvent, OK02, PRESCRIPTIONS, RX01, SELF_CLAIMS, SUB } from '../helpers/events.js';
import { sharedPath } from '../helpers/fixtures.js';
import { startWorld, type World } from '../helpers/world.js';

let world: World;

async function exampleWorld(config: Record<string, unknown> = {}): Promise<World> {
  return startWorld(await loadSandboxState(sharedPath('examples', 'storage-state.json')), config);
}

function properties(id: string): Record<string, unknown> {
  const resource = world.sandbox.snapshot().resources.find((r) => r.id.toLowerCase() === id.toLowerCase());
  return (resource?.properties ?? {}) as Record<string, unknown>;
}

describe('pipeline against the sandbox', () => {
  beforeEach(async () => {
    world = await exampleWorld();
  });
  afterEach(async () => {
    await world.close();
  });

  it('remediates a non-compliant account: re-reads it, PATCHes, confirms from the response, audits intent before outcome', async () => {
    const { results, summary } = await world.runtime.pipeline.processBatch([armWriteEvent(RX01, { id: 'e-rx01' })]);
    expect(results.map((r) => [r.remediator, r.decision])).toEqual([
      ['storage-public-access', 'remediated'],
      ['storage-secure-transfer', 'remediated'],
    ]);
    expect(results[0]?.citation).toBe('45 CFR 164.312(a)(1)');
    expect(results[1]?.citation).toBe('45 CFR 164.312(e)(1)');
    expect(summary.remediated).toBe(2);
    expect(properties(RX01)).toMatchObject({ allowBlobPublicAccess: false, supportsHttpsTrafficOnly: true, minimumTlsVersion: 'TLS1_2' });
    // One GET, then one PATCH per remediator; the PATCH response confirms, no re-read.
    expect(world.serviceRequests().map((r) => r.method)).toEqual(['GET', 'PATCH', 'PATCH']);

    const audit = await world.audit();
    const intents = audit.filter((r) => r.kind === 'intent');
    expect(intents).toHaveLength(2);
    for (const intent of intents) {
      const outcome = audit.find((r) => r.kind === 'outcome' && r.intentSeq === intent.seq);
      expect(outcome?.outcome).toBe('succeeded');
      expect(outcome!.seq).toBeGreaterThan(intent.seq);
    }
    expect(results.map((r) => r.auditSeq)).toEqual(audit.filter((r) => r.kind === 'outcome').map((r) => r.seq));
    // Personal data from the event claims never reaches the audit.
    expect(JSON.stringify(audit)).not.toMatch(/Canaryfield|northwind-health|198\.51\.100/);
  });

  it('records the before and after values of the changed properties and its own identity, not whole payloads', async () => {
    await world.runtime.pipeline.processBatch([armWriteEvent(RX01)]);
    const audit = await world.audit();
    const intent = audit.find((r) => r.kind === 'intent' && r.remediator === 'storage-secure-transfer');
    expect(intent?.before).toEqual({ enableHttpsTrafficOnly: false, minimumTlsVersion: 'TLS1_0' });
    expect(intent?.service).toContain('9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d');
    expect(intent?.actor).toEqual({ objectId: '4b8d2f6a-1c3e-45a7-b9d0-e2f4a6c8b1d3', appId: '04b07795-8ddb-461a-bbee-02f9e1bf7b46', principalType: 'User' });
    const outcome = audit.find((r) => r.kind === 'outcome' && r.intentSeq === intent?.seq);
    expect(outcome?.after).toEqual({ enableHttpsTrafficOnly: true, minimumTlsVersion: 'TLS1_2' });
    // Tags and other properties of the resource (where PHI-adjacent labels live) are not copied.
    expect(JSON.stringify(audit)).not.toMatch(/data-classification|primaryEndpoints|eastus2/);
  });

  it('closes an intent left without outcome (a crash) once a redelivery re-reads the resource', async () => {
    const intent = await world.runtime.audit.append({
      kind: 'intent',
      resourceId: PRESCRIPTIONS,
      remediator: 'storage-public-access',
      change: { operation: 'blobContainers.update', method: 'PATCH', resourceId: PRESCRIPTIONS, apiVersion: '2025-08-01', body: { publicAccess: 'None' } },
    });
    await world.runtime.audit.sync();
    world.advance(60_000);
    const { results } = await world.runtime.pipeline.processBatch([armWriteEvent(PRESCRIPTIONS)]);
    expect(results[0]?.decision).toBe('remediated');
    const audit = await world.audit();
    const closing = audit.find((r) => r.kind === 'outcome' && r.intentSeq === intent.seq);
    expect(closing).toMatchObject({ outcome: 'unknown', after: { publicAccess: 'Blob' } });
    expect(closing?.reason).toMatch(/not in place/);
    // Closed once: a second delivery finds nothing dangling.
    await world.runtime.pipeline.processBatch([armWriteEvent(PRESCRIPTIONS)]);
    expect((await world.audit()).filter((r) => r.intentSeq === intent.seq)).toHaveLength(1);
  });

  it('leaves a compliant account untouched: 1 GET, 0 PATCH, decision compliant', async () => {
    const { results } = await world.runtime.pipeline.processBatch([armWriteEvent(OK02)]);
    expect(results.map((r) => r.decision)).toEqual(['compliant', 'compliant']);
    expect(world.serviceRequests().map((r) => r.method)).toEqual(['GET']);
  });

  it('remediates a public container through blobContainers.update', async () => {
    const { results } = await world.runtime.pipeline.processBatch([armWriteEvent(PRESCRIPTIONS)]);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ remediator: 'storage-public-access', decision: 'remediated' });
    expect(properties(PRESCRIPTIONS)['publicAccess']).toBe('None');
  });

  it('costs 0 ARM calls for irrelevant events, failed operations and actions', async () => {
    const vm = `/subscriptions/${SUB}/resourceGroups/rg-pharmacy/providers/Microsoft.Compute/virtualMachines/vm-rx-01`;
    const { results } = await world.runtime.pipeline.processBatch([
      armWriteEvent(vm),
      armWriteEvent(RX01, { eventType: 'Microsoft.Resources.ResourceWriteFailure' }),
      armWriteEvent(RX01, { eventType: 'Microsoft.Resources.ResourceActionSuccess', operationName: 'Microsoft.Storage/storageAccounts/listKeys/action' }),
      armWriteEvent(RX01, { eventType: 'Microsoft.Resources.ResourceDeleteSuccess', operationName: 'Microsoft.Storage/storageAccounts/delete' }),
    ]);
    expect(results.map((r) => r.decision)).toEqual(['skipped', 'skipped', 'skipped', 'skipped']);
    expect(world.serviceRequests()).toEqual([]);
  });

  it('does not write twice for a duplicate delivery (same batch or later)', async () => {
    const event = armWriteEvent(RX01, { id: 'dup-1' });
    await world.runtime.pipeline.processBatch([event, event]);
    await world.runtime.pipeline.processBatch([event]);
    expect(world.serviceRequests('PATCH')).toHaveLength(2); // the two remediators, once
    expect(world.serviceRequests('GET')).toHaveLength(3);
  });

  it("ignores events caused by the service's own identity: 0 ARM calls, recorded as skipped", async () => {
    const { results } = await world.runtime.pipeline.processBatch([armWriteEvent(RX01, { claims: SELF_CLAIMS })]);
    expect(results.every((r) => r.decision === 'skipped' && /own identity/.test(r.reason ?? ''))).toBe(true);
    expect(world.serviceRequests()).toEqual([]);
    expect(results.every((r) => r.auditSeq !== null)).toBe(true);
  });

  it('gives concurrent events for one resource one remediation', async () => {
    const events = Array.from({ length: 6 }, () => armWriteEvent(RX01));
    const { results } = await world.runtime.pipeline.processBatch(events);
    expect(results.filter((r) => r.decision === 'remediated')).toHaveLength(2);
    expect(results.filter((r) => r.decision === 'compliant')).toHaveLength(10);
    expect(world.serviceRequests('PATCH')).toHaveLength(2);
  });

  it('rejects a hostile event with a recorded reason and processes the rest of the batch', async () => {
    const hostile = armWriteEvent(RX01);
    (hostile['data'] as Record<string, unknown>)['resourceUri'] = `${RX01}/../../../other?api-version=2020-01-01`;
    hostile['subject'] = (hostile['data'] as Record<string, unknown>)['resourceUri'];
    const { results } = await world.runtime.pipeline.processBatch([hostile, armWriteEvent(PRESCRIPTIONS)]);
    expect(results[0]).toMatchObject({ decision: 'rejected', remediator: null });
    expect(results[0]?.reason).toMatch(/invalid ARM resource id/);
    expect(results[1]?.decision).toBe('remediated');
    const rejected = (await world.audit()).find((r) => r.kind === 'rejection');
    expect(rejected?.reason).toMatch(/invalid ARM resource id/);
    expect(world.serviceRequests().every((r) => r.path.toLowerCase().startsWith(PRESCRIPTIONS.toLowerCase()))).toBe(true);
  });

  it('rejects events from subscriptions outside its scope without calling ARM', async () => {
    const other = RX01.replace(SUB, '99999999-2222-4333-8444-555555555555');
    const event = armWriteEvent(other);
    (event['data'] as Record<string, unknown>)['subscriptionId'] = '99999999-2222-4333-8444-555555555555';
    const { results } = await world.runtime.pipeline.processBatch([event]);
    expect(results[0]).toMatchObject({ decision: 'rejected' });
    expect(world.serviceRequests()).toEqual([]);
  });

  it('skips (audited) an event for a resource that no longer exists', async () => {
    const gone = `/subscriptions/${SUB}/resourceGroups/rg-pharmacy/providers/Microsoft.Storage/storageAccounts/stdeleted99`;
    const { results } = await world.runtime.pipeline.processBatch([armWriteEvent(gone)]);
    expect(results.map((r) => [r.decision, r.reason])).toEqual([
      ['skipped', 'resource no longer exists'],
      ['skipped', 'resource no longer exists'],
    ]);
    expect(results.every((r) => r.auditSeq !== null)).toBe(true);
  });
});

describe('no PHI, secrets or personal data in the audit', () => {
  afterEach(async () => {
    await world.close();
  });

  it('keeps canaries planted in resource properties and event payloads out of every record and log line', async () => {
    const state = await loadSandboxState(sharedPath('examples', 'storage-state.json'));
    const CANARY = {
      patient: 'PATIENT-CANARY Jane Roe MRN 0012345',
      connection: 'DefaultEndpointsProtocol=https;AccountName=stcanary;AccountKey=Q0FOQVJZ' + 'A'.repeat(80) + '==',
      sas: 'sv=2024-08-04&sig=SASCANARYSIGNATURE',
    };
    for (const resource of state.resources) {
      resource.tags = { ...resource.tags, patient: CANARY.patient, conn: CANARY.connection };
      if (resource.name === 'prescriptions') (resource.properties as Record<string, unknown>)['metadata'] = { note: CANARY.patient };
    }
    world = await startWorld(state);
    const event = armWriteEvent(RX01, { claims: { name: 'Canary Person', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn': 'canary.person@hospital.example', ipaddr: '192.0.2.99' } });
    const data = event['data'] as Record<string, unknown>;
    data['httpRequest'] = { clientRequestId: 'x', clientIpAddress: '192.0.2.98', method: 'PUT', url: `https://management.azure.com${RX01}?api-version=2023-05-01&${CANARY.sas}` };
    data['extra'] = { note: CANARY.patient, connectionString: CANARY.connection };
    await world.runtime.pipeline.processBatch([event, armWriteEvent(PRESCRIPTIONS)]);
    const everything = JSON.stringify(await world.audit()) + world.logLines.join('');
    for (const planted of ['PATIENT-CANARY', 'Q0FOQVJZ', 'SASCANARYSIGNATURE', 'Canary Person', 'canary.person', '192.0.2.9']) {
      expect(everything).not.toContain(planted);
    }
    expect(everything).toContain('remediated');
  });
});

describe('pipeline under ARM faults', () => {
  beforeEach(async () => {
    world = await exampleWorld();
  });
  afterEach(async () => {
    await world.close();
  });

  it('retries a 429 after its Retry-After and then remediates', async () => {
    world.sandbox.faults.inject({ method: 'PATCH', status: 429, retryAfterSeconds: 1, times: 1 });
    const { results } = await world.runtime.pipeline.processBatch([armWriteEvent(RX01)]);
    expect(results.map((r) => r.decision)).toEqual(['remediated', 'remediated']);
    expect(world.serviceRequests('PATCH')).toHaveLength(3);
  });

  it('fails retryably when ARM keeps answering 503: the intent has a failed outcome, nothing half-done is hidden', async () => {
    world.sandbox.faults.inject({ method: 'PATCH', status: 503, times: 100 });
    const { results, summary } = await world.runtime.pipeline.processBatch([armWriteEvent(RX01)]);
    expect(summary.retryable).toBe(true);
    expect(results[0]).toMatchObject({ decision: 'failed', retryable: true });
    const audit = await world.audit();
    const intents = audit.filter((r) => r.kind === 'intent');
    expect(intents.length).toBeGreaterThan(0);
    for (const intent of intents) expect(audit.some((r) => r.kind === 'outcome' && r.intentSeq === intent.seq)).toBe(true);
  });

  it('records a 403 as failed and does not retry it', async () => {
    world.sandbox.faults.inject({ method: 'PATCH', status: 403, code: 'AuthorizationFailed', times: 100 });
    const { results, summary } = await world.runtime.pipeline.processBatch([armWriteEvent(PRESCRIPTIONS)]);
    expect(results[0]).toMatchObject({ decision: 'failed' });
    expect(results[0]?.retryable).toBeUndefined();
    expect(summary.retryable).toBe(false);
    expect(world.serviceRequests('PATCH')).toHaveLength(1);
  });

  it('fails the event without acting when the audit store cannot be written', async () => {
    // A file where the audit directory should be: every append fails, even for root.
    const { writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    await writeFile(join(world.home, 'audit'), 'not a directory');
    const { results, summary } = await world.runtime.pipeline.processBatch([armWriteEvent(RX01)]);
    expect(summary.retryable).toBe(true);
    expect(results[0]).toMatchObject({ decision: 'failed', retryable: true });
    expect(results[0]?.reason).toMatch(/audit store unavailable/);
    expect(world.serviceRequests('PATCH')).toEqual([]);
  });
});

describe('retry budget', () => {
  afterEach(async () => {
    await world.close();
  });

  it('gives up within the per-event budget when Retry-After is longer, failing retryably for redelivery', async () => {
    world = await exampleWorld({ arm: { eventBudgetMs: 1000 } });
    world.sandbox.faults.inject({ method: 'GET', status: 429, retryAfterSeconds: 20, times: 100 });
    const started = Date.now();
    const { results, summary } = await world.runtime.pipeline.processBatch([armWriteEvent(PRESCRIPTIONS)]);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(summary.retryable).toBe(true);
    expect(results[0]).toMatchObject({ decision: 'failed', retryable: true });
    expect(results[0]?.reason).toMatch(/budget/);
  });
});

describe('blast-radius cap', () => {
  afterEach(async () => {
    await world.close();
  });

  it('remediates at most N resources in one batch and alerts on the rest, saying why', async () => {
    world = await exampleWorld({ maxRemediationsPerBatch: 1 });
    const { results } = await world.runtime.pipeline.processBatch([armWriteEvent(RX01), armWriteEvent(PRESCRIPTIONS)]);
    const fixedResources = new Set(results.filter((r) => r.decision === 'remediated').map((r) => r.resourceId));
    expect(fixedResources.size).toBe(1);
    const capped = results.filter((r) => r.decision === 'alerted');
    expect(capped.length).toBeGreaterThan(0);
    for (const r of capped) expect(r.reason).toMatch(/blast-radius cap: this batch already remediated 1 resources/);
  });
});

describe('modes', () => {
  afterEach(async () => {
    await world.close();
  });

  it('alerts with the planned change instead of remediating in alert mode', async () => {
    world = await exampleWorld({ modes: { 'storage-public-access': 'alert' } });
    const { results } = await world.runtime.pipeline.processBatch([armWriteEvent(PRESCRIPTIONS)]);
    expect(results[0]).toMatchObject({ decision: 'alerted', mode: 'alert' });
    expect(results[0]?.changes[0]).toMatchObject({ operation: 'blobContainers.update', body: { publicAccess: 'None' }, apiVersion: '2025-08-01' });
    expect(world.serviceRequests('PATCH')).toEqual([]);
    expect(world.logLines.join('')).toMatch(/ALERT opened high storage-public-access/);
  });

  it('dry run alerts everything it would remediate', async () => {
    world = await exampleWorld({ dryRun: true });
    const { results } = await world.runtime.pipeline.processBatch([armWriteEvent(RX01)]);
    expect(results.map((r) => [r.decision, r.reason])).toEqual([
      ['alerted', 'dry run: would remediate'],
      ['alerted', 'dry run: would remediate'],
    ]);
    expect(world.serviceRequests('PATCH')).toEqual([]);
  });

  it('skips (audited) when the mode is off', async () => {
    world = await exampleWorld({ modes: { 'storage-public-access': 'off' } });
    const { results } = await world.runtime.pipeline.processBatch([armWriteEvent(PRESCRIPTIONS)]);
    expect(results[0]).toMatchObject({ decision: 'skipped', reason: 'mode off (config)' });
  });
});
