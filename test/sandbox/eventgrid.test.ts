import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ArmEvent, type CloudEvent, type Sandbox, type SandboxChange, startSandbox } from '../../sandbox/index.js';
import {
  SDK_STORAGE_API_VERSION,
  SERVICE_PRINCIPAL,
  SUBSCRIPTION_ID,
  USER,
  type ReceivedRequest,
  type TestWebhook,
  accountPath,
  exampleState,
  politeReply,
  storageClient,
  startWebhook,
} from './helpers.js';

const RG = 'rg-pharmacy';
const OID_CLAIM = 'http://schemas.microsoft.com/identity/claims/objectidentifier';
const TID_CLAIM = 'http://schemas.microsoft.com/identity/claims/tenantid';
const UPN_CLAIM = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn';

function eventsOf(request: ReceivedRequest): ArmEvent[] {
  return JSON.parse(request.body) as ArmEvent[];
}

async function fixtureEvents(name: string): Promise<ArmEvent[]> {
  return JSON.parse(await readFile(new URL(`../../../shared/fixtures/events/${name}`, import.meta.url), 'utf8')) as ArmEvent[];
}

/** Keys of an object and, recursively, of its object-valued fields. */
function shape(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return typeof value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shape(inner)]));
}

describe('ARM events delivered by Event Grid to a webhook', () => {
  let sandbox: Sandbox;
  let webhook: TestWebhook;
  beforeEach(async () => {
    sandbox = await startSandbox({ state: await exampleState() });
  });
  afterEach(async () => {
    await sandbox.close();
    await webhook.close();
  });

  it('validates the endpoint, then delivers the write event of a PATCH', async () => {
    webhook = await startWebhook();
    await sandbox.eventGrid.subscribe({ name: 'hipaa-arm-events', endpoint: webhook.url });

    const [validation] = webhook.received;
    expect(validation?.method).toBe('POST');
    expect(validation?.headers['aeg-event-type']).toBe('SubscriptionValidation');
    const [validationEvent] = JSON.parse(validation?.body ?? '[]') as Record<string, unknown>[];
    expect(validationEvent).toMatchObject({
      topic: `/subscriptions/${SUBSCRIPTION_ID}`,
      subject: '',
      eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
      metadataVersion: '1',
      dataVersion: '1',
      data: { validationCode: expect.any(String) as unknown, validationUrl: expect.stringMatching(/^https:\/\//) as unknown },
    });

    await storageClient(sandbox).storageAccounts.update(RG, 'stpharmacyrx01', { allowBlobPublicAccess: false });
    await sandbox.eventGrid.idle();

    const [notification] = webhook.notifications();
    expect(notification?.headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'aeg-event-type': 'Notification',
      'aeg-subscription-name': 'HIPAA-ARM-EVENTS',
      'aeg-delivery-count': '0',
      'aeg-data-version': '2',
      'aeg-metadata-version': '1',
    });
    const events = eventsOf(notification!);
    expect(events).toHaveLength(1);
    const [event] = events as [ArmEvent];
    const id = accountPath(RG, 'stpharmacyrx01');
    expect(event).toMatchObject({
      topic: `/subscriptions/${SUBSCRIPTION_ID}`,
      subject: id,
      eventType: 'Microsoft.Resources.ResourceWriteSuccess',
      dataVersion: '2',
      metadataVersion: '1',
      data: {
        authorization: {
          scope: id,
          action: 'Microsoft.Storage/storageAccounts/write',
          evidence: { principalId: '4b8d2f6a1c3e45a7b9d0e2f4a6c8b1d3', principalType: 'User', roleAssignmentScope: `/subscriptions/${SUBSCRIPTION_ID}` },
        },
        resourceProvider: 'Microsoft.Storage',
        resourceUri: id,
        operationName: 'Microsoft.Storage/storageAccounts/write',
        status: 'Succeeded',
        subscriptionId: SUBSCRIPTION_ID,
        tenantId: USER.tenantId,
      },
    });
    expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(event.eventTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
    expect(event.data.claims).toMatchObject({
      appid: USER.appId,
      idtyp: 'user',
      [OID_CLAIM]: USER.objectId,
      [TID_CLAIM]: USER.tenantId,
      // Real ARM events carry the caller's personal data; the service has to strip it.
      name: USER.name,
      [UPN_CLAIM]: USER.upn,
    });
    expect(event.data.httpRequest).toMatchObject({ method: 'PATCH', clientIpAddress: '127.0.0.1' });
    expect(event.data.httpRequest?.url).toBe(`${sandbox.url}${id}?api-version=${SDK_STORAGE_API_VERSION}`);
    // The SDK's x-ms-client-request-id becomes the event's clientRequestId.
    expect(event.data.httpRequest?.clientRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(event.data.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sandbox.eventGrid.deliveries).toEqual([
      { subscription: 'hipaa-arm-events', eventIds: [event.id], attempt: 1, status: 200 },
    ]);
  });

  it('shapes events like the recorded fixtures', async () => {
    webhook = await startWebhook();
    await sandbox.eventGrid.subscribe({ name: 'shape', endpoint: webhook.url });
    await storageClient(sandbox).storageAccounts.update(RG, 'stpharmacyrx01', { minimumTlsVersion: 'TLS1_2' });
    await sandbox.eventGrid.idle();
    const [ours] = eventsOf(webhook.notifications()[0]!);
    const [fixture] = await fixtureEvents('storage-account-write.json');
    const { claims: ourClaims, ...ourData } = ours!.data;
    const { claims: fixtureClaims, ...fixtureData } = fixture!.data;
    expect(shape({ ...ours, data: ourData })).toEqual(shape({ ...fixture, data: fixtureData }));
    // Every claim the sandbox sends is one that real ARM events carry.
    const batch = JSON.parse(
      await readFile(new URL('../../../shared/fixtures/events/webhook.Notification.batch.request.json', import.meta.url), 'utf8'),
    ) as { body: ArmEvent[] };
    const realClaims = new Set([...Object.keys(fixtureClaims), ...batch.body.flatMap((event) => Object.keys(event.data.claims))]);
    expect(Object.keys(ourClaims).filter((claim) => !realClaims.has(claim))).toEqual([]);
  });

  it('omits httpRequest on create, and reports deletes', async () => {
    webhook = await startWebhook();
    await sandbox.eventGrid.subscribe({ name: 'lifecycle', endpoint: webhook.url });
    const client = storageClient(sandbox);
    await client.blobContainers.create(RG, 'stpharmacyrx01', 'lab-results', {});
    await sandbox.eventGrid.idle();
    await client.blobContainers.delete(RG, 'stpharmacyrx01', 'lab-results');
    await sandbox.eventGrid.idle();

    const [created, deleted] = webhook.notifications().flatMap(eventsOf);
    const id = `${accountPath(RG, 'stpharmacyrx01')}/blobServices/default/containers/lab-results`;
    expect(created).toMatchObject({
      subject: id,
      eventType: 'Microsoft.Resources.ResourceWriteSuccess',
      data: { operationName: 'Microsoft.Storage/storageAccounts/blobServices/containers/write' },
    });
    expect(created?.data.httpRequest).toBeUndefined();
    expect(deleted).toMatchObject({
      subject: id,
      eventType: 'Microsoft.Resources.ResourceDeleteSuccess',
      data: {
        authorization: { action: 'Microsoft.Storage/storageAccounts/blobServices/containers/delete' },
        operationName: 'Microsoft.Storage/storageAccounts/blobServices/containers/delete',
        httpRequest: { method: 'DELETE' },
      },
    });
  });

  it('makes no event for reads, failed writes or deletes of nothing', async () => {
    webhook = await startWebhook();
    await sandbox.eventGrid.subscribe({ name: 'quiet', endpoint: webhook.url });
    const client = storageClient(sandbox);
    await client.storageAccounts.getProperties(RG, 'stpharmacyrx01');
    await client.storageAccounts.update(RG, 'stpharmacyrx01', { minimumTlsVersion: 'TLS9' }).catch(() => undefined);
    await client.storageAccounts.delete(RG, 'stnothere01');
    await sandbox.eventGrid.idle();
    expect(webhook.notifications()).toEqual([]);
  });

  it('describes a service principal caller without personal data', async () => {
    webhook = await startWebhook();
    await sandbox.eventGrid.subscribe({ name: 'apps', endpoint: webhook.url });
    await storageClient(sandbox, SERVICE_PRINCIPAL).blobContainers.update(RG, 'stpharmacyok02', 'prescriptions', { publicAccess: 'None' });
    await sandbox.eventGrid.idle();
    const [event] = eventsOf(webhook.notifications()[0]!);
    expect(event?.data.claims).toMatchObject({ idtyp: 'app', appid: SERVICE_PRINCIPAL.appId, [OID_CLAIM]: SERVICE_PRINCIPAL.objectId });
    expect(event?.data.claims).not.toHaveProperty('name');
    expect(event?.data.claims).not.toHaveProperty([UPN_CLAIM]);
    expect(event?.data.authorization.evidence).toMatchObject({ principalId: '9a8b7c6d5e4f4a3b8c2d1e0f9a8b7c6d', principalType: 'ServicePrincipal' });
  });

  it('batches up to maxEventsPerBatch events per POST', async () => {
    webhook = await startWebhook();
    await sandbox.eventGrid.subscribe({ name: 'batched', endpoint: webhook.url, maxEventsPerBatch: 2 });
    const events = await fixtureEvents('storage-account-write.json');
    const five = Array.from({ length: 5 }, (_, i) => ({ ...events[0]!, id: `00000000-0000-4000-8000-00000000000${i}` }));
    sandbox.eventGrid.publish(five);
    await sandbox.eventGrid.idle();
    const sizes = webhook.notifications().map((request) => eventsOf(request).length).sort();
    expect(sizes).toEqual([1, 2, 2]);
    const delivered = webhook.notifications().flatMap(eventsOf).map((event) => event.id).sort();
    expect(delivered).toEqual(five.map((event) => event.id));
  });

  it('collects ARM writes made within the batch window into one POST', async () => {
    await sandbox.close();
    sandbox = await startSandbox({ state: await exampleState(), eventBatchWindowMs: 60_000 });
    webhook = await startWebhook();
    await sandbox.eventGrid.subscribe({ name: 'window', endpoint: webhook.url, maxEventsPerBatch: 3 });
    const client = storageClient(sandbox);
    for (const name of ['b-one', 'b-two', 'b-three']) await client.blobContainers.create(RG, 'stpharmacyrx01', name, {});
    // The third event fills the batch, so delivery does not wait for the (long) window.
    await sandbox.eventGrid.idle();
    expect(webhook.notifications()).toHaveLength(1);
    expect(eventsOf(webhook.notifications()[0]!).map((event) => event.subject.split('/').at(-1))).toEqual(['b-one', 'b-two', 'b-three']);
  });

  it('retries after a 500 and then delivers', async () => {
    let notificationsSeen = 0;
    webhook = await startWebhook((request) => {
      if (request.headers['aeg-event-type'] !== 'Notification') return politeReply(request);
      notificationsSeen += 1;
      return { status: notificationsSeen === 1 ? 500 : 200 };
    });
    await sandbox.eventGrid.subscribe({ name: 'flaky', endpoint: webhook.url, retryDelaysMs: [10] });
    await storageClient(sandbox).storageAccounts.update(RG, 'stpharmacyrx01', { minimumTlsVersion: 'TLS1_2' });
    await sandbox.eventGrid.idle();

    expect(webhook.notifications().map((request) => request.headers['aeg-delivery-count'])).toEqual(['0', '1']);
    expect(webhook.notifications()[0]?.body).toBe(webhook.notifications()[1]?.body);
    expect(sandbox.eventGrid.deliveries.map(({ attempt, status }) => ({ attempt, status }))).toEqual([
      { attempt: 1, status: 500 },
      { attempt: 2, status: 200 },
    ]);
    expect(sandbox.eventGrid.deadLetters).toEqual([]);
  });

  it('dead-letters at once on 400, without retrying', async () => {
    webhook = await startWebhook((request) => (request.headers['aeg-event-type'] === 'Notification' ? { status: 400 } : politeReply(request)));
    await sandbox.eventGrid.subscribe({ name: 'strict', endpoint: webhook.url, retryDelaysMs: [10] });
    await storageClient(sandbox).storageAccounts.update(RG, 'stpharmacyrx01', { minimumTlsVersion: 'TLS1_2' });
    await sandbox.eventGrid.idle();

    expect(webhook.notifications()).toHaveLength(1);
    const [dead] = sandbox.eventGrid.deadLetters;
    expect(dead).toMatchObject({
      subscription: 'strict',
      deadLetterReason: 'NoRetryStatus',
      deliveryAttempts: 1,
      lastDeliveryOutcome: 'BadRequest',
      lastHttpStatusCode: 400,
    });
    expect((dead?.event as ArmEvent).data.operationName).toBe('Microsoft.Storage/storageAccounts/write');
  });

  it('dead-letters after maxDeliveryAttempts failures', async () => {
    webhook = await startWebhook((request) => (request.headers['aeg-event-type'] === 'Notification' ? { status: 503 } : politeReply(request)));
    await sandbox.eventGrid.subscribe({ name: 'down', endpoint: webhook.url, maxDeliveryAttempts: 3, retryDelaysMs: [5, 10] });
    await storageClient(sandbox).storageAccounts.update(RG, 'stpharmacyrx01', { minimumTlsVersion: 'TLS1_2' });
    await sandbox.eventGrid.idle();

    expect(webhook.notifications().map((request) => request.headers['aeg-delivery-count'])).toEqual(['0', '1', '2']);
    expect(sandbox.eventGrid.deadLetters).toMatchObject([
      { deadLetterReason: 'MaxDeliveryAttemptsExceeded', deliveryAttempts: 3, lastDeliveryOutcome: 'Busy' },
    ]);
  });

  it('treats a webhook that does not answer in time as a failed attempt', async () => {
    webhook = await startWebhook((request, index) => {
      if (request.headers['aeg-event-type'] !== 'Notification') return politeReply(request);
      return index === 1 ? 'hang' : { status: 200 };
    });
    await sandbox.eventGrid.subscribe({ name: 'slow', endpoint: webhook.url, deliveryTimeoutMs: 100, retryDelaysMs: [0] });
    await storageClient(sandbox).storageAccounts.update(RG, 'stpharmacyrx01', { minimumTlsVersion: 'TLS1_2' });
    await sandbox.eventGrid.idle();
    const deliveries = sandbox.eventGrid.deliveries;
    expect(deliveries.map(({ attempt, status }) => ({ attempt, status }))).toEqual([
      { attempt: 1, status: 0 },
      { attempt: 2, status: 200 },
    ]);
    expect(deliveries[0]?.error).toContain('100 ms');
  });

  it('does not hold ARM answers or close() for deliveries still pending', async () => {
    webhook = await startWebhook((request) => (request.headers['aeg-event-type'] === 'Notification' ? 'hang' : politeReply(request)));
    await sandbox.eventGrid.subscribe({ name: 'stuck', endpoint: webhook.url });
    const updated = await storageClient(sandbox).storageAccounts.update(RG, 'stpharmacyrx01', { minimumTlsVersion: 'TLS1_2' });
    expect(updated.minimumTlsVersion).toBe('TLS1_2');
    await webhook.waitForNotifications(1);
    const idle = sandbox.eventGrid.idle();
    await sandbox.close();
    await idle;
    expect(sandbox.eventGrid.deliveries).toEqual([]);
  });

  it('stops delivering after unsubscribe', async () => {
    webhook = await startWebhook();
    await sandbox.eventGrid.subscribe({ name: 'gone', endpoint: webhook.url });
    sandbox.eventGrid.unsubscribe('gone');
    await storageClient(sandbox).storageAccounts.update(RG, 'stpharmacyrx01', { minimumTlsVersion: 'TLS1_2' });
    await sandbox.eventGrid.idle();
    expect(webhook.notifications()).toEqual([]);
  });
});

describe('Event Grid subscription validation', () => {
  let sandbox: Sandbox;
  let webhook: TestWebhook;
  beforeEach(async () => {
    sandbox = await startSandbox({ state: await exampleState() });
  });
  afterEach(async () => {
    await sandbox.close();
    await webhook.close();
  });

  it('rejects subscribe() when the endpoint answers 202 instead of echoing the code', async () => {
    webhook = await startWebhook(() => ({ status: 202 }));
    await expect(sandbox.eventGrid.subscribe({ name: 'lazy', endpoint: webhook.url })).rejects.toThrow(
      /subscription "lazy" failed webhook validation .* HTTP 202/,
    );
  });

  it('rejects subscribe() when the endpoint echoes the wrong code', async () => {
    webhook = await startWebhook(() => ({ status: 200, body: '{"validationResponse":"nope"}' }));
    await expect(sandbox.eventGrid.subscribe({ name: 'wrong', endpoint: webhook.url })).rejects.toThrow(/validationResponse "nope"/);
  });

  it('rejects subscribe() when the endpoint is unreachable', async () => {
    webhook = await startWebhook();
    const url = webhook.url;
    await webhook.close();
    await expect(sandbox.eventGrid.subscribe({ name: 'nobody', endpoint: url })).rejects.toThrow(/unreachable/);
  });

  it('does the OPTIONS handshake and posts CloudEvents 1.0 for a CloudEvents subscription', async () => {
    webhook = await startWebhook();
    await sandbox.eventGrid.subscribe({ name: 'cloud', endpoint: webhook.url, schema: 'CloudEventSchemaV1_0' });
    const [handshake] = webhook.received;
    expect(handshake?.method).toBe('OPTIONS');
    expect(handshake?.headers['webhook-request-origin']).toBe('eventgrid.azure.net');

    await storageClient(sandbox).blobContainers.update(RG, 'stpharmacyok02', 'prescriptions', { publicAccess: 'None' });
    await sandbox.eventGrid.idle();
    const [notification] = webhook.notifications();
    expect(notification?.headers['content-type']).toBe('application/cloudevents-batch+json; charset=utf-8');
    const [event] = JSON.parse(notification?.body ?? '[]') as CloudEvent<ArmEvent['data']>[];
    const id = `${accountPath(RG, 'stpharmacyok02')}/blobServices/default/containers/prescriptions`;
    expect(event).toMatchObject({
      specversion: '1.0',
      type: 'Microsoft.Resources.ResourceWriteSuccess',
      source: `/subscriptions/${SUBSCRIPTION_ID}`,
      subject: id,
      datacontenttype: 'application/json',
      data: { operationName: 'Microsoft.Storage/storageAccounts/blobServices/containers/write', resourceUri: id },
    });
    const [fixture] = JSON.parse(
      await readFile(new URL('../../../shared/fixtures/events/storage-account-write.cloudevents.json', import.meta.url), 'utf8'),
    ) as Record<string, unknown>[];
    expect(Object.keys(event ?? {}).sort()).toEqual(Object.keys(fixture ?? {}).sort());
  });

  it('rejects a CloudEvents subscription whose endpoint does not allow the origin', async () => {
    webhook = await startWebhook(() => ({ status: 200 }));
    await expect(sandbox.eventGrid.subscribe({ name: 'closed', endpoint: webhook.url, schema: 'CloudEventSchemaV1_0' })).rejects.toThrow(
      /WebHook-Allowed-Origin/,
    );
  });
});

describe('onChange', () => {
  it('reports every change with its caller, including cascaded deletes', async () => {
    const sandbox = await startSandbox({ state: await exampleState() });
    try {
      const changes: SandboxChange[] = [];
      const stop = sandbox.onChange((change) => changes.push(change));
      const client = storageClient(sandbox);
      await client.blobContainers.update(RG, 'stpharmacyok02', 'prescriptions', { publicAccess: 'None' });
      await client.storageAccounts.delete(RG, 'stpharmacyok02');
      stop();
      await client.storageAccounts.delete(RG, 'stpharmacyrx01');

      expect(changes.map(({ operation, resourceType, caller }) => [operation, resourceType, caller.objectId])).toEqual([
        ['write', 'Microsoft.Storage/storageAccounts/blobServices/containers', USER.objectId],
        ['delete', 'Microsoft.Storage/storageAccounts', USER.objectId],
        ['delete', 'Microsoft.Storage/storageAccounts/blobServices/containers', USER.objectId],
      ]);
      expect(changes[0]?.before?.properties?.publicAccess).toBe('Blob');
      expect(changes[0]?.after?.properties?.publicAccess).toBe('None');
    } finally {
      await sandbox.close();
    }
  });
});
