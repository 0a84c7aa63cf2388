/**
 * Reliability under faults: a subscription drifting through many events while ARM throttles,
 * fails, drops connections and answers slowly, delivered at least once and out of order the
 * way Event Grid does (a batch answered "retryable" is delivered again). What must hold:
 * - 0 lost: every event ends remediated, alerted, compliant, skipped or rejected;
 * - 0 unaudited: every ARM write the sandbox served has an intent before it and an outcome after;
 * - 0 duplicates: no resource is written twice for one change.
 * Quick profile by default (CI); HIPAA_RELIABILITY_EVENTS=10000 for the long one.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { parseSandboxState, type ArmResource } from '../../sandbox/index.js';
import { SANDBOX_SERVICE_IDENTITY } from '../../shared/arm/sandboxConnection.js';
import type { AuditRecord } from '../../shared/audit/record.js';
import type { ChangeResult } from '../../shared/result.js';
import { armWriteEvent, SELF_CLAIMS, SUB } from '../helpers/events.js';
import { startWorld, type World } from '../helpers/world.js';

const EVENTS = Number(process.env['HIPAA_RELIABILITY_EVENTS'] ?? 1000);
const ACCOUNTS = Math.max(20, Math.round(EVENTS / 10));
const BATCH = 10;
const MAX_DELIVERIES = 12;

/** A deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const accountId = (i: number) => `/subscriptions/${SUB}/resourceGroups/rg-${i % 7}/providers/Microsoft.Storage/storageAccounts/strel${String(i).padStart(6, '0')}`;
const containerId = (i: number) => `${accountId(i)}/blobServices/default/containers/data`;

function subscription(): ArmResource[] {
  const resources: ArmResource[] = [];
  for (let i = 0; i < ACCOUNTS; i++) {
    const drifted = i % 3 === 0;
    resources.push({
      id: accountId(i),
      name: accountId(i).split('/').at(-1)!,
      type: 'Microsoft.Storage/storageAccounts',
      location: 'eastus2',
      kind: 'StorageV2',
      properties: { allowBlobPublicAccess: drifted, supportsHttpsTrafficOnly: i % 5 !== 0, minimumTlsVersion: i % 4 === 0 ? 'TLS1_0' : 'TLS1_2' },
    });
    resources.push({ id: containerId(i), name: 'data', type: 'Microsoft.Storage/storageAccounts/blobServices/containers', properties: { publicAccess: i % 6 === 0 ? 'Blob' : 'None' } });
  }
  return resources;
}

/** The mixed stream: writes (many duplicated), events for resources that never existed, deletes before writes, the service's own echoes, invalid events. */
function stream(next: () => number): unknown[] {
  const events: unknown[] = [];
  while (events.length < EVENTS) {
    const i = Math.floor(next() * ACCOUNTS);
    const roll = next();
    const target = roll < 0.5 ? accountId(i) : containerId(i);
    if (roll < 0.7) events.push(armWriteEvent(target));
    else if (roll < 0.8) events.push(armWriteEvent(`/subscriptions/${SUB}/resourceGroups/rg-gone/providers/Microsoft.Storage/storageAccounts/stgone${i}`));
    else if (roll < 0.85) events.push(armWriteEvent(accountId(i), { eventType: 'Microsoft.Resources.ResourceDeleteSuccess', operationName: 'Microsoft.Storage/storageAccounts/delete' }));
    else if (roll < 0.9) events.push(armWriteEvent(target, { claims: SELF_CLAIMS }));
    else if (roll < 0.95) events.push({ ...armWriteEvent(target), subject: `${target}/../../../../etc/passwd`, data: { resourceUri: `${target}?api-version=evil` } });
    else {
      // A duplicate delivery of an earlier event, out of order.
      const earlier = events[Math.floor(next() * Math.max(1, events.length))];
      if (earlier !== undefined) events.push(earlier);
    }
  }
  return events;
}

/** Faults armed before a delivery: throttling, server errors, resets, slowness and lost races. */
function armFaults(world: World, next: () => number): number {
  let armed = 0;
  const arm = (spec: Parameters<World['sandbox']['faults']['inject']>[0]): void => {
    world.sandbox.faults.inject(spec);
    armed += spec.times ?? 1;
  };
  const roll = next();
  if (roll < 0.25) arm({ status: 429, retryAfterSeconds: 0, times: 1 + Math.floor(next() * 3) });
  // Up to four in a row: more than the SDK's retries, so some batches fail and are redelivered.
  else if (roll < 0.45) arm({ status: 503, retryAfterSeconds: 0, times: 1 + Math.floor(next() * 4) });
  else if (roll < 0.55) arm({ status: 500, times: 1 });
  else if (roll < 0.7) arm({ status: 0, resetConnection: true, times: 1 });
  else if (roll < 0.8) arm({ status: 0, delayMs: 30, times: 2 });
  else if (roll < 0.9) arm({ method: 'PATCH', status: 412, times: 1 });
  // An outage through a whole delivery: the batch is answered retryable and delivered again.
  else if (roll < 0.94) arm({ status: 503, retryAfterSeconds: 0, times: 60 });
  return armed;
}

interface Figures {
  events: number;
  deliveries: number;
  faults: number;
  redelivered: number;
  lost: number;
  unaudited: number;
  duplicates: number;
  writes: number;
}

const figures: Figures[] = [];
afterAll(() => {
  for (const f of figures) {
    process.stdout.write(`reliability: ${f.events} events, ${f.deliveries} deliveries (${f.redelivered} redelivered batches), ${f.faults} faults injected, ${f.writes} ARM writes; lost ${f.lost}, unaudited ${f.unaudited}, duplicates ${f.duplicates}\n`);
  }
});

describe('reliability under ARM faults and at-least-once delivery', () => {
  it(`${EVENTS} mixed events: 0 lost, 0 unaudited writes, 0 duplicate writes`, async () => {
    const next = random(20261201);
    const world = await startWorld(parseSandboxState({ resources: subscription() }), { arm: { maxRetries: 2, eventBudgetMs: 10_000 }, maxRemediationsPerBatch: 100_000 });
    try {
      world.sandbox.clearRequests();
      const events = stream(next);
      /** Per delivered position in the stream: the decisions its final delivery ended with. */
      const final = new Map<number, ChangeResult['decision'][]>();
      let deliveries = 0;
      let redelivered = 0;
      let faults = 0;
      for (let start = 0; start < events.length; start += BATCH) {
        const batch = events.slice(start, start + BATCH);
        // Event Grid redelivers a batch the endpoint did not accept, as often as needed.
        for (let attempt = 1; ; attempt++) {
          faults += armFaults(world, next);
          deliveries += 1;
          const { results, summary } = await world.runtime.pipeline.processBatch(batch);
          world.sandbox.faults.clear();
          if (!summary.retryable) {
            batch.forEach((event, offset) => {
              const id = (event as { id?: unknown }).id;
              final.set(start + offset, results.filter((r) => r.eventId === id).map((r) => r.decision));
            });
            break;
          }
          expect(attempt, 'a batch stayed retryable after every redelivery').toBeLessThan(MAX_DELIVERIES);
          redelivered += 1;
        }
      }
      const audit = await world.audit();
      const served = world.sandbox.requests.filter((r) => ['PATCH', 'PUT', 'DELETE'].includes(r.method) && r.status >= 200 && r.status < 300 && r.callerObjectId === SANDBOX_SERVICE_IDENTITY.objectId);
      // Lost: an event that ended with no decision at all, or with a failure nobody will retry.
      const lost = [...final.values()].filter((decisions) => decisions.length === 0 || decisions.includes('failed')).length;
      const result: Figures = { events: events.length, deliveries, faults, redelivered, lost, unaudited: unaudited(audit, served), duplicates: duplicates(audit), writes: served.length };
      figures.push(result);
      expect(result.redelivered, 'the fault mix must make Event Grid redeliver').toBeGreaterThan(0);
      expect(result.lost).toBe(0);
      expect(result.unaudited).toBe(0);
      expect(result.duplicates).toBe(0);
      // What no event reached, the sweep does: then the drift is gone everywhere.
      await world.runtime.pipeline.sweep('after-the-storm');
      expect(duplicates(await world.audit())).toBe(0);
      for (const r of world.sandbox.snapshot().resources) {
        if (r.type === 'Microsoft.Storage/storageAccounts') expect(r.properties).toMatchObject({ allowBlobPublicAccess: false, supportsHttpsTrafficOnly: true, minimumTlsVersion: 'TLS1_2' });
        if (r.type === 'Microsoft.Storage/storageAccounts/blobServices/containers') expect(r.properties?.['publicAccess']).toBe('None');
      }
    } finally {
      await world.close();
    }
  }, Math.max(300_000, EVENTS * 120));
});

/**
 * Writes the sandbox served without an intent recorded for that resource before it (the audit
 * store's records are ordered; an intent is durable before the write is sent), or intents that
 * never got an outcome.
 */
function unaudited(audit: readonly AuditRecord[], served: readonly { path: string }[]): number {
  const intents = new Map<string, number>();
  for (const r of audit) if (r.kind === 'intent' && r.resourceId !== undefined) intents.set(r.resourceId.toLowerCase(), (intents.get(r.resourceId.toLowerCase()) ?? 0) + 1);
  const writesPerResource = new Map<string, number>();
  for (const w of served) writesPerResource.set(w.path.toLowerCase(), (writesPerResource.get(w.path.toLowerCase()) ?? 0) + 1);
  let missing = 0;
  for (const [resource, count] of writesPerResource) missing += Math.max(0, count - (intents.get(resource) ?? 0));
  const closed = new Set(audit.filter((r) => r.kind === 'outcome').map((r) => r.intentSeq));
  missing += audit.filter((r) => r.kind === 'intent' && !closed.has(r.seq)).length;
  return missing;
}

/** The same change applied twice: two succeeded outcomes for one resource and the same change body. */
function duplicates(audit: readonly AuditRecord[]): number {
  const seen = new Map<string, number>();
  for (const r of audit) {
    if (r.kind !== 'outcome' || r.outcome !== 'succeeded') continue;
    const key = `${r.resourceId?.toLowerCase() ?? ''}|${JSON.stringify((r.change as { body?: unknown } | undefined)?.body)}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen.values()].filter((n) => n > 1).length;
}
