/**
 * The spec's own example bodies (Azure/azure-rest-api-specs, storage 2025-01-01 and 2025-08-01
 * examples, copied in ../shared/fixtures/arm/storage) served by the sandbox and read back
 * through the real SDK: the remediators decide on the shapes ARM really returns.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseSandboxState, type ArmResource } from '../../sandbox/index.js';
import { armWriteEvent, SUB } from '../helpers/events.js';
import { readSharedJson } from '../helpers/fixtures.js';
import { startWorld, type World } from '../helpers/world.js';

function specBody(file: string): ArmResource {
  const example = readSharedJson('fixtures', 'arm', 'storage', file) as { responses: { '200': { body: unknown } } };
  return JSON.parse(JSON.stringify(example.responses['200'].body).replaceAll('{subscription-id}', SUB)) as ArmResource;
}

let world: World;
afterEach(async () => {
  await world.close();
});

describe('spec example shapes', () => {
  it('StorageAccountGetProperties (2025-08-01): HTTP allowed and TLS unset are fixed in one PATCH; unset public access is closed', async () => {
    const account = specBody('storageAccounts.get.2025-08-01.json');
    world = await startWorld(parseSandboxState({ resources: [account] }));
    const { results } = await world.runtime.pipeline.processBatch([armWriteEvent(account.id)]);
    expect(results.map((r) => [r.remediator, r.decision])).toEqual([
      ['storage-public-access', 'compliant'],
      ['storage-secure-transfer', 'remediated'],
    ]);
    expect(results[1]?.findings?.map((f) => [f.property, f.actual])).toEqual([
      ['properties.supportsHttpsTrafficOnly', false],
      ['properties.minimumTlsVersion', null],
    ]);
    const after = world.sandbox.snapshot().resources[0]?.properties as Record<string, unknown>;
    expect(after).toMatchObject({ supportsHttpsTrafficOnly: true, minimumTlsVersion: 'TLS1_2' });
    expect(world.serviceRequests().map((r) => r.method)).toEqual(['GET', 'PATCH']);
  });

  it('BlobContainersGet (locked immutability policy, publicAccess None): compliant, 0 PATCH', async () => {
    const container = specBody('blobContainers.get.json');
    world = await startWorld(parseSandboxState({ resources: [container] }));
    const { results } = await world.runtime.pipeline.processBatch([armWriteEvent(container.id)]);
    expect(results.map((r) => [r.remediator, r.decision])).toEqual([['storage-public-access', 'compliant']]);
    expect(world.serviceRequests('PATCH')).toEqual([]);
  });
});
