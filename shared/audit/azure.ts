/**
 * The audit store in Azure: append blobs in one container (locked time-based immutability
 * policy ≥ 2190 days with protected append writes, set by infra) and chain heads signed by a
 * Key Vault key the service may use but never read.
 */
import type { TokenCredential } from '@azure/core-auth';
import type { ContainerClient } from '@azure/storage-blob';
import type { CryptographyClientOptions } from '@azure/keyvault-keys';
import { BlobSegmentStore } from './blobSegments.js';
import { AuditChain, type AuditChainOptions } from './chain.js';
import { KeyVaultSigner, keyVaultPublicKeys } from './keyVaultSigner.js';
import { verifyAudit, type VerifyReport } from './verify.js';

export interface AzureAuditOptions {
  /** The audit container; in Azure built from its URL and the managed identity (containerClientFromUrl). */
  container: ContainerClient;
  /** Key Vault key id with version: `https://<vault>.vault.azure.net/keys/<name>/<version>`. */
  keyId: string;
  /** Credential for Key Vault (the managed identity in Azure). */
  credential: TokenCredential;
  keyVaultOptions?: CryptographyClientOptions;
}

function stores(options: AzureAuditOptions): { chain: BlobSegmentStore; heads: BlobSegmentStore } {
  return { chain: new BlobSegmentStore(options.container, 'audit/'), heads: new BlobSegmentStore(options.container, 'heads/') };
}

export function openAzureAudit(options: AzureAuditOptions, chainOptions: Pick<AuditChainOptions, 'clock' | 'checkpointEvery' | 'onCheckpointError'> = {}): AuditChain {
  return new AuditChain({
    ...stores(options),
    signer: new KeyVaultSigner(options.keyId, options.credential, options.keyVaultOptions),
    // A Key Vault signature is a network round trip: vouch for the head every 100 records or minute.
    checkpointEvery: chainOptions.checkpointEvery ?? { records: 100, ms: 60_000 },
    ...(chainOptions.clock === undefined ? {} : { clock: chainOptions.clock }),
    ...(chainOptions.onCheckpointError === undefined ? {} : { onCheckpointError: chainOptions.onCheckpointError }),
  });
}

export function verifyAzureAudit(options: AzureAuditOptions): Promise<VerifyReport> {
  const { chain, heads } = stores(options);
  return verifyAudit(chain, heads, keyVaultPublicKeys(options.credential, options.keyVaultOptions ?? {}));
}
