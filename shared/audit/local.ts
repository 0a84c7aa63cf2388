/** The embedded audit store under `--home`: chain and signed heads in files, a local signing key. */
import { join } from 'node:path';
import { AuditChain, type AuditChainOptions } from './chain.js';
import { FileSegmentStore } from './fileSegments.js';
import { LocalSigner, localPublicKeys } from './signer.js';
import type { AuditRecord } from './record.js';
import { verifyAudit, type VerifyReport } from './verify.js';

export function localAuditPaths(home: string): { chain: string; heads: string; keys: string } {
  return { chain: join(home, 'audit', 'chain'), heads: join(home, 'audit', 'heads'), keys: join(home, 'keys') };
}

export async function openLocalAudit(home: string, options: Pick<AuditChainOptions, 'clock' | 'checkpointEvery' | 'onCheckpointError'> = {}): Promise<AuditChain> {
  const paths = localAuditPaths(home);
  return new AuditChain({
    chain: new FileSegmentStore(paths.chain),
    heads: new FileSegmentStore(paths.heads),
    signer: await LocalSigner.inDirectory(paths.keys),
    // Cheap locally, but each head is a second fsync: vouch every second (and at close), not every batch.
    checkpointEvery: options.checkpointEvery ?? { records: 100, ms: 1000 },
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.onCheckpointError === undefined ? {} : { onCheckpointError: options.onCheckpointError }),
  });
}

export async function verifyLocalAudit(home: string): Promise<VerifyReport> {
  const paths = localAuditPaths(home);
  return verifyAudit(new FileSegmentStore(paths.chain), new FileSegmentStore(paths.heads), await localPublicKeys(paths.keys));
}

/** Every record of the embedded chain, in order (exactly as stored, parsed). */
export async function readLocalAuditRecords(home: string): Promise<AuditRecord[]> {
  const store = new FileSegmentStore(localAuditPaths(home).chain);
  const records: AuditRecord[] = [];
  for (const segment of await store.list()) {
    for (const line of (await store.read(segment)).split('\n')) if (line.length > 0) records.push(JSON.parse(line) as AuditRecord);
  }
  return records;
}
