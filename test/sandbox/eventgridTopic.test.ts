/**
 * The sandbox's custom Event Grid topic against the real publisher, `@azure/eventgrid` 5.12
 * `EventGridPublisherClient`. What the client sends was read in node_modules/@azure/eventgrid/dist/esm:
 * eventGridClient.js (schemas, bearer scope), eventGridAuthenticationPolicy.js (`aeg-sas-key` /
 * `aeg-sas-token`), generateSharedAccessSignature.js + util.js (SAS layout and expiry format),
 * generated/generatedClient.js + generated/models/parameters.js (URL, api-version 2018-01-01,
 * content types). Limits: FACTS.md §D and azure-docs post-to-custom-topic.md.
 */
import { createHmac, randomBytes } from 'node:crypto';
import https from 'node:https';
import { isRestError } from '@azure/core-rest-pipeline';
import {
  AzureKeyCredential,
  AzureSASCredential,
  type EventGridPublisherClientOptions,
  EventGridPublisherClient,
  generateSharedAccessSignature,
} from '@azure/eventgrid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  EVENT_GRID_PUBLISH_API_VERSION,
  type PublishedCloudEvent,
  type Sandbox,
  type SandboxIdentity,
  type TopicReceivedEvent,
  sandboxCredential,
  startSandbox,
} from '../../sandbox/index.js';
import { SERVICE_PRINCIPAL } from './helpers.js';

const CLOUD_EVENT_BATCH = 'application/cloudevents-batch+json; charset=utf-8';

/** Trusts the sandbox CA; retries quickly so fault tests do not wait the SDK's default 1-64 s. */
function clientOptions(sandbox: Sandbox, extra: EventGridPublisherClientOptions = {}): EventGridPublisherClientOptions {
  return { tlsOptions: { ca: sandbox.ca }, retryOptions: { retryDelayInMs: 10, maxRetryDelayInMs: 50 }, ...extra };
}

function keyClient(sandbox: Sandbox, key = sandbox.topicKey, extra: EventGridPublisherClientOptions = {}): EventGridPublisherClient<'CloudEvent'> {
  return new EventGridPublisherClient(sandbox.topicEndpoint, 'CloudEvent', new AzureKeyCredential(key), clientOptions(sandbox, extra));
}

async function sasClient(sandbox: Sandbox, expiresOn: Date, key = sandbox.topicKey, resource = sandbox.topicEndpoint): Promise<EventGridPublisherClient<'CloudEvent'>> {
  const signature = await generateSharedAccessSignature(resource, new AzureKeyCredential(key), expiresOn);
  return new EventGridPublisherClient(sandbox.topicEndpoint, 'CloudEvent', new AzureSASCredential(signature), clientOptions(sandbox));
}

function tokenClient(sandbox: Sandbox, identity: SandboxIdentity = SERVICE_PRINCIPAL): EventGridPublisherClient<'CloudEvent'> {
  return new EventGridPublisherClient(sandbox.topicEndpoint, 'CloudEvent', sandboxCredential(identity), clientOptions(sandbox));
}

function alert(id: string, data: unknown = { finding: 'storage-public-access' }): {
  type: string;
  source: string;
  id: string;
  subject: string;
  data: unknown;
} {
  return { type: 'HipaaRemediator.Alert', source: '/hipaa-remediator', id, subject: '/subscriptions/s/resourceGroups/rg', data };
}

function cloudEvents(received: readonly TopicReceivedEvent[]): PublishedCloudEvent[] {
  return received.flatMap((entry) => (entry.schema === 'CloudEventSchemaV1_0' ? [entry.event] : []));
}

async function thrown(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

async function expectRestError(promise: Promise<unknown>, statusCode: number): Promise<void> {
  const error = await thrown(promise);
  if (!isRestError(error)) throw new Error(`expected a RestError, got ${String(error)}`);
  expect(error.statusCode).toBe(statusCode);
}

interface TopicErrorBody {
  error: { code: string; message: string; details: { code: string; message: string }[] };
}

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** A request without the SDK (node:https trusting the sandbox CA), for what the client would never send. */
function topicRequest(
  sandbox: Sandbox,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string },
): Promise<RawAnswer> {
  const url = new URL(options.path ?? `/api/events?api-version=${EVENT_GRID_PUBLISH_API_VERSION}`, sandbox.topicEndpoint);
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body));
  return new Promise((resolve, reject) => {
    const request = https.request(url, { method: options.method ?? 'POST', headers, ca: sandbox.ca, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

function errorBody(answer: RawAnswer): TopicErrorBody {
  return JSON.parse(answer.text) as TopicErrorBody;
}

describe('custom Event Grid topic', () => {
  let sandbox: Sandbox;
  beforeEach(async () => {
    sandbox = await startSandbox();
  });
  afterEach(() => sandbox.close());

  it('has its own port, the /api/events path and a fresh 32-byte base64 key', async () => {
    expect(sandbox.topicEndpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/api\/events$/);
    expect(new URL(sandbox.topicEndpoint).origin).not.toBe(sandbox.url);
    expect(new URL(sandbox.topicEndpoint).origin).not.toBe(sandbox.keyVaultUrl);
    expect(Buffer.from(sandbox.topicKey, 'base64')).toHaveLength(32);
    const other = await startSandbox();
    try {
      expect(other.topicKey).not.toBe(sandbox.topicKey);
    } finally {
      await other.close();
    }
  });

  it('takes the key given in SandboxOptions', async () => {
    const key = randomBytes(32).toString('base64');
    const own = await startSandbox({ topicKey: key });
    try {
      expect(own.topicKey).toBe(key);
      await keyClient(own, key).send([alert('own-key')]);
      expect(own.topic.received).toHaveLength(1);
    } finally {
      await own.close();
    }
    await expect(startSandbox({ topicKey: 'not base64!' })).rejects.toThrow(/base64/);
  });

  it('accepts CloudEvents from the real client with an AzureKeyCredential', async () => {
    await keyClient(sandbox).send([alert('a-1'), alert('a-2', { n: 2 })]);

    const received = sandbox.topic.received;
    expect(received.map((entry) => [entry.schema, entry.auth])).toEqual([
      ['CloudEventSchemaV1_0', 'key'],
      ['CloudEventSchemaV1_0', 'key'],
    ]);
    // What convertCloudEventToModelType adds: specversion, a time, datacontenttype.
    const [first, second] = cloudEvents(received);
    expect(first).toMatchObject({
      specversion: '1.0',
      id: 'a-1',
      type: 'HipaaRemediator.Alert',
      source: '/hipaa-remediator',
      subject: '/subscriptions/s/resourceGroups/rg',
      datacontenttype: 'application/json',
      data: { finding: 'storage-public-access' },
    });
    expect(Number.isFinite(Date.parse(first?.time ?? ''))).toBe(true);
    expect(second).toMatchObject({ id: 'a-2', data: { n: 2 } });
    expect(received[0]?.requestId).toBe(received[1]?.requestId);
    expect(sandbox.topic.requests).toEqual([{ method: 'POST', path: '/api/events', apiVersion: '2018-01-01', status: 200, auth: 'key' }]);
  });

  it('answers a publish with 200 and an empty body, as the recorded service does', async () => {
    const answer = await topicRequest(sandbox, {
      headers: { 'aeg-sas-key': sandbox.topicKey, 'content-type': CLOUD_EVENT_BATCH },
      body: JSON.stringify([{ specversion: '1.0', id: 'raw-1', source: '/raw', type: 'Raw.Event' }]),
    });
    expect(answer.status).toBe(200);
    expect(answer.text).toBe('');
    expect(answer.headers['content-length']).toBe('0');
    expect(answer.headers['api-supported-versions']).toBe('2018-01-01');
    expect(answer.headers['x-ms-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('accepts a SAS token made by generateSharedAccessSignature', async () => {
    const client = await sasClient(sandbox, new Date(Date.now() + 10 * 60_000));
    await client.send([alert('sas-1')]);
    expect(sandbox.topic.received).toMatchObject([{ schema: 'CloudEventSchemaV1_0', auth: 'sas', event: { id: 'sas-1' } }]);
  });

  it('accepts the same token in Authorization: SharedAccessSignature, and the key as a query parameter (docs)', async () => {
    const token = await generateSharedAccessSignature(sandbox.topicEndpoint, new AzureKeyCredential(sandbox.topicKey), new Date(Date.now() + 60_000));
    const body = JSON.stringify([{ specversion: '1.0', id: 'h-1', source: '/raw', type: 'Raw.Event' }]);
    const viaHeader = await topicRequest(sandbox, { headers: { authorization: `SharedAccessSignature ${token}`, 'content-type': CLOUD_EVENT_BATCH }, body });
    expect(viaHeader.status).toBe(200);
    const viaQuery = await topicRequest(sandbox, {
      path: `/api/events?api-version=2018-01-01&aeg-sas-key=${encodeURIComponent(sandbox.topicKey)}`,
      headers: { 'content-type': CLOUD_EVENT_BATCH },
      body,
    });
    expect(viaQuery.status).toBe(200);
    expect(sandbox.topic.received.map((entry) => entry.auth)).toEqual(['sas', 'key']);
  });

  it('accepts a SAS token the way the docs C# sample encodes it (HttpUtility.UrlEncode: lower-case hex, + for spaces)', async () => {
    const expiry = new Date(Date.now() + 60_000);
    // The same fields, encoded as .NET would; the signature covers exactly these bytes.
    const dotnetEncode = (text: string): string =>
      encodeURIComponent(text)
        .replace(/%20/g, '+')
        .replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase());
    const unsigned = `r=${dotnetEncode(sandbox.topicEndpoint)}&e=${dotnetEncode(serviceTime(expiry))}`;
    const signature = createHmac('sha256', Buffer.from(sandbox.topicKey, 'base64')).update(unsigned).digest('base64');
    const token = `${unsigned}&s=${dotnetEncode(signature)}`;
    expect(token).toContain('+');
    const answer = await topicRequest(sandbox, {
      headers: { 'aeg-sas-token': token, 'content-type': CLOUD_EVENT_BATCH },
      body: JSON.stringify([{ specversion: '1.0', id: 'dotnet-1', source: '/raw', type: 'Raw.Event' }]),
    });
    expect(answer.status).toBe(200);
  });

  it('accepts an ISO expiry without zone, as the docs Python sample writes it (utcnow().isoformat())', async () => {
    const expiry = new Date(Date.now() + 60_000).toISOString().replace('Z', '');
    const unsigned = `r=${encodeURIComponent(sandbox.topicEndpoint)}&e=${encodeURIComponent(expiry)}`;
    const signature = createHmac('sha256', Buffer.from(sandbox.topicKey, 'base64')).update(unsigned).digest('base64');
    const answer = await topicRequest(sandbox, {
      headers: { 'aeg-sas-token': `${unsigned}&s=${encodeURIComponent(signature)}`, 'content-type': CLOUD_EVENT_BATCH },
      body: JSON.stringify([{ specversion: '1.0', id: 'py-1', source: '/raw', type: 'Raw.Event' }]),
    });
    expect(answer.status).toBe(200);
  });

  it('accepts a sandbox TokenCredential and records who published', async () => {
    await tokenClient(sandbox).send([alert('t-1')]);
    expect(sandbox.topic.received).toMatchObject([{ auth: 'bearer', callerObjectId: SERVICE_PRINCIPAL.objectId, event: { id: 't-1' } }]);
    expect(sandbox.topic.requests).toMatchObject([{ status: 200, auth: 'bearer', callerObjectId: SERVICE_PRINCIPAL.objectId }]);
  });

  it('accepts the EventGrid schema (application/json) too', async () => {
    const client = new EventGridPublisherClient(sandbox.topicEndpoint, 'EventGrid', new AzureKeyCredential(sandbox.topicKey), clientOptions(sandbox));
    await client.send([{ eventType: 'HipaaRemediator.Alert', subject: 'rg/account', dataVersion: '1.0', data: { finding: 'x' } }]);
    const [entry] = sandbox.topic.received;
    expect(entry?.schema).toBe('EventGridSchema');
    expect(entry?.event).toMatchObject({ eventType: 'HipaaRemediator.Alert', subject: 'rg/account', dataVersion: '1.0', data: { finding: 'x' } });
    expect(typeof entry?.event.id).toBe('string');
  });

  describe('refuses with 401', () => {
    it('a wrong key, with Event Grid error body', async () => {
      const error = await thrown(keyClient(sandbox, randomBytes(32).toString('base64')).send([alert('w-1')]));
      if (!isRestError(error)) throw new Error(`expected a RestError, got ${String(error)}`);
      expect(error.statusCode).toBe(401);
      expect(error.code).toBe('Unauthorized');
      expect(error.message).toMatch(/^The request authorization key is not authorized for 127\.0\.0\.1:\d+\. .* Report '[0-9a-f-]{36}:\d+\/\d+\/\d{4} \d+:\d{2}:\d{2} [AP]M \(UTC\)' to our forums/);
      const body = error.response?.bodyAsText;
      const parsed = JSON.parse(body ?? '{}') as TopicErrorBody;
      expect(parsed.error.details).toEqual([{ code: 'Unauthorized', message: parsed.error.message }]);
      expect(sandbox.topic.received).toEqual([]);
      expect(sandbox.topic.requests).toMatchObject([{ status: 401, auth: 'key' }]);
    });

    it('an expired SAS token', async () => {
      await expectRestError((await sasClient(sandbox, new Date(Date.now() - 1000))).send([alert('e-1')]), 401);
    });

    it('a SAS token signed with another key, or for another resource', async () => {
      const later = new Date(Date.now() + 60_000);
      await expectRestError((await sasClient(sandbox, later, randomBytes(32).toString('base64'))).send([alert('s-1')]), 401);
      await expectRestError((await sasClient(sandbox, later, sandbox.topicKey, 'https://other.westus-1.eventgrid.azure.net/api/events')).send([alert('s-2')]), 401);
      expect(sandbox.topic.received).toEqual([]);
    });

    it('a tampered SAS token', async () => {
      const token = await generateSharedAccessSignature(sandbox.topicEndpoint, new AzureKeyCredential(sandbox.topicKey), new Date(Date.now() + 60_000));
      // Pushing the expiry out a year without re-signing.
      const tampered = token.replace(/e=([^&]*)/, (_, expiry: string) => `e=${expiry.replace(/(%2F)(\d{4})/, (__, slash: string, year: string) => `${slash}${Number(year) + 1}`)}`);
      expect(tampered).not.toBe(token);
      const client = new EventGridPublisherClient(sandbox.topicEndpoint, 'CloudEvent', new AzureSASCredential(tampered), clientOptions(sandbox));
      await expectRestError(client.send([alert('t-1')]), 401);
    });

    it('no credential at all, from the real client and raw', async () => {
      // The client insists on a credential; a per-retry policy takes its header off again, so
      // the request goes out exactly as the client builds it, minus authentication.
      const client = keyClient(sandbox, sandbox.topicKey, {
        additionalPolicies: [
          {
            position: 'perRetry',
            policy: {
              name: 'dropCredential',
              sendRequest: (request, next) => {
                request.headers.delete('aeg-sas-key');
                return next(request);
              },
            },
          },
        ],
      });
      await expectRestError(client.send([alert('n-1')]), 401);

      const answer = await topicRequest(sandbox, { headers: { 'content-type': CLOUD_EVENT_BATCH }, body: '[]' });
      expect(answer.status).toBe(401);
      expect(errorBody(answer).error).toMatchObject({
        code: 'Unauthorized',
        message: expect.stringMatching(/^Request must contain one of the following authorization signature: aeg-sas-token, aeg-sas-key\./) as unknown,
      });
      expect(sandbox.topic.requests.map((record) => [record.status, record.auth])).toEqual([
        [401, 'none'],
        [401, 'none'],
      ]);
    });

    it('an expired or foreign-tenant bearer token', async () => {
      await expectRestError(tokenClient(sandbox, { ...SERVICE_PRINCIPAL, tenantId: '00000000-0000-4000-8000-000000000000' }).send([alert('b-1')]), 401);
      const expired = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(
        JSON.stringify({ oid: SERVICE_PRINCIPAL.objectId, appid: SERVICE_PRINCIPAL.appId, tid: '0f5e8c2a-9b7d-4e31-a6c4-5d8f2e1b3a79', exp: 1 }),
      ).toString('base64url')}.`;
      const answer = await topicRequest(sandbox, { headers: { authorization: `Bearer ${expired}`, 'content-type': CLOUD_EVENT_BATCH }, body: '[]' });
      expect(answer.status).toBe(401);
      expect(errorBody(answer).error.message).toContain('The access token has expired.');
    });
  });

  describe('validates what is published', () => {
    const headers = (sandbox: Sandbox): Record<string, string> => ({ 'aeg-sas-key': sandbox.topicKey, 'content-type': CLOUD_EVENT_BATCH });

    it.each([
      ['source', { specversion: '1.0', id: 'x', type: 'T' }, /requires 'source' property/],
      ['id', { specversion: '1.0', source: '/s', type: 'T' }, /requires 'id' property/],
      ['type', { specversion: '1.0', id: 'x', source: '/s' }, /requires 'type' property/],
      ['specversion', { id: 'x', source: '/s', type: 'T' }, /requires 'specversion' property/],
      ['specversion 0.3', { specversion: '0.3', id: 'x', source: '/s', type: 'T' }, /specversion' is '0\.3'/],
      ['a numeric id', { specversion: '1.0', id: 7, source: '/s', type: 'T' }, /'id' must be a string/],
    ])('400 for a CloudEvent without a valid %s', async (_, event, message) => {
      const answer = await topicRequest(sandbox, { headers: headers(sandbox), body: JSON.stringify([{ specversion: '1.0', id: 'ok', source: '/s', type: 'T' }, event]) });
      expect(answer.status).toBe(400);
      expect(errorBody(answer).error).toMatchObject({ code: 'BadRequest', message: expect.stringMatching(message) as unknown });
      // One bad event refuses the whole publish: nothing of it is accepted.
      expect(sandbox.topic.received).toEqual([]);
    });

    it('400 for a body that is not a JSON array of events, or is empty', async () => {
      for (const body of ['{"specversion":"1.0","id":"x","source":"/s","type":"T"}', '[]', 'not json', '[1]']) {
        const answer = await topicRequest(sandbox, { headers: headers(sandbox), body });
        expect(answer.status, body).toBe(400);
        expect(errorBody(answer).error.message).toMatch(/^This resource is configured to receive event in 'CloudEventV10' schema/);
      }
    });

    it('413 for one event above 1 MB, sent by the real client', async () => {
      const error = await thrown(keyClient(sandbox).send([alert('big-1', { blob: 'x'.repeat(1024 * 1024) })]));
      if (!isRestError(error)) throw new Error(`expected a RestError, got ${String(error)}`);
      expect(error.statusCode).toBe(413);
      expect(error.code).toBe('RequestEntityTooLarge');
      expect(sandbox.topic.received).toEqual([]);
      // 413 is not retried by the SDK.
      expect(sandbox.topic.requests.map((record) => record.status)).toEqual([413]);
    });

    it('checks the credential before the size', async () => {
      const body = JSON.stringify([{ specversion: '1.0', id: 'x', source: '/s', type: 'T', data: 'x'.repeat(1024 * 1024) }]);
      const answer = await topicRequest(sandbox, { headers: { 'content-type': CLOUD_EVENT_BATCH }, body });
      expect(answer.status).toBe(401);
    });

    it('accepts an event just under the limit', async () => {
      await keyClient(sandbox).send([alert('under-1', { blob: 'x'.repeat(1000 * 1000) })]);
      expect(sandbox.topic.received).toHaveLength(1);
    });

    it('413 for more than 5,000 events in one publish; 5,000 are accepted', async () => {
      const events = Array.from({ length: 5001 }, (_, i) => ({ type: 'T', source: '/s', id: String(i), data: null }));
      await expectRestError(keyClient(sandbox).send(events), 413);
      expect(sandbox.topic.received).toEqual([]);
      await keyClient(sandbox).send(events.slice(0, 5000));
      expect(sandbox.topic.received).toHaveLength(5000);
    });

    it('400 for a missing or unknown api-version, 404 for another path, 415 for another content type', async () => {
      const body = JSON.stringify([{ specversion: '1.0', id: 'x', source: '/s', type: 'T' }]);
      expect((await topicRequest(sandbox, { path: '/api/events', headers: headers(sandbox), body })).status).toBe(400);
      expect((await topicRequest(sandbox, { path: '/api/events?api-version=2020-01-01', headers: headers(sandbox), body })).status).toBe(400);
      const notFound = await topicRequest(sandbox, { path: '/api/event?api-version=2018-01-01', headers: headers(sandbox), body });
      expect(notFound.status).toBe(404);
      expect(errorBody(notFound).error).toMatchObject({ code: 'NotFound', details: [{ code: 'ResourceNotFound' }] });
      const textPlain = await topicRequest(sandbox, { headers: { ...headers(sandbox), 'content-type': 'text/plain' }, body });
      expect(textPlain.status).toBe(415);
      expect(sandbox.topic.received).toEqual([]);
    });
  });

  describe('faults', () => {
    it('503 twice: the client retries by itself and the event arrives once', async () => {
      // Retry-After: 0 lets the SDK's throttling retry go at once (it honours the header on 503).
      const fault = sandbox.topic.faults.inject({ status: 503, times: 2, retryAfterSeconds: 0 });
      await keyClient(sandbox).send([alert('retry-1')]);
      expect(fault.hits).toBe(2);
      expect(sandbox.topic.requests.map((record) => record.status)).toEqual([503, 503, 200]);
      expect(cloudEvents(sandbox.topic.received).map((event) => event.id)).toEqual(['retry-1']);
    });

    it('a dropped connection: the client retries and the event arrives once', async () => {
      sandbox.topic.faults.inject({ status: 0, resetConnection: true, times: 1 });
      await keyClient(sandbox).send([alert('reset-1')]);
      expect(sandbox.topic.requests.map((record) => record.status)).toEqual([0, 200]);
      expect(cloudEvents(sandbox.topic.received).map((event) => event.id)).toEqual(['reset-1']);
    });

    it('a fault that outlasts the retries reaches the caller as a RestError', async () => {
      sandbox.topic.faults.inject({ status: 500, times: 10 });
      await expectRestError(keyClient(sandbox).send([alert('down-1')]), 500);
      // The first attempt and the SDK's three retries.
      expect(sandbox.topic.requests.map((record) => record.status)).toEqual([500, 500, 500, 500]);
      expect(sandbox.topic.received).toEqual([]);
    });

    it('clear() forgets what was received and asked; faults stay until faults.clear()', async () => {
      await keyClient(sandbox).send([alert('c-1')]);
      sandbox.topic.faults.inject({ status: 400, times: 5 });
      sandbox.topic.clear();
      expect(sandbox.topic.received).toEqual([]);
      expect(sandbox.topic.requests).toEqual([]);
      await expectRestError(keyClient(sandbox).send([alert('c-2')]), 400);
      sandbox.topic.faults.clear();
      await keyClient(sandbox).send([alert('c-3')]);
      expect(cloudEvents(sandbox.topic.received).map((event) => event.id)).toEqual(['c-3']);
    });

    it('close() ends a request held by a delay fault and open connections', async () => {
      sandbox.topic.faults.inject({ status: 0, delayMs: 30_000 });
      const pending = thrown(keyClient(sandbox, sandbox.topicKey, { retryOptions: { maxRetries: 0 } }).send([alert('slow-1')]));
      // Let the request reach the topic before closing.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const started = Date.now();
      await sandbox.close();
      expect(Date.now() - started).toBeLessThan(2000);
      expect(await pending).toBeInstanceOf(Error);
      expect(sandbox.topic.requests.map((record) => record.status)).toEqual([0]);
    });
  });
});

/** The service time format, written out independently of the sandbox's own formatter. */
function serviceTime(date: Date): string {
  const hours = date.getUTCHours();
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${date.getUTCMonth() + 1}/${date.getUTCDate()}/${date.getUTCFullYear()} ${hours % 12 || 12}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} ${hours < 12 ? 'AM' : 'PM'}`;
}
