/**
 * `npm run bench`: what one event costs, measured against the sandbox in one run with its
 * baseline beside it (ratios survive a noisy machine better than absolute numbers).
 *   - ARM calls per event: irrelevant / compliant / remediated (counted at the sandbox)
 *   - per-event latency through the pipeline vs the bare SDK GET(+PATCH) it needs
 *   - intake (parse + validate + route) throughput on a realistic mix, events/s on one core
 * Writes bench/results.json. `-- --quick` for a short run.
 */
import { StorageManagementClient } from '@azure/arm-storage';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { REMEDIATORS } from '../remediators/index.js';
import { healthcareSubscription, HEALTHCARE_SUBSCRIPTION_ID, sandboxCredential, startSandbox } from '../sandbox/index.js';
import { SANDBOX_SERVICE_IDENTITY, sandboxConnection } from '../shared/arm/sandboxConnection.js';
import { createRuntime } from '../shared/composition.js';
import { buildConfig } from '../shared/config.js';
import { parseEventBatch } from '../shared/events.js';
import { createLogger } from '../shared/log.js';
import { routeEvent } from '../shared/router.js';
import { FileSegmentStore } from '../shared/audit/fileSegments.js';
import { BlobSegmentStore, containerClientFromConnectionString, ensureContainer } from '../shared/audit/blobSegments.js';
import { startAzurite } from '../sandbox/azurite.js';
import { LocalSigner, localPublicKeys } from '../shared/audit/signer.js';
import { benchAudit } from './audit.js';

const quick = process.argv.includes('--quick');
const ITERATIONS = quick ? 30 : 200;
const SUB = HEALTHCARE_SUBSCRIPTION_ID;
const RG = 'rg-clinical';
const ACCOUNT = 'stclinicalehr01';
const ACCOUNT_ID = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Storage/storageAccounts/${ACCOUNT}`;
const VM_ID = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines/vm-ehr-01`;
const USER = { objectId: '4b8d2f6a-1c3e-45a7-b9d0-e2f4a6c8b1d3', appId: '04b07795-8ddb-461a-bbee-02f9e1bf7b46', principalType: 'User' as const };

let counter = 0;
function event(resourceId: string, operationName: string): Record<string, unknown> {
  counter += 1;
  return {
    id: `bench-${counter}`,
    topic: `/subscriptions/${SUB}`,
    subject: resourceId,
    eventType: 'Microsoft.Resources.ResourceWriteSuccess',
    eventTime: new Date().toISOString(),
    dataVersion: '2',
    metadataVersion: '1',
    data: {
      authorization: { scope: resourceId, action: operationName, evidence: { principalId: USER.objectId.replace(/-/g, ''), principalType: 'User' } },
      claims: { appid: USER.appId, 'http://schemas.microsoft.com/identity/claims/objectidentifier': USER.objectId, idtyp: 'user', name: 'Bench User' },
      correlationId: `c-${counter}`,
      resourceProvider: operationName.split('/')[0],
      resourceUri: resourceId,
      operationName,
      status: 'Succeeded',
      subscriptionId: SUB,
      tenantId: '0f5e8c2a-9b7d-4e31-a6c4-5d8f2e1b3a79',
    },
  };
}

function stats(samples: number[]): { median: number; p95: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { median: at(0.5), p95: at(0.95), mean: samples.reduce((a, b) => a + b, 0) / Math.max(1, samples.length) };
}

async function main(): Promise<void> {
  // ARM's throttling buckets would measure the sandbox's rate limit, not the service.
  const sandbox = await startSandbox({ state: healthcareSubscription(), throttling: false });
  const home = await mkdtemp(join(tmpdir(), 'hipaa-bench-'));
  const base = buildConfig({}, {});
  const runtime = await createRuntime({
    home,
    config: { ...base, selfIds: new Set([SANDBOX_SERVICE_IDENTITY.objectId]) },
    arm: sandboxConnection(sandbox.url, sandbox.ca),
    log: createLogger({ level: 'silent' }),
    subscriptions: new Set([SUB]),
  });
  const user = new StorageManagementClient(sandboxCredential(USER), SUB, { endpoint: sandbox.url, tlsOptions: { ca: sandbox.ca }, apiVersion: '2025-08-01' });
  const service = new StorageManagementClient(sandboxConnection(sandbox.url, sandbox.ca).credential, SUB, { endpoint: sandbox.url, tlsOptions: { ca: sandbox.ca }, apiVersion: '2025-08-01' });
  const serviceCalls = () => sandbox.requests.filter((r) => r.callerObjectId === SANDBOX_SERVICE_IDENTITY.objectId).length;

  // Warm up connections and JIT.
  for (let i = 0; i < 10; i++) await runtime.pipeline.processBatch([event(ACCOUNT_ID, 'Microsoft.Storage/storageAccounts/write')]);

  const measure = async (label: string, prepare: () => Promise<unknown>, work: () => Promise<unknown>) => {
    const samples: number[] = [];
    let calls = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      await prepare();
      const before = serviceCalls();
      const start = performance.now();
      await work();
      samples.push(performance.now() - start);
      calls += serviceCalls() - before;
    }
    return { label, ...stats(samples), armCallsPerEvent: calls / ITERATIONS };
  };

  const irrelevant = await measure('irrelevant event (VM write)', async () => undefined, () => runtime.pipeline.processBatch([event(VM_ID, 'Microsoft.Compute/virtualMachines/write')]));
  const compliant = await measure('compliant account', async () => undefined, () => runtime.pipeline.processBatch([event(ACCOUNT_ID, 'Microsoft.Storage/storageAccounts/write')]));
  const remediated = await measure(
    'remediated account (1 property)',
    () => user.storageAccounts.update(RG, ACCOUNT, { allowBlobPublicAccess: true }),
    () => runtime.pipeline.processBatch([event(ACCOUNT_ID, 'Microsoft.Storage/storageAccounts/write')]),
  );
  const rawGet = await measure('baseline: bare SDK GET', async () => undefined, () => service.storageAccounts.getProperties(RG, ACCOUNT));
  const rawGetPatch = await measure(
    'baseline: bare SDK GET + PATCH',
    () => user.storageAccounts.update(RG, ACCOUNT, { allowBlobPublicAccess: true }),
    async () => {
      await service.storageAccounts.getProperties(RG, ACCOUNT);
      await service.storageAccounts.update(RG, ACCOUNT, { allowBlobPublicAccess: false });
    },
  );

  // Intake: parse, validate and route a realistic mix (most events concern no remediator).
  const mix = Array.from({ length: 5000 }, (_, i) => (i % 10 === 0 ? event(ACCOUNT_ID, 'Microsoft.Storage/storageAccounts/write') : event(`${VM_ID}${i}`, 'Microsoft.Compute/virtualMachines/write')));
  const body = JSON.stringify(mix);
  const rounds = quick ? 5 : 20;
  const intakeStart = performance.now();
  let routed = 0;
  for (let r = 0; r < rounds; r++) {
    for (const parsed of parseEventBatch(JSON.parse(body) as unknown)) if (parsed.ok) routed += routeEvent(parsed.event, REMEDIATORS).length;
  }
  const intakeSeconds = (performance.now() - intakeStart) / 1000;
  const intakeRate = Math.round((rounds * mix.length) / intakeSeconds);

  await runtime.audit.close();
  await sandbox.close();

  const auditHome = await mkdtemp(join(tmpdir(), 'hipaa-bench-audit-'));
  const localAudit = await benchAudit(
    'local files',
    new FileSegmentStore(join(auditHome, 'chain')),
    new FileSegmentStore(join(auditHome, 'heads')),
    await LocalSigner.inDirectory(join(auditHome, 'keys')),
    await localPublicKeys(join(auditHome, 'keys')),
    quick ? 5_000 : 50_000,
  );

  const azurite = await startAzurite();
  let blobAudit;
  try {
    const container = containerClientFromConnectionString(azurite.connectionString, 'audit-bench');
    await ensureContainer(container);
    blobAudit = await benchAudit(
      'append blobs (Azurite)',
      new BlobSegmentStore(container, 'audit/'),
      new BlobSegmentStore(container, 'heads/'),
      await LocalSigner.inDirectory(join(auditHome, 'keys')),
      await localPublicKeys(join(auditHome, 'keys')),
      quick ? 5_000 : 50_000,
    );
  } finally {
    await azurite.stop();
  }

  const rows = [irrelevant, compliant, remediated, rawGet, rawGetPatch];
  const results = {
    node: process.version,
    iterations: ITERATIONS,
    latencyMs: rows.map((r) => ({ case: r.label, median: +r.median.toFixed(2), p95: +r.p95.toFixed(2), armCallsPerEvent: +r.armCallsPerEvent.toFixed(2) })),
    ratios: {
      compliantVsBareGet: +(compliant.median / rawGet.median).toFixed(2),
      remediatedVsBareGetPatch: +(remediated.median / rawGetPatch.median).toFixed(2),
    },
    intake: { eventsPerSecond: intakeRate, routedPerRound: routed / rounds, mix: '10% storage accounts, 90% other resource types' },
    audit: [localAudit, blobAudit],
  };
  console.table(results.latencyMs);
  console.log('ratios (pipeline / bare SDK, median):', results.ratios);
  console.log(`intake (JSON.parse + validate + route), one core: ${intakeRate.toLocaleString('en-US')} events/s`);
  console.table(results.audit);
  await writeFile(join(process.cwd(), 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
