/**
 * The webhook host over real HTTP, fed by the sandbox's Event Grid exactly as Azure would:
 * validation handshake, batches, redelivery on 5xx. A simulated user changes a resource
 * through ARM with the real SDK; the service must put it back.
 */
import { StorageManagementClient } from '@azure/arm-storage';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSandboxState, sandboxCredential } from '../../sandbox/index.js';
import { startWebhookServer, type WebhookServer } from '../../shared/webhookServer.js';
import { armWriteEvent, OK02, PRESCRIPTIONS, SUB } from '../helpers/events.js';
import { readSharedJson, sharedPath } from '../helpers/fixtures.js';
import { startWorld, type World } from '../helpers/world.js';

const USER = { objectId: '4b8d2f6a-1c3e-45a7-b9d0-e2f4a6c8b1d3', appId: '04b07795-8ddb-461a-bbee-02f9e1bf7b46', principalType: 'User' as const, name: 'Dana Canaryfield', upn: 'dana.canaryfield@northwind-health.example' };

let world: World;
let webhook: WebhookServer;

beforeEach(async () => {
  world = await startWorld(await loadSandboxState(sharedPath('examples', 'storage-state.json')));
  webhook = await startWebhookServer({ port: 0, processBatch: (b) => world.runtime.pipeline.processBatch(b), log: world.runtime.log });
});
afterEach(async () => {
  await webhook.close();
  await world.close();
});

function userClient(): StorageManagementClient {
  return new StorageManagementClient(sandboxCredential(USER), SUB, { endpoint: world.sandbox.url, tlsOptions: { ca: world.sandbox.ca } });
}

async function post(body: string, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown }> {
  const response = await fetch(webhook.url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  const text = await response.text();
  return { status: response.status, json: text.length > 0 ? (JSON.parse(text) as unknown) : undefined };
}

async function until(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('webhook host', () => {
  it('completes the Event Grid validation handshake with the documented request', async () => {
    const fixture = readSharedJson('fixtures', 'events', 'webhook.SubscriptionValidation.request.json') as { headers: Record<string, string>; body: unknown; expectedResponse: { status: number; body: unknown } };
    const reply = await post(JSON.stringify(fixture.body), { 'aeg-event-type': 'SubscriptionValidation' });
    expect(reply).toEqual({ status: fixture.expectedResponse.status, json: fixture.expectedResponse.body });
  });

  it('answers the CloudEvents abuse-protection handshake', async () => {
    const response = await fetch(webhook.url, { method: 'OPTIONS', headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
  });

  it('is subscribed by the sandbox Event Grid and puts back an account a user opened to public access', async () => {
    await world.sandbox.eventGrid.subscribe({ name: 'svc', endpoint: webhook.url, maxEventsPerBatch: 10 });
    await userClient().storageAccounts.update('rg-pharmacy', 'stpharmacyok02', { allowBlobPublicAccess: true });
    await until(() => world.serviceRequests('PATCH').length === 1);
    // The service's own PATCH comes back as an event too and must be recognised as its own: no loop.
    await until(() => world.sandbox.eventGrid.deliveries.filter((d) => d.status === 200).length >= 2);
    await world.sandbox.eventGrid.idle();
    const stored = world.sandbox.snapshot().resources.find((r) => r.id.toLowerCase() === OK02.toLowerCase());
    expect((stored?.properties as Record<string, unknown>)['allowBlobPublicAccess']).toBe(false);
    expect(world.serviceRequests('PATCH')).toHaveLength(1);
    const audit = await world.audit();
    expect(audit.some((r) => r.decision === 'remediated' && r.remediator === 'storage-public-access')).toBe(true);
    expect(audit.some((r) => r.decision === 'skipped' && /own identity/.test(r.reason ?? ''))).toBe(true);
    expect(JSON.stringify(audit)).not.toMatch(/Canaryfield|northwind-health/);
  });

  it('answers 400 to a body that is not JSON or not events (Event Grid does not retry those)', async () => {
    expect((await post('{not json', { 'aeg-event-type': 'Notification' })).status).toBe(400);
    expect((await post('{"a":1}', { 'aeg-event-type': 'Notification' })).status).toBe(400);
  });

  it('answers 503 when ARM is down so Event Grid redelivers, then 200 once it is back', async () => {
    const fault = world.sandbox.faults.inject({ method: 'GET', status: 503, times: 1000 });
    const event = JSON.stringify([armWriteEvent(PRESCRIPTIONS)]);
    const first = await post(event, { 'aeg-event-type': 'Notification' });
    expect(first.status).toBe(503);
    fault.remove();
    const second = await post(event, { 'aeg-event-type': 'Notification' });
    expect(second.status).toBe(200);
  });

  it('answers 200 for a batch whose bad events were rejected and recorded', async () => {
    const batch = [{ id: 'x', eventType: 'Microsoft.Resources.ResourceWriteSuccess', subject: '/etc/passwd', eventTime: 'now', dataVersion: '2', data: { resourceUri: '/etc/passwd', operationName: 'x' } }];
    const reply = await post(JSON.stringify(batch), { 'aeg-event-type': 'Notification' });
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ summary: { rejected: 1 } });
  });

  it('refuses requests without the configured key (401, not retried) and accepts ?code= or x-functions-key', async () => {
    const key = 'k'.repeat(40);
    const guarded = await startWebhookServer({ port: 0, processBatch: (b) => world.runtime.pipeline.processBatch(b), log: world.runtime.log, key });
    try {
      const body = JSON.stringify([armWriteEvent(PRESCRIPTIONS)]);
      const send = (url: string, headers: Record<string, string> = {}) => fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', 'aeg-event-type': 'Notification', ...headers } });
      expect((await send(guarded.url)).status).toBe(401);
      expect((await send(`${guarded.url}?code=${'x'.repeat(40)}`)).status).toBe(401);
      expect(world.serviceRequests()).toEqual([]);
      expect((await send(`${guarded.url}?code=${key}`)).status).toBe(200);
      expect((await send(guarded.url, { 'x-functions-key': key })).status).toBe(200);
    } finally {
      await guarded.close();
    }
  });

  it('takes CloudEvents 1.0 batches from a CloudEvents subscription (OPTIONS handshake first)', async () => {
    await world.sandbox.eventGrid.subscribe({ name: 'svc-ce', endpoint: webhook.url, schema: 'CloudEventSchemaV1_0', maxEventsPerBatch: 5 });
    await userClient().storageAccounts.update('rg-pharmacy', 'stpharmacyok02', { minimumTlsVersion: 'TLS1_1' });
    await until(() => world.serviceRequests('PATCH').length === 1);
    await world.sandbox.eventGrid.idle();
    const stored = world.sandbox.snapshot().resources.find((r) => r.id.toLowerCase() === OK02.toLowerCase());
    expect((stored?.properties as Record<string, unknown>)['minimumTlsVersion']).toBe('TLS1_2');
    expect(world.sandbox.eventGrid.deadLetters).toEqual([]);
  });
});
