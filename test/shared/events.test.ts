import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BadBatchError, normalizeGuid, parseEvent, parseEventBatch } from '../../shared/events.js';
import { readSharedJson, sharedPath } from '../helpers/fixtures.js';

function fixture(name: string): unknown {
  return readSharedJson('fixtures', 'events', name);
}

function only(batch: unknown) {
  const parsed = parseEventBatch(batch);
  expect(parsed).toHaveLength(1);
  return parsed[0]!;
}

describe('parseEventBatch on the shared fixtures', () => {
  it('normalises an Event Grid storage write, keeping ids and dropping personal data', () => {
    const parsed = only(fixture('storage-account-write.json'));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.event.kind).toBe('write');
    expect(parsed.event.succeeded).toBe(true);
    expect(parsed.event.schema).toBe('EventGridSchema');
    expect(parsed.event.resource.resourceType).toBe('Microsoft.Storage/storageAccounts');
    expect(parsed.event.caller).toEqual({
      objectId: '4b8d2f6a-1c3e-45a7-b9d0-e2f4a6c8b1d3',
      appId: '04b07795-8ddb-461a-bbee-02f9e1bf7b46',
      principalType: 'User',
    });
    const serialized = JSON.stringify(parsed.event);
    expect(serialized).not.toMatch(/Canaryfield|northwind-health|198\.51\.100\.77|203\.0\.113\.24/);
  });

  it('reads the same change from the CloudEvents form', () => {
    const eg = only(fixture('storage-account-write.json'));
    const ce = only(fixture('storage-account-write.cloudevents.json'));
    expect(ce.ok && ce.event.schema).toBe('CloudEventSchemaV1_0');
    expect(ce.ok && ce.event.resource.key).toBe(eg.ok && eg.event.resource.key);
  });

  it('compares ids case-insensitively (resourcegroups vs resourceGroups)', () => {
    const parsed = only(fixture('storage-account-create-lowercase-rg.json'));
    expect(parsed.ok && parsed.event.resource.id).toContain('/resourceGroups/rg-pharmacy/');
  });

  it('marks failed writes as not succeeded and parses actions', () => {
    const failed = only(fixture('write-failure.json'));
    expect(failed.ok && failed.event.succeeded).toBe(false);
    const action = only(fixture('storage-listkeys-action.json'));
    expect(action.ok && action.event.kind).toBe('action');
  });

  it('parses every event of the mixed batch, including non-storage resources', () => {
    const parsed = parseEventBatch(fixture('batch-mixed.json'));
    expect(parsed).toHaveLength(4);
    expect(parsed.every((p) => p.ok)).toBe(true);
  });

  it('recognises self-made changes by the service principal ids', () => {
    const parsed = only(readSharedJson('fixtures', 'events', 'variants', 'keyVaultKey.write.ResourceWriteSuccess.bySelf.eventgrid.json'));
    expect(parsed.ok && parsed.event.caller).toEqual({
      objectId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
      appId: '2f4e6d8c-0a1b-4c3d-9e5f-7a6b5c4d3e2f',
      principalType: 'ServicePrincipal',
    });
  });

  it('accepts every variant fixture (valid ids) and rejects the docs examples with placeholder ids', () => {
    for (const name of readdirSync(sharedPath('fixtures', 'events', 'variants')).filter((n) => n.endsWith('.json') && !n.startsWith('_'))) {
      for (const p of parseEventBatch(readSharedJson('fixtures', 'events', 'variants', name))) expect(p.ok, name).toBe(true);
    }
    const docs = only(fixture('docs.ResourceWriteSuccess.storageAccount.eventgrid.json'));
    expect(docs.ok).toBe(false);
    if (!docs.ok) expect(docs.reason).toMatch(/subscription id is not a GUID/);
  });

  it('rejects a CloudEvent without a lower-case specversion (the spec example quirk) with a reason', () => {
    const parsed = only(fixture('spec/resource_delete_success.cloudevents.json'));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(/specversion/);
  });
});

describe('diagnostic settings are judged as the resource they are on', () => {
  it('a deleted setting on a vault is a delete event for the vault, naming who deleted it', () => {
    const parsed = only(fixture('diagnostic-setting-delete.json'));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.event.kind).toBe('delete');
    expect(parsed.event.operationName).toBe('Microsoft.Insights/diagnosticSettings/delete');
    expect(parsed.event.resource.resourceType).toBe('Microsoft.KeyVault/vaults');
    expect(parsed.event.resource.id).toBe('/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg-pharmacy/providers/Microsoft.KeyVault/vaults/kv-pharmacy-cmk');
    expect(parsed.event.caller).toEqual({ objectId: '4b8d2f6a-1c3e-45a7-b9d0-e2f4a6c8b1d3', appId: '04b07795-8ddb-461a-bbee-02f9e1bf7b46', principalType: 'User' });
    expect(JSON.stringify(parsed.event)).not.toMatch(/Canaryfield|198\.51\.100\.77|203\.0\.113\.24/);
  });

  it('the variant fixtures: a delete on a vault, a write on a blob service', () => {
    const deleted = only(readSharedJson('fixtures', 'events', 'variants', 'diagnosticSettings.delete.ResourceDeleteSuccess.eventgrid.json'));
    expect(deleted.ok && [deleted.event.kind, deleted.event.resource.resourceType, deleted.event.resource.name]).toEqual(['delete', 'Microsoft.KeyVault/vaults', 'kv-phi-prod']);
    const written = only(readSharedJson('fixtures', 'events', 'variants', 'diagnosticSettings.write.ResourceWriteSuccess.eventgrid.json'));
    expect(written.ok && [written.event.kind, written.event.resource.resourceType, written.event.resource.parent?.name]).toEqual(['write', 'Microsoft.Storage/storageAccounts/blobServices', 'stphiprod001']);
  });

  it('a setting on a blob service is judged as the blob service; on anything unmonitored it stays a setting', () => {
    const template = (fixture('diagnostic-setting-delete.json') as Record<string, unknown>[])[0]!;
    const on = (scope: string) => {
      const id = `${scope}/providers/Microsoft.Insights/diagnosticSettings/hipaa-audit`;
      const parsed = parseEvent({ ...template, subject: id, data: { ...(template['data'] as object), resourceUri: id } });
      if (!parsed.ok) throw new Error(parsed.reason);
      return parsed.event.resource;
    };
    const sub = '/subscriptions/11111111-2222-4333-8444-555555555555';
    const account = `${sub}/resourceGroups/rg-clinical/providers/Microsoft.Storage/storageAccounts/stclinical01`;
    expect(on(`${account}/blobServices/default`)).toMatchObject({ resourceType: 'Microsoft.Storage/storageAccounts/blobServices', id: `${account}/blobServices/default` });
    // Casing as Azure Monitor spells ids: still the blob service.
    expect(on(`${sub}/resourcegroups/rg-clinical/providers/microsoft.storage/storageaccounts/stclinical01/blobservices/default`).key).toBe(`${account}/blobServices/default`.toLowerCase());
    expect(on(account).resourceType).toBe('Microsoft.Insights/diagnosticSettings');
    expect(on(sub).resourceType).toBe('Microsoft.Insights/diagnosticSettings');
  });
});

describe('parseEvent rejections', () => {
  const good = (fixture('storage-account-write.json') as Record<string, unknown>[])[0]!;
  const withData = (patch: Record<string, unknown>) => ({ ...good, data: { ...(good['data'] as object), ...patch } });

  it.each([
    ['hostile resource id', withData({ resourceUri: '/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/../x' }), /relative path segment/],
    ['subject and resourceUri disagree', { ...good, subject: '/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/other/providers/Microsoft.Storage/storageAccounts/x' }, /different resources/],
    ['subscriptionId mismatch', withData({ subscriptionId: '22222222-2222-4333-8444-555555555555' }), /subscriptionId/],
    ['non-ARM event type', { ...good, eventType: 'Microsoft.Storage.BlobCreated' }, /not an ARM resource event/],
    ['data of the wrong type', { ...good, data: 'x' }, /invalid ARM event data/],
    ['claims with non-string values', withData({ claims: { appid: 5 } }), /claims/],
    ['missing id', { ...good, id: undefined }, /id/],
    ['validation event in a notification', { ...good, eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent' }, /validation/],
    ['a number', 42, /not an event object/],
  ])('%s', (_label, event, reason) => {
    const parsed = parseEvent(event);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });

  it('refuses input that holds no events at all', () => {
    expect(() => parseEventBatch({ hello: 'world' })).toThrow(BadBatchError);
    expect(() => parseEventBatch([1, 2, 3])).toThrow(BadBatchError);
    expect(() => parseEventBatch('text')).toThrow(BadBatchError);
    expect(parseEventBatch([])).toEqual([]);
  });
});

describe('normalizeGuid', () => {
  it('adds dashes and lower-cases, rejects non-GUIDs', () => {
    expect(normalizeGuid('4B8D2F6A1C3E45A7B9D0E2F4A6C8B1D3')).toBe('4b8d2f6a-1c3e-45a7-b9d0-e2f4a6c8b1d3');
    expect(normalizeGuid('nope')).toBeUndefined();
  });
});
