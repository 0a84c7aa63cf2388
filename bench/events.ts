/** ARM write events for benchmarks, in the shape of ../shared/fixtures/events/storage-account-write.json. */
const USER = { objectId: '4b8d2f6a-1c3e-45a7-b9d0-e2f4a6c8b1d3', appId: '04b07795-8ddb-461a-bbee-02f9e1bf7b46' };
let counter = 0;

export function armEvent(subscriptionId: string, resourceId: string, operationName: string): Record<string, unknown> {
  counter += 1;
  return {
    id: `bench-${process.pid}-${counter}`,
    topic: `/subscriptions/${subscriptionId}`,
    subject: resourceId,
    eventType: 'Microsoft.Resources.ResourceWriteSuccess',
    eventTime: new Date().toISOString(),
    dataVersion: '2',
    metadataVersion: '1',
    data: {
      authorization: { scope: resourceId, action: operationName, evidence: { principalId: USER.objectId.replace(/-/g, ''), principalType: 'User' } },
      claims: { appid: USER.appId, 'http://schemas.microsoft.com/identity/claims/objectidentifier': USER.objectId, idtyp: 'user', name: 'Bench User' },
      correlationId: `c-${counter}`,
      resourceProvider: operationName.split('/')[0],
      resourceUri: resourceId,
      operationName,
      status: 'Succeeded',
      subscriptionId,
      tenantId: '0f5e8c2a-9b7d-4e31-a6c4-5d8f2e1b3a79',
    },
  };
}

/** A realistic mix: one event in ten concerns a storage account, the rest other resource types. */
export function realisticMix(subscriptionId: string, storageAccountIds: readonly string[], count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => {
    const account = storageAccountIds[i % storageAccountIds.length];
    return i % 10 === 0 && account !== undefined
      ? armEvent(subscriptionId, account, 'Microsoft.Storage/storageAccounts/write')
      : armEvent(subscriptionId, `/subscriptions/${subscriptionId}/resourceGroups/rg-apps/providers/Microsoft.Compute/virtualMachines/vm-${i}`, 'Microsoft.Compute/virtualMachines/write');
  });
}
