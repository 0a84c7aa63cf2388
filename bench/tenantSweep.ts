/**
 * A tenant's sweep, both ways in one run: many subscriptions, each with storage accounts (blob
 * service and containers) and role assignments (some expired), swept once through
 * per-subscription list APIs and once through Resource Graph, each against its own fresh
 * sandbox with the same state. Counts every request by kind, so the ratio says where calls go.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseSandboxState, startSandbox, type ArmResource, type SandboxState } from '../sandbox/index.js';
import { SANDBOX_SERVICE_IDENTITY, sandboxConnection } from '../shared/arm/sandboxConnection.js';
import { createRuntime } from '../shared/composition.js';
import { buildConfig } from '../shared/config.js';
import { createLogger } from '../shared/log.js';
import { compliantAccount } from './sweep.js';

const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';

export interface TenantShape {
  subscriptions: number;
  accountsPerSubscription: number;
  containersPerAccount: number;
  assignmentsPerSubscription: number;
  /** One assignment in this many is past its expiry (10: a first sweep; 200: a tenant kept compliant). */
  expiredOneIn: number;
}

export interface SweepRun {
  source: 'list-apis' | 'resource-graph' | 'auto';
  seconds: number;
  resources: number;
  /** Requests by kind: Resource Graph queries, ARM reads, ARM writes, Microsoft Graph. */
  calls: { resourceGraph: number; armReads: number; armWrites: number; graph: number; total: number };
  remediated: number;
  reread: number;
  throttledWaitMs: number;
  /** ARM answers 429 (the SDK waited their Retry-After). */
  armThrottled: number;
}

function guid(prefix: number, i: number): string {
  return `${prefix.toString(16).padStart(8, '0')}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
}

/** Resources per subscription = accounts × (1 + 1 blob service + containers) + assignments. */
export function tenantState(shape: TenantShape): SandboxState {
  const resources: ArmResource[] = [];
  const directory: { id: string; '@odata.type': string }[] = [];
  for (let s = 0; s < shape.subscriptions; s++) {
    const sub = guid(0xbe000000 + s, 0);
    for (let a = 0; a < shape.accountsPerSubscription; a++) {
      const id = `/subscriptions/${sub}/resourceGroups/rg-${a % 5}/providers/Microsoft.Storage/storageAccounts/st${s.toString(36)}x${a.toString(36)}`;
      resources.push(...compliantAccount(id));
      for (let c = 0; c < shape.containersPerAccount; c++) {
        resources.push({ id: `${id}/blobServices/default/containers/data${c}`, name: `data${c}`, type: 'Microsoft.Storage/storageAccounts/blobServices/containers', properties: { publicAccess: 'None' } });
      }
    }
    for (let i = 0; i < shape.assignmentsPerSubscription; i++) {
      const principal = guid(0xa0000000 + s, i);
      resources.push({
        id: `/subscriptions/${sub}/providers/Microsoft.Authorization/roleAssignments/${guid(0xc0000000 + s, i)}`,
        name: guid(0xc0000000 + s, i),
        type: 'Microsoft.Authorization/roleAssignments',
        properties: {
          roleDefinitionId: `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${READER}`,
          principalId: principal,
          principalType: 'User',
          scope: `/subscriptions/${sub}`,
          ...(i % shape.expiredOneIn === 0 ? { description: 'expires=2026-01-01' } : {}),
          createdOn: '2026-01-01T00:00:00.0000000Z',
        },
      });
      directory.push({ id: principal, '@odata.type': '#microsoft.graph.user' });
    }
  }
  return parseSandboxState({ resources, directory });
}

export function subscriptionsOf(shape: TenantShape): string[] {
  return Array.from({ length: shape.subscriptions }, (_, s) => guid(0xbe000000 + s, 0));
}

export interface SweepConditions {
  /** Azure's documented limits in force: ARM's token buckets per subscription and principal, Resource Graph's quota (15 queries per 5 s per user). */
  documentedLimits: boolean;
  /** Added to every ARM and Resource Graph answer: the sandbox answers in well under a millisecond, Azure does not. */
  latencyMs: number;
}

/** One sweep of `state` through `source`, against its own fresh sandbox. */
export async function sweepTenant(state: SandboxState, subscriptions: readonly string[], source: SweepRun['source'], conditions: SweepConditions): Promise<SweepRun> {
  const sandbox = await startSandbox({ state, pageSize: 1000, ...(conditions.documentedLimits ? {} : { throttling: false, resourceGraphQuota: false }) });
  try {
    if (conditions.latencyMs > 0) sandbox.faults.inject({ pathPattern: /^\/(subscriptions|providers)\//i, status: 0, delayMs: conditions.latencyMs, times: Number.MAX_SAFE_INTEGER });
    const runtime = await createRuntime({
      home: await mkdtemp(join(tmpdir(), 'hipaa-bench-tenant-')),
      // No audit workspace here: diagnostic settings are listed per blob service but not judged.
      config: {
        ...buildConfig({ maxRemediationsPerBatch: 100_000, modes: { 'diagnostic-settings': 'off' }, scope: { subscriptions: [...subscriptions], sweepSource: source } }, {}),
        selfIds: new Set([SANDBOX_SERVICE_IDENTITY.objectId]),
      },
      arm: sandboxConnection(sandbox.url, sandbox.ca),
      log: createLogger({ level: 'silent' }),
    });
    sandbox.clearRequests();
    const start = performance.now();
    const outcome = await runtime.pipeline.sweep(`bench-${source}`);
    const seconds = (performance.now() - start) / 1000;
    await runtime.audit.close();
    const calls = { resourceGraph: 0, armReads: 0, armWrites: 0, graph: 0, total: 0 };
    let armThrottled = 0;
    for (const request of sandbox.requests) {
      calls.total += 1;
      if (request.status === 429 && !/ResourceGraph/i.test(request.path)) armThrottled += 1;
      if (/\/providers\/Microsoft\.ResourceGraph\//i.test(request.path)) calls.resourceGraph += 1;
      else if (/^\/v1\.0\//.test(request.path)) calls.graph += 1;
      else if (request.method === 'GET') calls.armReads += 1;
      else calls.armWrites += 1;
    }
    return {
      source,
      seconds: +seconds.toFixed(2),
      resources: outcome.resources,
      calls,
      remediated: outcome.summary.remediated,
      reread: outcome.sweep.reread,
      throttledWaitMs: Math.round(runtime.arm.graphStats.waitedMs),
      armThrottled,
    };
  } finally {
    await sandbox.close();
  }
}
