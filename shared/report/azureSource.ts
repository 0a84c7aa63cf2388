/** The Azure audit store as a report source: the `audit/` and `heads/` append blobs and the Key Vault key's public part. */
import type { AzureAuditOptions } from '../audit/azure.js';
import { BlobSegmentStore } from '../audit/blobSegments.js';
import { keyVaultPublicKeys } from '../audit/keyVaultSigner.js';
import type { ReportSource } from './source.js';

export function azureReportSource(options: AzureAuditOptions): ReportSource {
  const chain = new BlobSegmentStore(options.container, 'audit/');
  return { kind: 'azure', location: chain.location, chain, heads: new BlobSegmentStore(options.container, 'heads/'), keys: keyVaultPublicKeys(options.credential, options.keyVaultOptions ?? {}) };
}
