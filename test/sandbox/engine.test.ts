import { describe, expect, it } from 'vitest';
import { parseArmPath } from '../../sandbox/armPath.js';
import { ArmEngine, type ArmResult } from '../../sandbox/engine.js';
import { ArmError } from '../../sandbox/errors.js';
import { storageProvider } from '../../sandbox/providers/storage.js';
import type { ResourceProvider } from '../../sandbox/providers/types.js';
import { ResourceStore } from '../../sandbox/store.js';
import { SUBSCRIPTION_ID, accountPath, exampleState } from './helpers.js';

/** A provider the way later issues add one: a module exporting a ResourceProvider. */
const insightsLike: ResourceProvider = {
  namespace: 'Microsoft.Insights',
  apiVersions: ['2021-05-01-preview'],
  resourceTypes: [
    {
      type: 'Microsoft.Insights/diagnosticSettings',
      methods: ['GET', 'PUT', 'DELETE'],
      listable: true,
      hasEtag: false,
      putSemantics: 'replace',
      createdStatus: 200,
      validate(context) {
        if (typeof (context.body.properties as Record<string, unknown> | undefined)?.workspaceId !== 'string') {
          throw new ArmError(400, 'BadRequest', 'properties.workspaceId is required');
        }
      },
    },
  ],
};

/** A provider with a POST action and a parent that shows its child, the way storage's immutability policies use them. */
const actionsLike: ResourceProvider = {
  namespace: 'Microsoft.Example',
  apiVersions: ['2024-01-01'],
  resourceTypes: [
    { type: 'Microsoft.Example/machines', methods: ['GET', 'PUT'], listable: false, hasEtag: true, putSemantics: 'replace', createdStatus: 201 },
    {
      type: 'Microsoft.Example/machines/settings',
      methods: ['GET', 'PUT'],
      listable: false,
      hasEtag: true,
      etagStyle: 'lowercase',
      putSemantics: 'replace',
      createdStatus: 201,
      preconditionFailed: () => new ArmError(412, 'SettingsEtagMismatch', 'stale'),
      actions: [
        {
          name: 'freeze',
          requiresIfMatch: true,
          run: ({ resource, body }) => ({ ...resource, properties: { ...resource.properties, frozen: true, reason: body.reason } }),
        },
      ],
      updateParent: (machine, change) => ({ ...machine, properties: { ...machine.properties, lastSettingsChange: change.cause } }),
    },
  ],
};

function engineWith(store: ResourceStore): ArmEngine {
  return new ArmEngine(store, [storageProvider, insightsLike], { pageSize: 10 });
}

function run(engine: ArmEngine, method: string, path: string, apiVersion: string, body?: unknown, preconditions: { ifMatch?: string } = {}): ArmResult {
  const parsed = parseArmPath(path);
  if (parsed === undefined) throw new Error(`not an ARM path: ${path}`);
  return engine.execute({
    method,
    path: parsed,
    rawPath: path,
    apiVersion,
    query: new URLSearchParams({ 'api-version': apiVersion }),
    body,
    preconditions,
    baseUrl: 'https://sandbox.test',
  });
}

function failure(action: () => unknown): ArmError {
  try {
    action();
  } catch (error) {
    if (error instanceof ArmError) return error;
    throw error;
  }
  throw new Error('expected an ArmError');
}

describe('ArmEngine with an added provider', () => {
  const account = accountPath('rg-pharmacy', 'stpharmacyrx01');
  const setting = `${account}/providers/Microsoft.Insights/diagnosticSettings/to-law`;
  const workspace = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-shared-logs/providers/Microsoft.OperationalInsights/workspaces/law`;

  it('serves extension resources on an existing resource, with the provider’s own api-versions', async () => {
    const store = new ResourceStore((await exampleState()).resources);
    const engine = engineWith(store);
    const created = run(engine, 'PUT', setting, '2021-05-01-preview', { properties: { workspaceId: workspace } });
    expect(created.status).toBe(200);
    expect(created.namespace).toBe('Microsoft.Insights');
    expect(created.body).toEqual({
      id: setting,
      name: 'to-law',
      type: 'Microsoft.Insights/diagnosticSettings',
      properties: { workspaceId: workspace },
    });
    const listed = run(engine, 'GET', `${account}/providers/Microsoft.Insights/diagnosticSettings`, '2021-05-01-preview');
    expect((listed.body as { value: unknown[] }).value).toHaveLength(1);

    expect(failure(() => run(engine, 'GET', setting, '2025-08-01')).code).toBe('InvalidApiVersionParameter');
    expect(failure(() => run(engine, 'PUT', setting, '2021-05-01-preview', { properties: {} })).code).toBe('BadRequest');
  });

  it('requires the resource an extension is attached to', async () => {
    const engine = engineWith(new ResourceStore((await exampleState()).resources));
    const orphan = `${accountPath('rg-pharmacy', 'stmissing01')}/providers/Microsoft.Insights/diagnosticSettings/x`;
    const error = failure(() => run(engine, 'PUT', orphan, '2021-05-01-preview', { properties: { workspaceId: workspace } }));
    expect(error.status).toBe(404);
    expect(error.code).toBe('ParentResourceNotFound');
  });

  it('deletes extension resources together with the resource they are on', async () => {
    const store = new ResourceStore((await exampleState()).resources);
    const engine = engineWith(store);
    run(engine, 'PUT', setting, '2021-05-01-preview', { properties: { workspaceId: workspace } });
    const deleted = run(engine, 'DELETE', account, '2025-08-01');
    expect(deleted.changes.map((change) => change.resourceId)).toEqual([account, setting]);
    expect(store.get(setting)).toBeUndefined();
  });

  it('gives new resources ARM’s canonical id casing', () => {
    const engine = engineWith(new ResourceStore());
    const path = `/SUBSCRIPTIONS/${SUBSCRIPTION_ID}/resourcegroups/rg-x/providers/microsoft.storage/storageaccounts/stcasing01`;
    const created = run(engine, 'PUT', path, '2025-08-01', { location: 'eastus2', kind: 'StorageV2', sku: { name: 'Standard_LRS' } });
    expect((created.body as { id: string; type: string }).id).toBe(accountPath('rg-x', 'stcasing01'));
    expect((created.body as { id: string; type: string }).type).toBe('Microsoft.Storage/storageAccounts');
  });
});

describe('ArmEngine actions', () => {
  const machine = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-x/providers/Microsoft.Example/machines/m1`;
  const settings = `${machine}/settings/s1`;

  it('serves POST {resource}/{action}: conditions, the stored result, a new etag and the parent it shows on', () => {
    const store = new ResourceStore();
    const engine = new ArmEngine(store, [actionsLike], { pageSize: 10 });
    run(engine, 'PUT', machine, '2024-01-01', {});
    const written = run(engine, 'PUT', settings, '2024-01-01', { properties: { mode: 'a' } });
    const etag = (written.body as { etag: string }).etag;
    expect(etag).toMatch(/^"8d[0-9a-f]{13}"$/);

    expect(failure(() => run(engine, 'POST', `${settings}/freeze`, '2024-01-01', {})).code).toBe('SettingsEtagMismatch');
    expect(failure(() => run(engine, 'POST', `${settings}/freeze`, '2024-01-01', {}, { ifMatch: '"8d0000000000000"' })).code).toBe('SettingsEtagMismatch');
    expect(failure(() => run(engine, 'POST', `${machine}/settings/none/freeze`, '2024-01-01', {}, { ifMatch: '*' })).code).toBe('ResourceNotFound');
    expect(failure(() => run(engine, 'POST', `${settings}/thaw`, '2024-01-01', {}, { ifMatch: etag })).code).toBe('InvalidResourceType');
    expect(failure(() => run(engine, 'POST', `${settings}/freeze`, '2099-01-01', {}, { ifMatch: etag })).code).toBe('InvalidApiVersionParameter');
    expect(failure(() => run(engine, 'POST', settings, '2024-01-01', {})).code).toBe('MethodNotAllowed');

    const frozen = run(engine, 'POST', `${settings}/freeze`, '2024-01-01', { reason: 'audit' }, { ifMatch: etag });
    expect(frozen.status).toBe(200);
    expect(frozen.body).toMatchObject({ id: settings, properties: { mode: 'a', frozen: true, reason: 'audit' } });
    expect(frozen.etag).not.toBe(etag);
    expect(frozen.changes.map((change) => [change.operation, change.action, change.resourceId])).toEqual([
      ['write', 'freeze', settings],
      ['write', undefined, machine],
    ]);
    expect(store.get(settings)?.properties?.frozen).toBe(true);
    expect(store.get(machine)?.properties?.lastSettingsChange).toBe('freeze');
  });
});
