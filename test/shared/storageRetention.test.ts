/**
 * audit-retention and storage-data-protection end to end: events and sweeps through the
 * pipeline, the real @azure/arm-storage client against the sandbox, the exact requests ARM gets
 * (method, path, api-version, If-Match), the re-read that confirms, and what must never happen:
 * a locked policy shortened or any policy deleted.
 * Shapes: azure-rest-api-specs Microsoft.Storage/stable/2025-08-01 blob.json
 * (ImmutabilityPolicies_CreateOrUpdate / _Extend / BlobServices_SetServiceProperties examples).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseSandboxState, type ArmResource } from '../../sandbox/index.js';
import { armWriteEvent, SUB } from '../helpers/events.js';
import { startWorld, type World } from '../helpers/world.js';

const ACCOUNT = `/subscriptions/${SUB}/resourceGroups/rg-shared-logs/providers/Microsoft.Storage/storageAccounts/stauditlogs01`;
const containerId = (name: string) => `${ACCOUNT}/blobServices/default/containers/${name}`;
const POLICY_TYPE = 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies';

function container(name: string): ArmResource {
  return { id: containerId(name), name, type: 'Microsoft.Storage/storageAccounts/blobServices/containers', properties: { publicAccess: 'None' } };
}
function policy(name: string, days: number, state: 'Locked' | 'Unlocked', etag: string): ArmResource {
  return { id: `${containerId(name)}/immutabilityPolicies/default`, name: 'default', type: POLICY_TYPE, etag, properties: { immutabilityPeriodSinceCreationInDays: days, state, allowProtectedAppendWrites: true } };
}

const state = () =>
  parseSandboxState({
    resources: [
      { id: ACCOUNT, name: 'stauditlogs01', type: 'Microsoft.Storage/storageAccounts', location: 'eastus2', kind: 'StorageV2', properties: { allowBlobPublicAccess: false, supportsHttpsTrafficOnly: true, minimumTlsVersion: 'TLS1_2' } },
      {
        id: `${ACCOUNT}/blobServices/default`,
        name: 'default',
        type: 'Microsoft.Storage/storageAccounts/blobServices',
        properties: { deleteRetentionPolicy: { enabled: true, days: 3 }, containerDeleteRetentionPolicy: { enabled: true, days: 30 }, isVersioningEnabled: true },
      },
      container('insights-activity-logs'),
      container('insights-logs-auditevent'),
      policy('insights-logs-auditevent', 365, 'Locked', '"8d9f0c0a1b2c3d4"'),
      container('hipaa-audit'),
      policy('hipaa-audit', 3650, 'Unlocked', '"8d9f0c0a1b2c3d5"'),
      container('patient-uploads'),
    ],
  });

let world: World;
afterEach(async () => {
  await world.close();
});

const policyOf = (name: string) => world.sandbox.snapshot().resources.find((r) => r.id.toLowerCase() === `${containerId(name)}/immutabilityPolicies/default`.toLowerCase())?.properties;
const requests = (method?: string) => world.serviceRequests(method).map((r) => `${r.method} ${r.path.replace(ACCOUNT, '<account>')}`);

describe('audit-retention through the pipeline', () => {
  it('creates a missing policy at 2190 days (PUT, no If-Match), confirms by re-reading the container, and alerts that locking is for an operator', async () => {
    world = await startWorld(state(), { policy: { auditRetention: { containers: ['hipaa-audit'] } } });
    const { results } = await world.runtime.pipeline.processBatch([armWriteEvent(containerId('insights-activity-logs'), { operationName: 'Microsoft.Storage/storageAccounts/blobServices/containers/write' })]);
    expect(results.map((r) => [r.remediator, r.decision])).toEqual([
      ['storage-public-access', 'compliant'],
      ['audit-retention', 'remediated'],
    ]);
    expect(requests()).toEqual([
      'GET <account>/blobServices/default/containers/insights-activity-logs',
      'PUT <account>/blobServices/default/containers/insights-activity-logs/immutabilityPolicies/default',
      'GET <account>/blobServices/default/containers/insights-activity-logs',
    ]);
    expect(world.sandbox.requests.find((r) => r.method === 'PUT')?.apiVersion).toBe('2025-08-01');
    expect(policyOf('insights-activity-logs')).toMatchObject({ immutabilityPeriodSinceCreationInDays: 2190, state: 'Unlocked', allowProtectedAppendWrites: true });
    const audit = await world.audit();
    const intent = audit.find((r) => r.kind === 'intent');
    expect(intent?.change).toMatchObject({ operation: 'immutabilityPolicies.createOrUpdate', method: 'PUT', apiVersion: '2025-08-01', body: { immutabilityPeriodSinceCreationInDays: 2190, allowProtectedAppendWrites: true } });
    expect(intent?.before).toEqual({ immutabilityPeriodSinceCreationInDays: null, allowProtectedAppendWrites: null });
    expect(audit.find((r) => r.kind === 'outcome')?.after).toEqual({ immutabilityPeriodSinceCreationInDays: 2190, allowProtectedAppendWrites: true });
    // Locking is irreversible: reported to a person at once, never done.
    const alert = audit.find((r) => r.kind === 'alert');
    expect(alert).toMatchObject({ remediator: 'audit-retention', control: 'audit-controls', reason: 'remediated what could be; the rest needs a person' });
    expect(world.sandbox.requests.some((r) => r.path.endsWith('/lock'))).toBe(false);
  });

  it('extends a locked policy that is too short (POST extend with If-Match) and never shortens or deletes one that is longer', async () => {
    world = await startWorld(state(), { policy: { auditRetention: { containers: ['hipaa-audit'] } } });
    const { results } = await world.runtime.pipeline.processBatch([
      armWriteEvent(`${containerId('insights-logs-auditevent')}/immutabilityPolicies/default`, { operationName: 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies/write' }),
      armWriteEvent(containerId('hipaa-audit'), { operationName: 'Microsoft.Storage/storageAccounts/blobServices/containers/write' }),
    ]);
    // The policy event is judged as its container (a change to the container's retention).
    expect(results.map((r) => [(r.resourceId ?? '').split('/').at(-1), r.remediator, r.decision])).toEqual([
      ['insights-logs-auditevent', 'storage-public-access', 'compliant'],
      ['insights-logs-auditevent', 'audit-retention', 'remediated'],
      ['hipaa-audit', 'storage-public-access', 'compliant'],
      ['hipaa-audit', 'audit-retention', 'alerted'],
    ]);
    expect(requests('POST')).toEqual(['POST <account>/blobServices/default/containers/insights-logs-auditevent/immutabilityPolicies/default/extend']);
    expect(policyOf('insights-logs-auditevent')).toMatchObject({ immutabilityPeriodSinceCreationInDays: 2190, state: 'Locked' });
    // 3650 days unlocked: longer than required, so untouched (only "not locked" is reported).
    expect(policyOf('hipaa-audit')).toMatchObject({ immutabilityPeriodSinceCreationInDays: 3650, state: 'Unlocked' });
    expect(results[3]?.findings?.map((f) => f.property)).toEqual(['immutabilityPolicy.state']);
    expect(world.serviceRequests('DELETE')).toEqual([]);
    expect(requests('PUT')).toEqual([]);
    const intent = (await world.audit()).find((r) => r.kind === 'intent');
    expect(intent?.change).toMatchObject({ operation: 'immutabilityPolicies.extend', method: 'POST', ifMatch: '"8d9f0c0a1b2c3d4"' });
  });

  it('a stale etag (someone changed the policy between read and write) is re-read and decided again, never forced', async () => {
    world = await startWorld(state(), { policy: { auditRetention: { containers: ['hipaa-audit'] } } });
    world.sandbox.faults.inject({ method: 'POST', pathPattern: /\/extend$/, status: 412, code: 'ContainerImmutabilityPolicyFailure' });
    const { results } = await world.runtime.pipeline.processBatch([armWriteEvent(containerId('insights-logs-auditevent'))]);
    expect(results.find((r) => r.remediator === 'audit-retention')?.decision).toBe('remediated');
    expect(requests('POST')).toHaveLength(2);
    expect(requests('GET').filter((r) => r.endsWith('insights-logs-auditevent'))).toHaveLength(3);
  });

  it('the sweep judges only audit-log containers and leaves the others to their own remediators', async () => {
    world = await startWorld(state(), { policy: { auditRetention: { containers: ['hipaa-audit'] } } });
    const { results } = await world.runtime.pipeline.sweep('retention');
    const retention = results.filter((r) => r.remediator === 'audit-retention').map((r) => [(r.resourceId ?? '').split('/').at(-1), r.decision]);
    expect(retention).toEqual([
      ['insights-activity-logs', 'remediated'],
      ['insights-logs-auditevent', 'remediated'],
      ['hipaa-audit', 'alerted'],
    ]);
    expect(results.some((r) => r.remediator === 'audit-retention' && (r.resourceId ?? '').endsWith('patient-uploads'))).toBe(false);
  });
});

describe('storage-data-protection through the pipeline', () => {
  it('raises blob soft delete to the minimum in one PUT of the blob service, keeping the rest', async () => {
    world = await startWorld(state(), { policy: { auditRetention: { containers: ['hipaa-audit'] } } });
    const { results } = await world.runtime.pipeline.processBatch([armWriteEvent(`${ACCOUNT}/blobServices/default`, { operationName: 'Microsoft.Storage/storageAccounts/blobServices/write' })]);
    expect(results.filter((r) => r.remediator === 'storage-data-protection').map((r) => r.decision)).toEqual(['remediated']);
    expect(requests('PUT')).toEqual(['PUT <account>/blobServices/default']);
    const service = world.sandbox.snapshot().resources.find((r) => r.id === `${ACCOUNT}/blobServices/default`)?.properties;
    expect(service).toMatchObject({ deleteRetentionPolicy: { enabled: true, days: 7, allowPermanentDelete: false }, containerDeleteRetentionPolicy: { enabled: true, days: 30 }, isVersioningEnabled: true });
    const intent = (await world.audit()).find((r) => r.kind === 'intent');
    // The values at exactly the places the body writes (allowPermanentDelete was unset).
    expect(intent?.before).toEqual({ deleteRetentionPolicy: { enabled: true, days: 3, allowPermanentDelete: null } });
    expect(intent?.change).toMatchObject({ operation: 'blobServices.setServiceProperties', body: { deleteRetentionPolicy: { enabled: true, days: 7, allowPermanentDelete: false } } });
  });
});
