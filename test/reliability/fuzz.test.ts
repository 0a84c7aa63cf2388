/**
 * Hostile events through the whole pipeline against the sandbox (fast-check): whatever the
 * payload, nothing crashes, every event is answered (rejected ones with a reason), and no ARM
 * request leaves the resource ids the strict grammar accepted — no traversal, no query
 * injection, no other subscription, no provider tricks.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSandboxState } from '../../sandbox/index.js';
import { parseEventBatch } from '../../shared/events.js';
import { armWriteEvent, SUB } from '../helpers/events.js';
import { sharedPath } from '../helpers/fixtures.js';
import { startWorld } from '../helpers/world.js';

const RUNS = Number(process.env['HIPAA_FUZZ_EVENTS'] ?? 10_000);
const ACCOUNT = `/subscriptions/${SUB}/resourceGroups/rg-pharmacy/providers/Microsoft.Storage/storageAccounts/stpharmacyrx01`;

const hostileSegment = fc.oneof(
  fc.constantFrom('..', '%2e%2e', '%2F', '?api-version=2019-01-01', '#frag', '..%2f..', '\u0000', '\u202e', ' ', 'providers', 'Microsoft.Authorization', '$logs', 'a'.repeat(300)),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
);

/** Resource ids built from valid ones with hostile parts spliced in where an attacker would try. */
const hostileId = fc.oneof(
  fc.tuple(hostileSegment).map(([s]) => `${ACCOUNT}/${s}`),
  fc.tuple(hostileSegment).map(([s]) => `${ACCOUNT}/blobServices/default/containers/${s}`),
  fc.tuple(hostileSegment).map(([s]) => `/subscriptions/${SUB}/resourceGroups/${s}/providers/Microsoft.Storage/storageAccounts/stpharmacyrx01`),
  fc.tuple(hostileSegment).map(([s]) => `/subscriptions/${s}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/x`),
  fc.uuid().map((other) => `/subscriptions/${other}/resourceGroups/rg-pharmacy/providers/Microsoft.Storage/storageAccounts/stpharmacyrx01`),
  fc.tuple(hostileSegment).map(([s]) => `${ACCOUNT}/providers/${s}/roleAssignments/x`),
  fc.tuple(hostileSegment, hostileSegment).map(([a, b]) => `/${a}/${b}`),
  fc.constant(ACCOUNT),
);

const event = fc.record({ id: hostileId, subject: fc.option(hostileId, { nil: undefined }), eventType: fc.constantFrom('Microsoft.Resources.ResourceWriteSuccess', 'Microsoft.Resources.ResourceActionSuccess', 'Microsoft.Resources.ResourceDeleteSuccess', 'x') }).map(({ id, subject, eventType }) => {
  const built = armWriteEvent(id, { eventType }) as Record<string, unknown>;
  return subject === undefined ? built : { ...built, subject };
});

/**
 * A request stays inside what validation accepted when its (decoded) path is an accepted
 * resource id, the account an accepted child belongs to (a blob service is read with its
 * account), or an accepted resource's diagnostic settings — in the subscription in scope, with
 * no traversal segment.
 */
function inside(path: string, accepted: ReadonlySet<string>): boolean {
  const decoded = decodeURIComponent(path).toLowerCase();
  if (!decoded.startsWith(`/subscriptions/${SUB}/`) || decoded.split('/').some((s) => s === '..' || s === '.')) return false;
  for (const id of accepted) {
    if (decoded === id || decoded === `${id}/providers/microsoft.insights/diagnosticsettings` || (id.startsWith(`${decoded}/`) && /\/storageaccounts\/[^/]+$/.test(decoded))) return true;
  }
  return false;
}

let summary = '';
afterAll(() => {
  if (summary !== '') process.stdout.write(`${summary}\n`);
});

describe('hostile events through the pipeline', () => {
  it(`${RUNS} generated events: 0 crashes, every event answered, every ARM request inside a validated id`, async () => {
    const world = await startWorld(await loadSandboxState(sharedPath('examples', 'storage-state.json')));
    try {
      const events = fc.sample(event, { numRuns: RUNS, seed: 20261201 });
      let crashes = 0;
      let rejected = 0;
      const accepted = new Set<string>();
      for (let i = 0; i < events.length; i += 50) {
        const batch = events.slice(i, i + 50);
        for (const parsed of parseEventBatch(batch)) if (parsed.ok) accepted.add(parsed.event.resource.key);
        try {
          const { results } = await world.runtime.pipeline.processBatch(batch);
          for (const e of batch) expect(results.some((r) => r.eventId === (e as { id?: string }).id), 'an event got no result').toBe(true);
          for (const r of results.filter((x) => x.decision === 'rejected')) {
            rejected += 1;
            expect(r.reason?.length ?? 0).toBeGreaterThan(0);
          }
        } catch (error) {
          crashes += 1;
          throw error;
        }
      }
      const outside = world.sandbox.requests.filter((r) => !inside(r.path, accepted));
      summary = `fuzz: ${events.length} hostile events, ${rejected} rejected with a reason, ${crashes} crashes, ${world.sandbox.requests.length} ARM requests, ${outside.length} outside a validated id`;
      expect(outside.map((r) => `${r.method} ${r.path}`)).toEqual([]);
      expect(crashes).toBe(0);
    } finally {
      await world.close();
    }
  }, 120_000);
});
