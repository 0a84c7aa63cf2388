/**
 * The report over the Azure audit store: append blobs on Azurite, heads signed by a Key Vault
 * key in the sandbox, read back with the public key only — and the same selection by app
 * settings as `audit verify`.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyClient } from '@azure/keyvault-keys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REMEDIATORS } from '../../../remediators/index.js';
import { loadSandboxState, startSandbox } from '../../../sandbox/index.js';
import { startAzurite, type Azurite } from '../../../sandbox/azurite.js';
import { SANDBOX_SERVICE_IDENTITY, sandboxConnection } from '../../../shared/arm/sandboxConnection.js';
import { openAzureAudit } from '../../../shared/audit/azure.js';
import { containerClientFromConnectionString, ensureContainer } from '../../../shared/audit/blobSegments.js';
import { createRuntime } from '../../../shared/composition.js';
import { buildConfig } from '../../../shared/config.js';
import { createLogger } from '../../../shared/log.js';
import { FileModeStore } from '../../../shared/modes/fileStore.js';
import { azureReportSource } from '../../../shared/report/azureSource.js';
import { buildReport } from '../../../shared/report/build.js';
import { configuredReportSource } from '../../../shared/report/source.js';
import { readSharedJson, sharedPath } from '../../helpers/fixtures.js';

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite.stop();
});

describe('report over the Azure audit store', () => {
  it('reads the append blobs and checks the newest head with the Key Vault public key', async () => {
    const sandbox = await startSandbox({ state: await loadSandboxState(sharedPath('examples', 'storage-state.json')), keys: [{ name: 'audit-signing' }] });
    try {
      const kvOptions = { tlsOptions: { ca: sandbox.ca }, disableChallengeResourceVerification: true };
      const credential = sandboxConnection(sandbox.url, sandbox.ca).credential;
      const key = await new KeyClient(sandbox.keyVaultUrl, credential, kvOptions).getKey('audit-signing');
      const container = containerClientFromConnectionString(azurite.connectionString, `audit-${randomUUID().slice(0, 8)}`);
      await ensureContainer(container);
      const options = { container, keyId: key.id!, credential, keyVaultOptions: kvOptions };
      const home = await mkdtemp(join(tmpdir(), 'hipaa-az-report-'));
      const base = buildConfig({}, {});
      const runtime = await createRuntime({
        home,
        config: { ...base, selfIds: new Set([SANDBOX_SERVICE_IDENTITY.objectId]) },
        arm: sandboxConnection(sandbox.url, sandbox.ca),
        log: createLogger({ level: 'silent' }),
        audit: openAzureAudit(options, { checkpointEvery: { records: 1, ms: 0 } }),
      });
      await runtime.pipeline.processBatch(readSharedJson('examples', 'storage-events.json'));
      await runtime.audit.close();

      const data = await buildReport({ source: azureReportSource(options), modeStore: FileModeStore.inHome(home), config: base, remediators: REMEDIATORS }, {});
      expect(data.store).toEqual({ kind: 'azure', location: container.url });
      expect(data.chain).toMatchObject({ ok: true, lastSignedSeq: data.chain.lastSeq, head: { seq: data.chain.lastSeq, keyId: key.id, signature: 'valid', matchesChain: true } });
      expect(data.totals.remediated).toBe(3);
    } finally {
      await sandbox.close();
    }
  });

  it('is selected by the same app settings as audit verify', async () => {
    const home = await mkdtemp(join(tmpdir(), 'hipaa-az-report-'));
    const credential = { getToken: () => Promise.resolve(null) };
    expect((await configuredReportSource({}, home, credential)).kind).toBe('local');
    expect((await configuredReportSource({ HIPAA_REMEDIATOR_AUDIT_CONTAINER_URL: 'https://st.blob.core.windows.net/audit' }, home, credential)).kind).toBe('local');
    const azure = await configuredReportSource({ HIPAA_REMEDIATOR_AUDIT_CONTAINER_URL: 'https://st.blob.core.windows.net/audit?sig=secret', HIPAA_REMEDIATOR_AUDIT_KEY_ID: 'https://kv.vault.azure.net/keys/audit/1' }, home, credential);
    expect(azure).toMatchObject({ kind: 'azure', location: 'https://st.blob.core.windows.net/audit' });
  });
});
