/**
 * Several pipeline instances (Function instances scaled out) receive the same change at the
 * same moment. Where ARM offers an etag, If-Match makes exactly one of them write: the others
 * get 412, re-read, and find the resource compliant.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSandboxState, startSandbox } from '../../sandbox/index.js';
import { SANDBOX_SERVICE_IDENTITY, sandboxConnection } from '../../shared/arm/sandboxConnection.js';
import { createRuntime } from '../../shared/composition.js';
import { buildConfig } from '../../shared/config.js';
import { createLogger } from '../../shared/log.js';
import { armWriteEvent, SUB } from '../helpers/events.js';

const ACCOUNT = `/subscriptions/${SUB}/resourceGroups/rg-shared-logs/providers/Microsoft.Storage/storageAccounts/stauditlogs01`;
const CONTAINER = `${ACCOUNT}/blobServices/default/containers/insights-logs-auditevent`;

describe('concurrent instances', () => {
  it('three instances extending the same locked policy: one POST succeeds (If-Match), the others re-read and find it compliant', async () => {
    const sandbox = await startSandbox({
      throttling: false,
      state: parseSandboxState({
        resources: [
          { id: ACCOUNT, name: 'stauditlogs01', type: 'Microsoft.Storage/storageAccounts', location: 'eastus2', kind: 'StorageV2', properties: {} },
          { id: CONTAINER, name: 'insights-logs-auditevent', type: 'Microsoft.Storage/storageAccounts/blobServices/containers', properties: { publicAccess: 'None' } },
          { id: `${CONTAINER}/immutabilityPolicies/default`, name: 'default', type: 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies', etag: '"8d9f0c0a1b2c3d4"', properties: { immutabilityPeriodSinceCreationInDays: 365, state: 'Locked', allowProtectedAppendWrites: true } },
        ],
      }),
    });
    const config = { ...buildConfig({}, {}), selfIds: new Set([SANDBOX_SERVICE_IDENTITY.objectId, SANDBOX_SERVICE_IDENTITY.appId]) };
    const instances = await Promise.all(
      [1, 2, 3].map(async () =>
        createRuntime({ home: await mkdtemp(join(tmpdir(), 'hipaa-instance-')), config, arm: sandboxConnection(sandbox.url, sandbox.ca), log: createLogger({ level: 'silent' }), subscriptions: new Set([SUB]) }),
      ),
    );
    try {
      // Each instance gets its own delivery of the same event (at-least-once across instances).
      const event = armWriteEvent(CONTAINER, { id: 'same-change' });
      const outcomes = await Promise.all(instances.map((runtime) => runtime.pipeline.processBatch([event])));
      const decisions = outcomes.map(({ results }) => results.find((r) => r.remediator === 'audit-retention')?.decision).sort();
      expect(decisions).toEqual(['compliant', 'compliant', 'remediated']);
      const extends_ = sandbox.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/extend'));
      expect(extends_.filter((r) => r.status === 200)).toHaveLength(1);
      expect(extends_.filter((r) => r.status === 412).length).toBe(extends_.length - 1);
      const policy = sandbox.snapshot().resources.find((r) => r.id.endsWith('/immutabilityPolicies/default'));
      expect(policy?.properties).toMatchObject({ immutabilityPeriodSinceCreationInDays: 2190, state: 'Locked' });
    } finally {
      await Promise.all(instances.map((runtime) => runtime.audit.close()));
      await sandbox.close();
    }
  });
});
