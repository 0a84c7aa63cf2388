/**
 * Sweep time against the sandbox for growing subscriptions: storage accounts (one in five with
 * a public container) and role assignments (one in ten expired), all through list APIs.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseSandboxState, startSandbox, type ArmResource } from '../sandbox/index.js';
import { SANDBOX_SERVICE_IDENTITY, sandboxConnection } from '../shared/arm/sandboxConnection.js';
import { createRuntime } from '../shared/composition.js';
import { buildConfig } from '../shared/config.js';
import { createLogger } from '../shared/log.js';

const SUB = '22222222-3333-4444-8555-666666666666';
const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';

function guid(i: number): string {
  const hex = i.toString(16).padStart(12, '0');
  return `0000beef-0000-4000-8000-${hex}`;
}

/**
 * A compliant account and its protected blob service: the sweep's cost is listing and judging
 * them, as in a subscription kept compliant.
 */
export function compliantAccount(id: string): ArmResource[] {
  return [
    { id, name: id.split('/').at(-1)!, type: 'Microsoft.Storage/storageAccounts', location: 'eastus2', kind: 'StorageV2', properties: { allowBlobPublicAccess: false, supportsHttpsTrafficOnly: true, minimumTlsVersion: 'TLS1_2' } },
    {
      id: `${id}/blobServices/default`,
      name: 'default',
      type: 'Microsoft.Storage/storageAccounts/blobServices',
      properties: { deleteRetentionPolicy: { enabled: true, days: 30 }, containerDeleteRetentionPolicy: { enabled: true, days: 30 }, isVersioningEnabled: true },
    },
  ];
}

function state(accounts: number, assignments: number) {
  const resources: ArmResource[] = [];
  for (let i = 0; i < accounts; i++) {
    const id = `/subscriptions/${SUB}/resourceGroups/rg-${i % 20}/providers/Microsoft.Storage/storageAccounts/st${String(i).padStart(8, '0')}`;
    resources.push(...compliantAccount(id));
    if (i % 5 === 0) {
      resources.push({ id: `${id}/blobServices/default/containers/data`, name: 'data', type: 'Microsoft.Storage/storageAccounts/blobServices/containers', properties: { publicAccess: 'None' } });
    }
  }
  for (let i = 0; i < assignments; i++) {
    const name = guid(i);
    resources.push({
      id: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleAssignments/${name}`,
      name,
      type: 'Microsoft.Authorization/roleAssignments',
      properties: {
        roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${READER}`,
        principalId: guid(1_000_000 + i),
        principalType: 'User',
        scope: `/subscriptions/${SUB}`,
        ...(i % 10 === 0 ? { description: 'expires=2026-01-01' } : {}),
        createdOn: '2026-01-01T00:00:00.0000000Z',
      },
    });
  }
  return parseSandboxState({ resources, directory: Array.from({ length: assignments }, (_, i) => ({ id: guid(1_000_000 + i), '@odata.type': '#microsoft.graph.user' })) });
}

export async function benchSweep(accounts: number, assignments: number, source: 'list-apis' | 'resource-graph' = 'list-apis'): Promise<{ resources: number; seconds: number; armCalls: number; revoked: number }> {
  const sandbox = await startSandbox({ state: state(accounts, assignments), throttling: false, pageSize: 1000, resourceGraphQuota: false });
  try {
    const runtime = await createRuntime({
      home: await mkdtemp(join(tmpdir(), 'hipaa-bench-sweep-')),
      // No audit workspace in this subscription: diagnostic settings are listed per blob service but not judged.
      config: { ...buildConfig({ maxRemediationsPerBatch: 100_000, modes: { 'diagnostic-settings': 'off' }, scope: { sweepSource: source } }, {}), selfIds: new Set([SANDBOX_SERVICE_IDENTITY.objectId]) },
      arm: sandboxConnection(sandbox.url, sandbox.ca),
      log: createLogger({ level: 'silent' }),
      subscriptions: new Set([SUB]),
    });
    sandbox.clearRequests();
    const start = performance.now();
    const outcome = await runtime.pipeline.sweep('bench');
    const seconds = (performance.now() - start) / 1000;
    await runtime.audit.close();
    return { resources: outcome.resources, seconds: +seconds.toFixed(2), armCalls: sandbox.requests.length, revoked: outcome.summary.remediated };
  } finally {
    await sandbox.close();
  }
}
