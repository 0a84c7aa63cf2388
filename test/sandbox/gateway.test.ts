import { isRestError } from '@azure/arm-storage';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SANDBOX_TENANT_ID, type Sandbox, sandboxCredential, startSandbox } from '../../sandbox/index.js';
import { SERVICE_PRINCIPAL, SUBSCRIPTION_ID, USER, accountPath, exampleState, rawRequest, storageClient } from './helpers.js';

const RG = 'rg-pharmacy';
const ACCOUNT = accountPath(RG, 'stpharmacyrx01');

describe('ARM gateway behaviour', () => {
  let sandbox: Sandbox;
  beforeEach(async () => {
    sandbox = await startSandbox({ state: await exampleState() });
  });
  afterEach(() => sandbox.close());

  it('answers 401 AuthenticationFailed without a bearer token', async () => {
    const response = await rawRequest(sandbox, 'GET', `${ACCOUNT}?api-version=2025-08-01`, { identity: null });
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer /);
    expect(response.json).toEqual({
      error: { code: 'AuthenticationFailed', message: "Authentication failed. The 'Authorization' header is missing." },
    });
  });

  it('answers 401 InvalidAuthenticationToken for a token that is not a JWT', async () => {
    const response = await rawRequest(sandbox, 'GET', `${ACCOUNT}?api-version=2025-08-01`, {
      identity: null,
      headers: { authorization: 'Bearer not-a-token' },
    });
    expect(response.status).toBe(401);
    expect((response.json as { error: { code: string } }).error.code).toBe('InvalidAuthenticationToken');
  });

  it('answers 401 ExpiredAuthenticationToken for an expired token', async () => {
    const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    const expired = `${encode({ alg: 'none' })}.${encode({ oid: USER.objectId, appid: USER.appId, tid: USER.tenantId, exp: 1_000_000 })}.`;
    const response = await rawRequest(sandbox, 'GET', `${ACCOUNT}?api-version=2025-08-01`, {
      identity: null,
      headers: { authorization: `Bearer ${expired}` },
    });
    expect(response.status).toBe(401);
    expect((response.json as { error: { code: string } }).error.code).toBe('ExpiredAuthenticationToken');
  });

  it('mints unsigned tokens valid for an hour', async () => {
    const before = Date.now();
    const token = await sandboxCredential(SERVICE_PRINCIPAL).getToken('https://management.azure.com/.default');
    const [header, payload, signature] = token?.token.split('.') ?? [];
    expect(JSON.parse(Buffer.from(header ?? '', 'base64url').toString())).toEqual({ alg: 'none', typ: 'JWT' });
    expect(signature).toBe('');
    expect(JSON.parse(Buffer.from(payload ?? '', 'base64url').toString())).toMatchObject({
      oid: SERVICE_PRINCIPAL.objectId,
      appid: SERVICE_PRINCIPAL.appId,
      idtyp: 'app',
      tid: SANDBOX_TENANT_ID,
    });
    expect(token?.expiresOnTimestamp).toBeGreaterThanOrEqual(before + 3_599_000);
    expect(token?.expiresOnTimestamp).toBeLessThanOrEqual(Date.now() + 3_600_000);
  });

  it('rejects a bad api-version with 400 InvalidApiVersionParameter', async () => {
    const response = await rawRequest(sandbox, 'GET', `${ACCOUNT}?api-version=2019-06-01`);
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    const { error } = response.json as { error: { code: string; message: string } };
    expect(error.code).toBe('InvalidApiVersionParameter');
    expect(error.message).toContain("The api-version '2019-06-01' is invalid. The supported versions are '");
    expect(error.message).toContain('2025-08-01');
  });

  it('accepts each documented storage api-version', async () => {
    for (const version of ['2025-08-01', '2025-01-01', '2024-01-01', '2023-05-01', '2023-01-01']) {
      const response = await rawRequest(sandbox, 'GET', `${ACCOUNT}?api-version=${version}`);
      expect(response.status, version).toBe(200);
    }
  });

  it('rejects a missing api-version with 400 MissingApiVersionParameter', async () => {
    const response = await rawRequest(sandbox, 'GET', ACCOUNT);
    expect(response.status).toBe(400);
    expect((response.json as { error: { code: string } }).error.code).toBe('MissingApiVersionParameter');
  });

  it('answers unknown providers, types and paths with ARM error bodies', async () => {
    const provider = await rawRequest(sandbox, 'GET', `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${RG}/providers/Microsoft.Nope/things/a?api-version=2025-08-01`);
    expect(provider.status).toBe(404);
    expect((provider.json as { error: { code: string } }).error.code).toBe('NoRegisteredProviderFound');

    const type = await rawRequest(sandbox, 'GET', `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${RG}/providers/Microsoft.Storage/widgets/a?api-version=2025-08-01`);
    expect(type.status).toBe(404);
    expect((type.json as { error: { code: string } }).error.code).toBe('InvalidResourceType');

    const path = await rawRequest(sandbox, 'GET', '/not/arm?api-version=2025-08-01');
    expect(path.status).toBe(404);
    expect(path.headers['content-type']).toBe('application/json; charset=utf-8');
    expect((path.json as { error: { code: string } }).error.code).toBe('NoRegisteredProviderFound');
  });

  it('answers 405 for a method the type does not serve', async () => {
    const response = await rawRequest(sandbox, 'DELETE', `${accountPath(RG, 'stpharmacyok02')}/blobServices/default?api-version=2025-08-01`);
    expect(response.status).toBe(405);
    expect((response.json as { error: { code: string } }).error.code).toBe('MethodNotAllowed');
  });

  it('adds request ids, echoes the correlation id and reports the remaining budget', async () => {
    const read = await rawRequest(sandbox, 'GET', `${ACCOUNT}?api-version=2025-08-01`, {
      headers: { 'x-ms-correlation-request-id': 'corr-123' },
    });
    expect(read.headers['x-ms-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(read.headers['x-ms-correlation-request-id']).toBe('corr-123');
    expect(read.headers['x-ms-ratelimit-remaining-subscription-reads']).toBe('249');
    const write = await rawRequest(sandbox, 'PATCH', `${ACCOUNT}?api-version=2025-08-01`, { body: '{"properties":{}}' });
    expect(write.headers['x-ms-ratelimit-remaining-subscription-writes']).toBe('199');
    const remove = await rawRequest(sandbox, 'DELETE', `${accountPath(RG, 'stgone01')}?api-version=2025-08-01`);
    expect(remove.status).toBe(204);
    expect(remove.headers['x-ms-ratelimit-remaining-subscription-deletes']).toBe('199');
  });

  it('records every request with its caller', async () => {
    await storageClient(sandbox, SERVICE_PRINCIPAL).storageAccounts.getProperties(RG, 'stpharmacyrx01');
    await rawRequest(sandbox, 'GET', `${ACCOUNT}?api-version=2019-06-01`, { identity: USER });
    await rawRequest(sandbox, 'GET', ACCOUNT, { identity: null });
    expect(sandbox.requests.map(({ status, callerObjectId, apiVersion }) => ({ status, callerObjectId, apiVersion }))).toEqual([
      { status: 200, callerObjectId: SERVICE_PRINCIPAL.objectId, apiVersion: expect.any(String) as unknown },
      { status: 400, callerObjectId: USER.objectId, apiVersion: '2019-06-01' },
      { status: 401 },
    ]);
    sandbox.clearRequests();
    expect(sandbox.requests).toEqual([]);
  });
});

describe('throttling', () => {
  let sandbox: Sandbox;
  afterEach(() => sandbox.close());

  it('answers 429 with Retry-After once a caller’s bucket is empty, per caller', async () => {
    sandbox = await startSandbox({
      state: await exampleState(),
      throttling: { reads: { capacity: 2, refillPerSecond: 0.01 } },
    });
    const url = `${ACCOUNT}?api-version=2025-08-01`;
    const first = await rawRequest(sandbox, 'GET', url);
    const second = await rawRequest(sandbox, 'GET', url);
    const third = await rawRequest(sandbox, 'GET', url);
    expect([first.status, second.status, third.status]).toEqual([200, 200, 429]);
    expect(second.headers['x-ms-ratelimit-remaining-subscription-reads']).toBe('0');
    expect(Number(third.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((third.json as { error: { code: string; message: string } }).error).toEqual({
      code: 'TooManyRequests',
      message: expect.stringContaining('operation type - Read') as unknown,
    });
    // Another principal has its own bucket, and writes have theirs.
    expect((await rawRequest(sandbox, 'GET', url, { identity: SERVICE_PRINCIPAL })).status).toBe(200);
    expect((await rawRequest(sandbox, 'PATCH', url, { body: '{}' })).status).toBe(200);
  });

  it('keeps one bucket per subscription (and one for tenant-level requests), as ARM does', async () => {
    const other = 'bbbbbbbb-2222-4222-8222-000000000002';
    const state = await exampleState();
    const copy = state.resources.map((r) => ({ ...r, id: r.id.replace(SUBSCRIPTION_ID, other) }));
    sandbox = await startSandbox({ state: { ...state, resources: [...state.resources, ...copy] }, throttling: { reads: { capacity: 1, refillPerSecond: 0.01 } } });
    const here = `${ACCOUNT}?api-version=2025-08-01`;
    expect((await rawRequest(sandbox, 'GET', here)).status).toBe(200);
    expect((await rawRequest(sandbox, 'GET', here)).status).toBe(429);
    // The same principal in another subscription still has its budget.
    const there = await rawRequest(sandbox, 'GET', `${ACCOUNT.replace(SUBSCRIPTION_ID, other)}?api-version=2025-08-01`);
    expect(there.status).toBe(200);
    expect(there.headers['x-ms-ratelimit-remaining-subscription-reads']).toBe('0');
    const tenant = await rawRequest(sandbox, 'GET', '/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7?api-version=2022-04-01');
    expect(tenant.headers['x-ms-ratelimit-remaining-tenant-reads']).toBe('0');
  });

  it('can be turned off', async () => {
    sandbox = await startSandbox({ state: await exampleState(), throttling: false });
    const response = await rawRequest(sandbox, 'GET', `${ACCOUNT}?api-version=2025-08-01`);
    expect(response.status).toBe(200);
    expect(response.headers['x-ms-ratelimit-remaining-subscription-reads']).toBeUndefined();
  });
});

describe('fault injection', () => {
  let sandbox: Sandbox;
  beforeEach(async () => {
    sandbox = await startSandbox({ state: await exampleState() });
  });
  afterEach(() => sandbox.close());

  it('a 429 with Retry-After is honoured by the SDK’s own retry, which then succeeds', async () => {
    sandbox.faults.inject({ method: 'PATCH', pathPattern: /stpharmacyrx01$/, status: 429, retryAfterSeconds: 1 });
    const started = Date.now();
    const updated = await storageClient(sandbox).storageAccounts.update(RG, 'stpharmacyrx01', { minimumTlsVersion: 'TLS1_2' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(updated.minimumTlsVersion).toBe('TLS1_2');
    expect(sandbox.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['PATCH 429', 'PATCH 200']);
  });

  it('a 5xx fault answers an ARM error body and changes nothing', async () => {
    const handle = sandbox.faults.inject({ method: 'PATCH', status: 500, times: 10 });
    const response = await rawRequest(sandbox, 'PATCH', `${ACCOUNT}?api-version=2025-08-01`, {
      body: '{"properties":{"minimumTlsVersion":"TLS1_2"}}',
    });
    expect(response.status).toBe(500);
    expect((response.json as { error: { code: string } }).error.code).toBe('InternalServerError');
    expect(handle.hits).toBe(1);
    handle.remove();
    expect(sandbox.snapshot()).toEqual(await exampleState());
    const after = await rawRequest(sandbox, 'GET', `${ACCOUNT}?api-version=2025-08-01`);
    expect(after.status).toBe(200);
  });

  it('uses a given error code and disarms after `times` hits', async () => {
    sandbox.faults.inject({ status: 503, code: 'ServerBusy', times: 2, retryAfterSeconds: 3 });
    const url = `${ACCOUNT}?api-version=2025-08-01`;
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      const response = await rawRequest(sandbox, 'GET', url);
      statuses.push(response.status);
      if (i === 0) {
        expect(response.headers['retry-after']).toBe('3');
        expect((response.json as { error: { code: string } }).error.code).toBe('ServerBusy');
      }
    }
    expect(statuses).toEqual([503, 503, 200]);
  });

  it('resets the connection', async () => {
    sandbox.faults.inject({ status: 500, resetConnection: true });
    await expect(rawRequest(sandbox, 'GET', `${ACCOUNT}?api-version=2025-08-01`)).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(sandbox.requests.map((r) => r.status)).toEqual([0]);
  });

  it('with status 0 delays and then answers normally', async () => {
    sandbox.faults.inject({ status: 0, delayMs: 150 });
    const started = Date.now();
    const response = await rawRequest(sandbox, 'GET', `${ACCOUNT}?api-version=2025-08-01`);
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('clear() disarms every fault', async () => {
    sandbox.faults.inject({ status: 500, times: 5 });
    sandbox.faults.clear();
    expect((await rawRequest(sandbox, 'GET', `${ACCOUNT}?api-version=2025-08-01`)).status).toBe(200);
  });

  it('SDK calls see a fault-injected 404 as a RestError', async () => {
    sandbox.faults.inject({ method: 'GET', status: 404, code: 'ResourceNotFound' });
    const error = await storageClient(sandbox)
      .storageAccounts.getProperties(RG, 'stpharmacyrx01')
      .then(() => undefined, (e: unknown) => e);
    expect(isRestError(error) && error.statusCode).toBe(404);
  });
});
