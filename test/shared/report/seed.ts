/**
 * A realistic audit for the report's tests, produced by the real pipeline against the sandbox
 * (test/helpers/world.ts), over three days of the service's clock:
 *   day 0  a sweep of the seeded healthcare subscription (remediations, alerts, two revocations);
 *          one revocation restored with a new expiry; an operator switches storage-public-access to alert in
 *          rg-research with a hostile reason;
 *   day 1  a user opens rg-research/stresearchexp01 (alerted: open alert caused by that user) and
 *          rg-clinical/stclinicalehr01 (remediated);
 *   day 2  a second sweep.
 */
import { userInfo } from 'node:os';
import { healthcareSubscription } from '../../../sandbox/index.js';
import { REMEDIATORS } from '../../../remediators/index.js';
import type { AuditRecord } from '../../../shared/audit/record.js';
import { changeMode } from '../../../shared/modes/changes.js';
import { restoreRevocation } from '../../../shared/restore.js';
import { armWriteEvent, SUB } from '../../helpers/events.js';
import { startWorld } from '../../helpers/world.js';
import { storageClient } from '../../sandbox/helpers.js';

export const HOSTILE_REASON = '<script>alert("pwned")</script> synthetic data <img src=x onerror=alert(1)>';
export const RESEARCH = `/subscriptions/${SUB}/resourceGroups/rg-research/providers/Microsoft.Storage/storageAccounts/stresearchexp01`;
export const EHR = `/subscriptions/${SUB}/resourceGroups/rg-clinical/providers/Microsoft.Storage/storageAccounts/stclinicalehr01`;
/** The caller of the template event (its claims also carry a name, a UPN and an IP: none may reach the report). */
export const DRIFTER = '4b8d2f6a-1c3e-45a7-b9d0-e2f4a6c8b1d3';
export const DAY = 86_400_000;

export interface SeededAudit {
  home: string;
  records: AuditRecord[];
  /** The revocation that was restored, and the one left for `restore`. */
  restoredSeq: number;
  revokedSeqs: number[];
  /** The service clock's start (real time when seeded). */
  startedAt: number;
}

export async function seedAudit(): Promise<SeededAudit> {
  const startedAt = Date.now();
  const world = await startWorld(healthcareSubscription());
  try {
    const { runtime } = world;
    await runtime.pipeline.sweep('run-1');
    const day0 = await world.audit();
    const revocations = day0.filter((r) => r.kind === 'intent' && (r.change as { operation?: string } | undefined)?.operation === 'roleAssignments.deleteById');
    const restoredSeq = revocations[0]!.seq;
    await restoreRevocation(restoredSeq, { operator: `cli:${userInfo().username}`, expires: '2027-03-31' }, { records: day0, audit: runtime.audit, arm: runtime.arm });
    await changeMode(
      { remediator: 'storage-public-access', mode: 'alert', resourceGroup: 'rg-research', reason: HOSTILE_REASON, operator: `cli:${userInfo().username}` },
      { store: runtime.modeStore, audit: runtime.audit, remediators: REMEDIATORS, resolver: runtime.modes },
    );
    await runtime.audit.sync();

    world.advance(DAY);
    await storageClient(world.sandbox).storageAccounts.update('rg-research', 'stresearchexp01', { allowBlobPublicAccess: true });
    await storageClient(world.sandbox).storageAccounts.update('rg-clinical', 'stclinicalehr01', { allowBlobPublicAccess: true });
    await runtime.pipeline.processBatch([armWriteEvent(RESEARCH, { id: 'drift-research' }), armWriteEvent(EHR, { id: 'drift-ehr' })]);

    world.advance(DAY);
    await runtime.pipeline.sweep('run-2');
    const records = await world.audit();
    return { home: world.home, records, restoredSeq, revokedSeqs: revocations.map((r) => r.seq), startedAt };
  } finally {
    await world.close();
  }
}
