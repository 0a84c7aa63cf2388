import { randomUUID } from 'node:crypto';
import { readSharedJson } from './fixtures.js';

type Json = Record<string, unknown>;

const TEMPLATE = (readSharedJson('fixtures', 'events', 'storage-account-write.json') as Json[])[0]!;

export const SUB = '11111111-2222-4333-8444-555555555555';
export const RX01 = `/subscriptions/${SUB}/resourceGroups/rg-pharmacy/providers/Microsoft.Storage/storageAccounts/stpharmacyrx01`;
export const OK02 = `/subscriptions/${SUB}/resourceGroups/rg-pharmacy/providers/Microsoft.Storage/storageAccounts/stpharmacyok02`;
export const PRESCRIPTIONS = `${OK02}/blobServices/default/containers/prescriptions`;

/** An ARM event in the shape of ../shared/fixtures/events/storage-account-write.json, for another resource. */
export function armWriteEvent(resourceId: string, options: { id?: string; eventType?: string; operationName?: string; claims?: Json } = {}): Json {
  const type = resourceId.split('/providers/').at(-1)!.split('/').filter((_, i) => i === 0 || i % 2 === 1).join('/');
  const data = TEMPLATE['data'] as Json;
  // The subscription's system topic delivers it, and its data names that subscription.
  const subscription = /^\/subscriptions\/([^/]+)/i.exec(resourceId)?.[1] ?? SUB;
  return {
    ...TEMPLATE,
    id: options.id ?? randomUUID(),
    topic: `/subscriptions/${subscription}`,
    subject: resourceId,
    eventType: options.eventType ?? 'Microsoft.Resources.ResourceWriteSuccess',
    data: {
      ...data,
      resourceUri: resourceId,
      subscriptionId: subscription,
      operationName: options.operationName ?? `${type}/write`,
      claims: { ...(data['claims'] as Json), ...options.claims },
    },
  };
}

/** Claims of the service's own identity (the sandbox's stand-in for its managed identity). */
export const SELF_CLAIMS = {
  appid: '2f4e6d8c-0a1b-4c3d-9e5f-7a6b5c4d3e2f',
  'http://schemas.microsoft.com/identity/claims/objectidentifier': '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
  idtyp: 'app',
};
