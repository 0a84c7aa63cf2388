/**
 * Audit store throughput: appends (grouped, as the pipeline's concurrent decisions produce
 * them, with a group commit per batch of 100) and verification, on any SegmentStore.
 */
import { performance } from 'node:perf_hooks';
import { AuditChain } from '../shared/audit/chain.js';
import type { SegmentStore } from '../shared/audit/segments.js';
import type { PublicKeyResolver, Signer } from '../shared/audit/signer.js';
import { verifyAudit } from '../shared/audit/verify.js';

export interface AuditBenchResult {
  store: string;
  records: number;
  appendPerSecond: number;
  syncedSingleAppendMs: number;
  verifyPerSecond: number;
}

export async function benchAudit(store: string, chain: SegmentStore, heads: SegmentStore, signer: Signer, keys: PublicKeyResolver, records: number): Promise<AuditBenchResult> {
  const audit = new AuditChain({ chain, heads, signer, checkpointEvery: { records: 1000, ms: 1000 } });
  const entry = (i: number) => ({
    kind: 'decision' as const,
    eventId: `bench-${i}`,
    resourceId: `/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg-bench/providers/Microsoft.Storage/storageAccounts/st${i % 500}`,
    remediator: 'storage-public-access',
    control: 'access-control',
    citation: '45 CFR 164.312(a)(1)',
    decision: 'compliant' as const,
    actor: { objectId: '4b8d2f6a-1c3e-45a7-b9d0-e2f4a6c8b1d3', principalType: 'User' },
  });
  const batch = 100;
  const start = performance.now();
  for (let i = 0; i < records; i += batch) {
    await Promise.all(Array.from({ length: Math.min(batch, records - i) }, (_, j) => audit.append(entry(i + j))));
    await audit.sync();
  }
  const appendSeconds = (performance.now() - start) / 1000;

  const singles: number[] = [];
  for (let i = 0; i < 50; i++) {
    const t = performance.now();
    await audit.append(entry(i));
    await audit.sync();
    singles.push(performance.now() - t);
  }
  await audit.close();
  singles.sort((a, b) => a - b);

  const verifyStart = performance.now();
  const report = await verifyAudit(chain, heads, keys);
  const verifySeconds = (performance.now() - verifyStart) / 1000;
  if (!report.ok) throw new Error(`bench chain does not verify: ${JSON.stringify(report.problem)}`);
  return {
    store,
    records: report.records,
    appendPerSecond: Math.round(records / appendSeconds),
    syncedSingleAppendMs: +(singles[25] ?? 0).toFixed(2),
    verifyPerSecond: Math.round(report.records / verifySeconds),
  };
}
