/** The audit chain contract on append blobs, against a real Azurite started by the test. */
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { BlobSegmentStore, containerClientFromConnectionString, ensureContainer } from '../../../shared/audit/blobSegments.js';
import { LocalSigner, localPublicKeys } from '../../../shared/audit/signer.js';
import { startAzurite, type Azurite } from '../../../sandbox/azurite.js';
import { describeChainContract } from './chainContract.js';

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite.stop();
});

describeChainContract('append blobs (Azurite)', async () => {
  const container = containerClientFromConnectionString(azurite.connectionString, `audit-${randomUUID().slice(0, 8)}`);
  await ensureContainer(container);
  const keys = await mkdtemp(join(tmpdir(), 'audit-keys-'));
  const store = (prefix: string) => new BlobSegmentStore(containerClientFromConnectionString(azurite.connectionString, container.containerName), prefix);
  return {
    chain: store('audit/'),
    heads: store('heads/'),
    otherChain: () => store('audit/'),
    otherHeads: () => store('heads/'),
    signer: await LocalSigner.inDirectory(keys),
    keys: await localPublicKeys(keys),
    // Tampering as someone with storage rights before a WORM policy locks the container.
    async rewrite(which, segment, content) {
      const blob = container.getAppendBlobClient(`${which === 'chain' ? 'audit/' : 'heads/'}${segment}`);
      await blob.delete();
      await blob.create();
      await blob.appendBlock(content, Buffer.byteLength(content));
    },
    async remove(which, segment) {
      await container.getAppendBlobClient(`${which === 'chain' ? 'audit/' : 'heads/'}${segment}`).delete();
    },
  };
});
