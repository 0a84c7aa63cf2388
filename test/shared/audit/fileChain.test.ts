import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSegmentStore } from '../../../shared/audit/fileSegments.js';
import { LocalSigner, localPublicKeys } from '../../../shared/audit/signer.js';
import { describeChainContract } from './chainContract.js';

describeChainContract('local files', async () => {
  const home = await mkdtemp(join(tmpdir(), 'audit-chain-'));
  const dirs = { chain: join(home, 'chain'), heads: join(home, 'heads') };
  const signer = await LocalSigner.inDirectory(join(home, 'keys'));
  return {
    chain: new FileSegmentStore(dirs.chain),
    heads: new FileSegmentStore(dirs.heads),
    otherChain: () => new FileSegmentStore(dirs.chain),
    otherHeads: () => new FileSegmentStore(dirs.heads),
    signer,
    keys: await localPublicKeys(join(home, 'keys')),
    rewrite: (store, segment, content) => writeFile(join(dirs[store], segment), content),
    remove: (store, segment) => rm(join(dirs[store], segment)),
  };
});
