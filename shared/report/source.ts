/**
 * Where a report reads the audit from: the same store `audit verify` checks (configured.ts
 * picks it the same way) — the embedded files under the home, or the append blobs and the
 * Key Vault key in Azure. A report needs read access only: the chain, the heads log and the
 * public key.
 */
import type { TokenCredential } from '@azure/core-auth';
import { FileSegmentStore } from '../audit/fileSegments.js';
import { checkHeadSignature, type SignedHead } from '../audit/heads.js';
import { localAuditPaths } from '../audit/local.js';
import type { AuditRecord } from '../audit/record.js';
import type { SegmentStore } from '../audit/segments.js';
import { localPublicKeys, type PublicKeyResolver } from '../audit/signer.js';

export interface ReportSource {
  kind: 'local' | 'azure';
  /** The chain's location (file path, or container URL without credentials). */
  location: string;
  chain: SegmentStore;
  heads: SegmentStore;
  keys: PublicKeyResolver;
}

export async function localReportSource(home: string): Promise<ReportSource> {
  const paths = localAuditPaths(home);
  const chain = new FileSegmentStore(paths.chain);
  return { kind: 'local', location: chain.location, chain, heads: new FileSegmentStore(paths.heads), keys: await localPublicKeys(paths.keys) };
}

/**
 * HIPAA_REMEDIATOR_AUDIT_CONTAINER_URL and HIPAA_REMEDIATOR_AUDIT_KEY_ID select the Azure store
 * (read with `credential`: an auditor's or the Function's identity), exactly as for `audit verify`;
 * otherwise the embedded one under `home`. The Azure SDKs load only then.
 */
export async function configuredReportSource(env: NodeJS.ProcessEnv, home: string, credential: TokenCredential): Promise<ReportSource> {
  const containerUrl = env['HIPAA_REMEDIATOR_AUDIT_CONTAINER_URL'];
  const keyId = env['HIPAA_REMEDIATOR_AUDIT_KEY_ID'];
  if (containerUrl === undefined || keyId === undefined) return localReportSource(home);
  const [{ azureReportSource }, { containerClientFromUrl }] = await Promise.all([import('./azureSource.js'), import('../audit/blobSegments.js')]);
  return azureReportSource({ container: containerClientFromUrl(containerUrl, credential), keyId, credential });
}

/** Every readable record in chain order. Lines that are not records are counted, not trusted: verify names them. */
export async function readReportRecords(chain: SegmentStore): Promise<{ records: AuditRecord[]; unreadableLines: number }> {
  const records: AuditRecord[] = [];
  let unreadableLines = 0;
  for (const segment of await chain.list()) {
    for (const line of (await chain.read(segment)).split('\n')) {
      if (line.length === 0) continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        value = undefined;
      }
      const record = value as Partial<AuditRecord> | undefined;
      if (typeof record === 'object' && record !== null && typeof record.seq === 'number' && typeof record.kind === 'string' && typeof record.time === 'string') records.push(record as AuditRecord);
      else unreadableLines += 1;
    }
  }
  return { records, unreadableLines };
}

export interface HeadCheck {
  seq: number;
  hash: string;
  time: string;
  keyId: string;
  /** valid: ES256 over {seq, hash, time} verifies with the public key; invalid: it does not; unverifiable: no such key (or it could not be fetched). */
  signature: 'valid' | 'invalid' | 'unverifiable';
  /** Whether the chain's record at `seq` carries the hash the head vouches for. */
  matchesChain: boolean;
  error?: string;
}

/** The newest signed head (the last line of the heads log), checked on its own. Undefined: nothing signed yet. */
export async function newestSignedHead(heads: SegmentStore, keys: PublicKeyResolver, records: readonly AuditRecord[]): Promise<HeadCheck | undefined> {
  let newest: SignedHead | undefined;
  for (const segment of await heads.list()) {
    for (const line of (await heads.read(segment)).split('\n')) {
      if (line.length === 0) continue;
      try {
        const head = JSON.parse(line) as Partial<SignedHead>;
        if (typeof head.seq === 'number' && typeof head.hash === 'string' && typeof head.time === 'string' && typeof head.keyId === 'string') newest = head as SignedHead;
      } catch {
        // An unreadable head line is verify's to report (malformed); the newest readable one is shown.
      }
    }
  }
  if (newest === undefined) return undefined;
  const matchesChain = records.some((r) => r.seq === newest.seq && r.hash === newest.hash);
  const base = { seq: newest.seq, hash: newest.hash, time: newest.time, keyId: newest.keyId, matchesChain };
  try {
    if ((await keys(newest.keyId)) === undefined) return { ...base, signature: 'unverifiable', error: `no public key for ${newest.keyId}` };
    return { ...base, signature: (await checkHeadSignature(newest, keys)) ? 'valid' : 'invalid' };
  } catch (error) {
    return { ...base, signature: 'unverifiable', error: error instanceof Error ? error.message : String(error) };
  }
}
