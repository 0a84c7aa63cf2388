/**
 * The Azure audit configuration end to end: append blobs on Azurite, chain heads signed by a
 * Key Vault key in the sandbox (real CryptographyClient), the pipeline writing through it, and
 * a verifier that holds only the public key. Then the audit backend is cut off mid-batch.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyClient } from '@azure/keyvault-keys';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { healthcareSubscription, loadSandboxState, startSandbox, type Sandbox, type SandboxState } from '../../../sandbox/index.js';
import { SANDBOX_SERVICE_IDENTITY, sandboxConnection } from '../../../shared/arm/sandboxConnection.js';
import { containerClientFromConnectionString, ensureContainer } from '../../../shared/audit/blobSegments.js';
import { openAzureAudit, verifyAzureAudit, type AzureAuditOptions } from '../../../shared/audit/azure.js';
import type { AuditRecord } from '../../../shared/audit/record.js';
import { BlobSegmentStore } from '../../../shared/audit/blobSegments.js';
import { createRuntime, type Runtime } from '../../../shared/composition.js';
import { buildConfig } from '../../../shared/config.js';
import { createLogger } from '../../../shared/log.js';
import { startAzurite, type Azurite } from '../../../sandbox/azurite.js';
import { armWriteEvent } from '../../helpers/events.js';
import { sharedPath } from '../../helpers/fixtures.js';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcpProxy.js';

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite.stop();
});

interface Setup {
  sandbox: Sandbox;
  runtime: Runtime;
  options: AzureAuditOptions;
  /** Reads the audit straight from Azurite, around any proxy. */
  direct: AzureAuditOptions;
  proxy: TcpProxy;
}

let setup: Setup | undefined;
afterEach(async () => {
  await setup?.proxy.close();
  await setup?.sandbox.close();
  setup = undefined;
});

async function start(state: SandboxState): Promise<Setup> {
  const sandbox = await startSandbox({ state, keys: [{ name: 'audit-signing' }] });
  const kvOptions = { tlsOptions: { ca: sandbox.ca }, disableChallengeResourceVerification: true };
  const credential = sandboxConnection(sandbox.url, sandbox.ca).credential;
  const key = await new KeyClient(sandbox.keyVaultUrl, credential, kvOptions).getKey('audit-signing');
  const containerName = `audit-${randomUUID().slice(0, 8)}`;
  const proxy = await startTcpProxy(Number(new URL(azurite.blobEndpoint).port));
  const viaProxy = azurite.connectionString.replace(azurite.blobEndpoint, azurite.blobEndpoint.replace(/:\d+\//, `:${proxy.port}/`));
  // Few, fast retries: a dead backend must fail the event quickly, not after the SDK's default back-off.
  const container = containerClientFromConnectionString(viaProxy, containerName, { retryOptions: { maxTries: 2, retryDelayInMs: 20, maxRetryDelayInMs: 50 } });
  await ensureContainer(container);
  const options: AzureAuditOptions = { container, keyId: key.id!, credential, keyVaultOptions: kvOptions };
  const direct: AzureAuditOptions = { ...options, container: containerClientFromConnectionString(azurite.connectionString, containerName) };
  const base = buildConfig({ arm: { maxRetries: 1, eventBudgetMs: 10_000 } }, {});
  const runtime = await createRuntime({
    home: await mkdtemp(join(tmpdir(), 'hipaa-az-')),
    config: { ...base, selfIds: new Set([SANDBOX_SERVICE_IDENTITY.objectId]) },
    arm: sandboxConnection(sandbox.url, sandbox.ca),
    log: createLogger({ level: 'silent' }),
    audit: openAzureAudit(options, { checkpointEvery: { records: 1, ms: 0 } }),
  });
  return { sandbox, runtime, options, direct, proxy };
}

async function records(options: AzureAuditOptions): Promise<AuditRecord[]> {
  const store = new BlobSegmentStore(options.container, 'audit/');
  const out: AuditRecord[] = [];
  for (const segment of await store.list()) {
    for (const line of (await store.read(segment)).split('\n')) if (line.length > 0) out.push(JSON.parse(line) as AuditRecord);
  }
  return out;
}

describe('audit in the Azure configuration', () => {
  it('records remediations on append blobs with heads signed in Key Vault, verifiable with the public key only', async () => {
    setup = await start(await loadSandboxState(sharedPath('examples', 'storage-state.json')));
    const events = (await import('../../helpers/fixtures.js')).readSharedJson('examples', 'storage-events.json');
    const { summary } = await setup.runtime.pipeline.processBatch(events);
    expect(summary.remediated).toBe(3);
    await setup.runtime.audit.close();
    const stored = await records(setup.direct);
    const intents = stored.filter((r) => r.kind === 'intent');
    expect(intents).toHaveLength(3);
    for (const intent of intents) {
      const outcome = stored.find((r) => r.kind === 'outcome' && r.intentSeq === intent.seq);
      expect(outcome?.outcome).toBe('succeeded');
      expect(outcome!.seq).toBeGreaterThan(intent.seq);
    }
    const report = await verifyAzureAudit(setup.direct);
    expect(report).toMatchObject({ ok: true, lastSignedSeq: report.lastSeq });
    expect(report.signedHeads).toBeGreaterThan(0);
    const heads = await new BlobSegmentStore(setup.direct.container, 'heads/').read((await new BlobSegmentStore(setup.direct.container, 'heads/').list())[0]!);
    expect(heads).toContain(setup.options.keyId);
    // The vault really signed: the sandbox saw sign operations on the key.
    expect(setup.sandbox.requests.some((r) => r.method === 'POST' && /\/keys\/audit-signing\/[0-9a-f]+\/sign/.test(r.path))).toBe(true);
  });

  it('cut off mid-batch: no ARM write without its intent on storage, and the batch fails for redelivery', async () => {
    setup = await start(healthcareSubscription());
    const s = setup;
    const targets = s.sandbox
      .snapshot()
      .resources.filter((r) => r.type === 'Microsoft.Storage/storageAccounts' || r.type === 'Microsoft.Storage/storageAccounts/blobServices/containers')
      .map((r) => r.id);
    let cutAt: number | undefined;
    s.sandbox.onChange((change) => {
      if (cutAt === undefined && change.caller.objectId === SANDBOX_SERVICE_IDENTITY.objectId) {
        cutAt = Date.now();
        s.proxy.cut();
      }
    });
    const { results, summary } = await s.runtime.pipeline.processBatch(targets.map((id) => armWriteEvent(id)));
    expect(cutAt).toBeDefined();
    expect(summary.retryable).toBe(true);
    expect(results.some((r) => r.decision === 'failed' && r.retryable === true && /audit store unavailable/.test(r.reason ?? ''))).toBe(true);

    const patches = s.sandbox.requests.filter((r) => r.method === 'PATCH' && r.callerObjectId === SANDBOX_SERVICE_IDENTITY.objectId && r.status === 200);
    expect(patches.length).toBeGreaterThan(0);
    const intents = (await records(s.direct)).filter((r) => r.kind === 'intent');
    for (const patch of patches) {
      expect(intents.some((i) => patch.path.toLowerCase() === i.resourceId?.toLowerCase()), patch.path).toBe(true);
    }
    // What did reach storage is still one intact history.
    const report = await verifyAzureAudit(s.direct);
    expect(report.problem?.kind === undefined || report.problem.kind === 'truncated').toBe(true);
  });
});
