import { type KeyObject, constants, createHash, createPublicKey, verify } from 'node:crypto';
import {
  CryptographyClient,
  type JsonWebKey,
  KeyClient,
  type KeyClientOptions,
  type KeyProperties,
  type KeyRotationPolicyProperties,
} from '@azure/keyvault-keys';
import { isRestError } from '@azure/core-rest-pipeline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KEY_VAULT_API_VERSIONS, type Sandbox, type SandboxIdentity, sandboxCredential, startSandbox } from '../../sandbox/index.js';
import { SERVICE_PRINCIPAL, USER, exampleState, rawRequest } from './helpers.js';

/** What the installed @azure/keyvault-keys (4.10) sends; a test fails if an upgrade changes it. */
const SDK_KEY_VAULT_API_VERSION = '2025-07-01';

function clientOptions(sandbox: Sandbox, extra: KeyClientOptions = {}): KeyClientOptions {
  // The challenge names https://vault.azure.net, which a 127.0.0.1 vault cannot match (FACTS.md).
  return { tlsOptions: { ca: sandbox.ca }, disableChallengeResourceVerification: true, ...extra };
}

function keyClient(sandbox: Sandbox, identity: SandboxIdentity = SERVICE_PRINCIPAL, extra: KeyClientOptions = {}): KeyClient {
  return new KeyClient(sandbox.keyVaultUrl, sandboxCredential(identity), clientOptions(sandbox, extra));
}

function cryptoClient(sandbox: Sandbox, kid: string, identity: SandboxIdentity = SERVICE_PRINCIPAL): CryptographyClient {
  return new CryptographyClient(kid, sandboxCredential(identity), clientOptions(sandbox));
}

const b64u = (bytes: Uint8Array | undefined): string => Buffer.from(bytes ?? new Uint8Array()).toString('base64url');

/** The public key as the audit verifier builds it: from the JWK `getKey` returns, nothing else. */
function publicKeyOf(jwk: JsonWebKey | undefined): KeyObject {
  if (jwk?.kty === 'RSA' || jwk?.kty === 'RSA-HSM') {
    return createPublicKey({ key: { kty: 'RSA', n: b64u(jwk.n), e: b64u(jwk.e) }, format: 'jwk' });
  }
  return createPublicKey({ key: { kty: 'EC', crv: jwk?.crv ?? '', x: b64u(jwk?.x), y: b64u(jwk?.y) }, format: 'jwk' });
}

const sha256 = (data: Buffer): Buffer => createHash('sha256').update(data).digest();

function verifyEs(publicKey: KeyObject, hash: string, data: Buffer, signature: Uint8Array): boolean {
  return verify(hash, data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
}

async function expectRestError(promise: Promise<unknown>, statusCode: number, code: string): Promise<void> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isRestError(error)) throw new Error(`expected a RestError, got ${String(error)}`);
  expect(error.statusCode).toBe(statusCode);
  expect(error.code).toBe(code);
}

interface ErrorBody {
  error: { code: string; message: string };
}

describe('Key Vault keys data plane', () => {
  let sandbox: Sandbox;
  beforeEach(async () => {
    sandbox = await startSandbox({ state: await exampleState(), keys: [{ name: 'audit-signing' }] });
  });
  afterEach(() => sandbox.close());

  it('lives on its own port at the root of a URL, sharing the certificate', () => {
    expect(sandbox.keyVaultUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(sandbox.keyVaultUrl).not.toBe(sandbox.url);
  });

  it('creates an EC P-256 key and reads back only its public part', async () => {
    const client = keyClient(sandbox);
    const created = await client.createKey('chain-heads', 'EC', { curve: 'P-256' });
    expect(created.id).toMatch(new RegExp(`^${sandbox.keyVaultUrl}/keys/chain-heads/[0-9a-f]{32}$`));
    expect(created.keyType).toBe('EC');
    expect(created.keyOperations).toEqual(['sign', 'verify']);
    expect(created.properties).toMatchObject({ enabled: true, recoveryLevel: 'Recoverable+Purgeable', vaultUrl: sandbox.keyVaultUrl });
    expect(created.properties.createdOn).toBeInstanceOf(Date);

    const fetched = await client.getKey('chain-heads');
    expect(fetched.id).toBe(created.id);
    expect(fetched.key).toMatchObject({ kty: 'EC', crv: 'P-256' });
    expect(fetched.key?.x).toHaveLength(32);
    expect(fetched.key?.y).toHaveLength(32);
    expect(fetched.key?.d).toBeUndefined();
    expect(b64u(fetched.key?.x)).toBe(b64u(created.key?.x));

    // On the wire too: the bundle carries no private member at all.
    const raw = await rawRequest(sandbox, 'GET', `${created.id ?? ''}?api-version=7.6`, { identity: SERVICE_PRINCIPAL });
    expect(raw.status).toBe(200);
    const key = (raw.json as { key: Record<string, unknown> }).key;
    expect(Object.keys(key).sort()).toEqual(['crv', 'key_ops', 'kid', 'kty', 'x', 'y']);
  });

  it('signs a SHA-256 digest with ES256 so that node:crypto verifies it with the public JWK alone', async () => {
    const client = keyClient(sandbox);
    const { key } = await client.getKey('audit-signing');
    const publicKey = publicKeyOf(key);
    const signer = cryptoClient(sandbox, key?.kid ?? '');
    // Many messages: a sign slip that only shows for some r, s (leading zero bytes, s > n/2) must not hide.
    for (let i = 0; i < 25; i += 1) {
      const message = Buffer.from(`chain head ${i}: ${'x'.repeat(i)}`);
      const result = await signer.sign('ES256', sha256(message));
      expect(result.keyID).toBe(key?.kid);
      expect(result.result).toHaveLength(64);
      expect(verifyEs(publicKey, 'sha256', message, result.result), `message ${i}`).toBe(true);
      expect(verifyEs(publicKey, 'sha256', Buffer.concat([message, Buffer.from('!')]), result.result)).toBe(false);
    }
  });

  it('rejects tampered messages and foreign signatures, locally and through the verify operation', async () => {
    const { key } = await keyClient(sandbox).getKey('audit-signing');
    const client = cryptoClient(sandbox, key?.kid ?? '');
    const message = Buffer.from('{"seq":41,"head":"abc"}');
    const { result: signature } = await client.sign('ES256', sha256(message));
    const tampered = Buffer.from('{"seq":42,"head":"abc"}');
    expect(verifyEs(publicKeyOf(key), 'sha256', tampered, signature)).toBe(false);

    expect((await client.verify('ES256', sha256(message), signature)).result).toBe(true);
    expect((await client.verify('ES256', sha256(tampered), signature)).result).toBe(false);
    const flipped = Buffer.from(signature);
    flipped[10] = (flipped[10] ?? 0) ^ 1;
    expect((await client.verify('ES256', sha256(message), flipped)).result).toBe(false);

    // A signature by another key of the same vault does not pass for this one.
    const other = await keyClient(sandbox).createKey('other', 'EC');
    const otherSignature = (await cryptoClient(sandbox, other.id ?? '').sign('ES256', sha256(message))).result;
    expect(verifyEs(publicKeyOf(key), 'sha256', message, otherSignature)).toBe(false);
    expect((await client.verify('ES256', sha256(message), otherSignature)).result).toBe(false);
  });

  it('signs with P-384, P-521 and RSA 2048 keys as well', async () => {
    const client = keyClient(sandbox);
    const message = Buffer.from('hello');
    for (const [curve, alg, hash] of [
      ['P-384', 'ES384', 'sha384'],
      ['P-521', 'ES512', 'sha512'],
    ] as const) {
      const created = await client.createKey(`ec-${curve}`, 'EC-HSM', { curve });
      expect(created.keyType).toBe('EC-HSM');
      const digest = createHash(hash).update(message).digest();
      const { result } = await cryptoClient(sandbox, created.id ?? '').sign(alg, digest);
      expect(verifyEs(publicKeyOf(created.key), hash, message, result), curve).toBe(true);
    }
    const rsa = await client.createKey('rsa', 'RSA', { keySize: 2048 });
    expect(rsa.key?.n).toHaveLength(256);
    expect(rsa.key?.d).toBeUndefined();
    const { result } = await cryptoClient(sandbox, rsa.id ?? '').sign('RS256', sha256(message));
    expect(verify('sha256', message, { key: publicKeyOf(rsa.key), padding: constants.RSA_PKCS1_PADDING }, result)).toBe(true);
    expect(verify('sha256', Buffer.from('hellp'), publicKeyOf(rsa.key), result)).toBe(false);
  });

  it('keeps old versions: a new version becomes current and old signatures still check out', async () => {
    const client = keyClient(sandbox);
    const first = await client.getKey('audit-signing');
    const message = Buffer.from('head');
    const oldSignature = (await cryptoClient(sandbox, first.id ?? '').sign('ES256', sha256(message))).result;
    const second = await client.createKey('audit-signing', 'EC');
    expect(second.properties.version).not.toBe(first.properties.version);
    expect((await client.getKey('audit-signing')).id).toBe(second.id);
    const old = await client.getKey('audit-signing', { version: first.properties.version ?? '' });
    expect(old.id).toBe(first.id);
    expect(verifyEs(publicKeyOf(old.key), 'sha256', message, oldSignature)).toBe(true);
    expect(verifyEs(publicKeyOf(second.key), 'sha256', message, oldSignature)).toBe(false);
    // Names are case-insensitive, as in Key Vault.
    expect((await client.getKey('AUDIT-SIGNING')).id).toBe(second.id);
  });

  it('answers 404 KeyNotFound for unknown keys and versions', async () => {
    const client = keyClient(sandbox);
    await expectRestError(client.getKey('no-such-key'), 404, 'KeyNotFound');
    await expectRestError(client.getKey('audit-signing', { version: '0123456789abcdef0123456789abcdef' }), 404, 'KeyNotFound');
    const signer = cryptoClient(sandbox, `${sandbox.keyVaultUrl}/keys/no-such-key/0123456789abcdef0123456789abcdef`);
    await expectRestError(signer.sign('ES256', sha256(Buffer.from('x'))), 404, 'KeyNotFound');

    const raw = await rawRequest(sandbox, 'GET', `${sandbox.keyVaultUrl}/keys/no-such-key?api-version=7.6`);
    expect(raw.status).toBe(404);
    expect((raw.json as ErrorBody).error.code).toBe('KeyNotFound');
    expect((raw.json as ErrorBody).error.message).toContain('A key with (name/id) no-such-key was not found in this key vault.');
  });

  it('challenges a request without a token, and the client answers the challenge', async () => {
    const raw = await rawRequest(sandbox, 'GET', `${sandbox.keyVaultUrl}/keys/audit-signing?api-version=7.6`, { identity: null });
    expect(raw.status).toBe(401);
    expect(raw.headers['www-authenticate']).toBe(
      'Bearer authorization="https://login.microsoftonline.com/0f5e8c2a-9b7d-4e31-a6c4-5d8f2e1b3a79", resource="https://vault.azure.net"',
    );
    expect(raw.text).toBe('');

    sandbox.clearRequests();
    const key = await keyClient(sandbox, USER).getKey('audit-signing');
    expect(key.name).toBe('audit-signing');
    // The client's first request is a probe without token; the retry carries one. The records
    // also show the api-version the SDK sends by default.
    expect(sandbox.requests).toEqual([
      { method: 'GET', path: '/keys/audit-signing/', apiVersion: SDK_KEY_VAULT_API_VERSION, status: 401 },
      { method: 'GET', path: '/keys/audit-signing/', apiVersion: SDK_KEY_VAULT_API_VERSION, status: 200, callerObjectId: USER.objectId },
    ]);
  });

  it('challenges bodiless POST probes before reading the operation, then serves the real request', async () => {
    const { key } = await keyClient(sandbox).getKey('audit-signing');
    sandbox.clearRequests();
    // A fresh CryptographyClient starts its own challenge: GET key probe, GET key, then sign.
    await cryptoClient(sandbox, key?.kid ?? '').sign('ES256', sha256(Buffer.from('x')));
    expect(sandbox.requests.map((r) => `${r.method} ${r.path.replace(/[0-9a-f]{32}/, '{v}')} ${r.status}`)).toEqual([
      'GET /keys/audit-signing/{v} 401',
      'GET /keys/audit-signing/{v} 200',
      'POST /keys/audit-signing/{v}/sign 200',
    ]);
  });

  it('refuses expired, malformed and foreign-tenant tokens with 401 and the challenge', async () => {
    const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    const path = `${sandbox.keyVaultUrl}/keys/audit-signing?api-version=7.6`;
    const expired = `${encode({ alg: 'none' })}.${encode({ oid: USER.objectId, appid: USER.appId, tid: USER.tenantId, exp: 1_000_000 })}.`;
    for (const authorization of [`Bearer ${expired}`, 'Bearer not-a-token']) {
      const response = await rawRequest(sandbox, 'GET', path, { identity: null, headers: { authorization } });
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer authorization="/);
      expect((response.json as ErrorBody).error.code).toBe('Unauthorized');
    }
    const foreign = await rawRequest(sandbox, 'GET', path, { identity: { ...USER, tenantId: '11111111-1111-4111-8111-111111111111' } });
    expect(foreign.status).toBe(401);
    expect((foreign.json as ErrorBody).error.message).toContain("tenant '11111111-1111-4111-8111-111111111111'");
  });

  it('accepts the SDK default and 7.4-7.6, and answers other api-versions 400 BadParameter', async () => {
    expect(KEY_VAULT_API_VERSIONS).toContain(SDK_KEY_VAULT_API_VERSION);
    for (const version of ['7.4', '7.5', '7.6', SDK_KEY_VAULT_API_VERSION]) {
      const response = await rawRequest(sandbox, 'GET', `${sandbox.keyVaultUrl}/keys/audit-signing?api-version=${version}`);
      expect(response.status, version).toBe(200);
    }
    // A pinned serviceVersion works through the SDK as well.
    expect((await keyClient(sandbox, SERVICE_PRINCIPAL, { serviceVersion: '7.6' }).getKey('audit-signing')).name).toBe('audit-signing');

    for (const query of ['?api-version=7.3', '?api-version=2025-08-01', '']) {
      const response = await rawRequest(sandbox, 'GET', `${sandbox.keyVaultUrl}/keys/audit-signing${query}`);
      expect(response.status, query).toBe(400);
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
      expect((response.json as ErrorBody).error.code).toBe('BadParameter');
    }
    await expectRestError(keyClient(sandbox, SERVICE_PRINCIPAL, { serviceVersion: '7.3' }).getKey('audit-signing'), 400, 'BadParameter');
  });

  it('answers 400 BadParameter for a digest or algorithm that does not fit the key', async () => {
    const { key } = await keyClient(sandbox).getKey('audit-signing');
    const sign = (body: unknown) =>
      rawRequest(sandbox, 'POST', `${key?.kid ?? ''}/sign?api-version=7.6`, { body: JSON.stringify(body) });
    for (const body of [
      { alg: 'ES256', value: Buffer.alloc(31).toString('base64url') },
      { alg: 'ES384', value: Buffer.alloc(48).toString('base64url') },
      { alg: 'RS256', value: Buffer.alloc(32).toString('base64url') },
      { alg: 'ES256', value: 'not base64url!' },
      { value: Buffer.alloc(32).toString('base64url') },
    ]) {
      const response = await sign(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect((response.json as ErrorBody).error.code).toBe('BadParameter');
    }
    const ok = await sign({ alg: 'ES256', value: sha256(Buffer.from('x')).toString('base64url') });
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ kid: key?.kid, value: expect.stringMatching(/^[A-Za-z0-9_-]{86}$/) });
  });

  it('enforces key_ops and the enabled attribute', async () => {
    const client = keyClient(sandbox);
    const verifyOnly = await client.createKey('verify-only', 'EC', { keyOps: ['verify'] });
    const raw = await rawRequest(sandbox, 'POST', `${verifyOnly.id ?? ''}/sign?api-version=7.6`, {
      body: JSON.stringify({ alg: 'ES256', value: sha256(Buffer.from('x')).toString('base64url') }),
    });
    expect(raw.status).toBe(403);
    const disabled = await client.createKey('disabled', 'EC', { enabled: false });
    expect(disabled.properties.enabled).toBe(false);
    await expectRestError(cryptoClient(sandbox, disabled.id ?? '').sign('ES256', sha256(Buffer.from('x'))), 403, 'Forbidden');
  });

  it('makes no ARM changes or events, and says plainly what it does not implement', async () => {
    const before = sandbox.snapshot();
    const changes: unknown[] = [];
    sandbox.onChange((change) => changes.push(change));
    const created = await keyClient(sandbox).createKey('no-events', 'EC');
    await cryptoClient(sandbox, created.id ?? '').sign('ES256', sha256(Buffer.from('x')));
    expect(changes).toEqual([]);
    expect(sandbox.snapshot()).toEqual(before);

    const response = await rawRequest(sandbox, 'DELETE', `${sandbox.keyVaultUrl}/keys/no-events?api-version=7.6`);
    expect(response.status).toBe(501);
    expect((response.json as ErrorBody).error.code).toBe('NotImplemented');
  });

  it('stops answering when the sandbox closes', async () => {
    const url = sandbox.keyVaultUrl;
    await sandbox.close();
    await expect(rawRequest(sandbox, 'GET', `${url}/keys/audit-signing?api-version=7.6`)).rejects.toThrow(/ECONNREFUSED/);
  });
});

/**
 * Rotation policies, listing and updates, after azure-rest-api-specs
 * `specification/keyvault/data-plane/Microsoft.KeyVault/stable/7.6/keys.json` (GetKeyRotationPolicy,
 * UpdateKeyRotationPolicy, GetKeys, UpdateKey) and the live answers azure-sdk-for-js recorded
 * (cited in sandbox/keyvault/rotationPolicy.ts).
 */
describe('Key Vault rotation policies', () => {
  let sandbox: Sandbox;
  beforeEach(async () => {
    sandbox = await startSandbox({ keys: [{ name: 'audit-signing' }] });
  });
  afterEach(() => sandbox.close());

  const policyUrl = (name: string, version = '7.6'): string => `${sandbox.keyVaultUrl}/keys/${name}/rotationpolicy?api-version=${version}`;

  it('answers the default policy for a key that never had one: Notify 30 days before expiry, no id', async () => {
    sandbox.clearRequests();
    const policy = await keyClient(sandbox).getKeyRotationPolicy('audit-signing');
    expect(policy).toEqual({
      id: undefined,
      createdOn: undefined,
      updatedOn: undefined,
      expiresIn: undefined,
      lifetimeActions: [{ action: 'Notify', timeAfterCreate: undefined, timeBeforeExpiry: 'P30D' }],
    });
    expect(sandbox.requests.map((r) => [r.method, r.path, r.apiVersion, r.status])).toEqual([
      ['GET', '/keys/audit-signing/rotationpolicy', SDK_KEY_VAULT_API_VERSION, 401],
      ['GET', '/keys/audit-signing/rotationpolicy', SDK_KEY_VAULT_API_VERSION, 200],
    ]);
    const raw = await rawRequest(sandbox, 'GET', policyUrl('audit-signing'));
    expect(raw.json).toEqual({ lifetimeActions: [{ trigger: { timeBeforeExpiry: 'P30D' }, action: { type: 'Notify' } }], attributes: {} });

    await expectRestError(keyClient(sandbox).getKeyRotationPolicy('no-such-key'), 404, 'KeyNotFound');
  });

  it('sets a policy and reads it back in the shape of the 7.6 examples (fixtures keyRotationPolicy.*.json)', async () => {
    const client = keyClient(sandbox, SERVICE_PRINCIPAL, { serviceVersion: '7.6' });
    sandbox.clearRequests();
    const before = Math.floor(Date.now() / 1000);
    const set = await client.updateKeyRotationPolicy('audit-signing', {
      lifetimeActions: [
        { action: 'Rotate', timeAfterCreate: 'P90D' },
        { action: 'Notify', timeBeforeExpiry: 'P30D' },
      ],
      expiresIn: 'P2Y',
    });
    expect(sandbox.requests.at(-1)).toMatchObject({ method: 'PUT', path: '/keys/audit-signing/rotationpolicy', apiVersion: '7.6', status: 200 });
    expect(set).toMatchObject({
      id: `${sandbox.keyVaultUrl}/keys/audit-signing/rotationpolicy`,
      expiresIn: 'P2Y',
      lifetimeActions: [
        { action: 'Rotate', timeAfterCreate: 'P90D' },
        { action: 'Notify', timeBeforeExpiry: 'P30D' },
      ],
    });
    expect(set.createdOn?.getTime()).toBeGreaterThanOrEqual(before * 1000);
    expect(await client.getKeyRotationPolicy('audit-signing')).toEqual(set);

    const raw = await rawRequest(sandbox, 'GET', policyUrl('audit-signing'));
    expect(raw.json).toEqual({
      id: `${sandbox.keyVaultUrl}/keys/audit-signing/rotationpolicy`,
      lifetimeActions: [
        { trigger: { timeAfterCreate: 'P90D' }, action: { type: 'Rotate' } },
        { trigger: { timeBeforeExpiry: 'P30D' }, action: { type: 'Notify' } },
      ],
      attributes: { expiryTime: 'P2Y', created: expect.any(Number), updated: expect.any(Number) },
    });
  });

  it('adds the default Notify action, and a PUT replaces the whole policy', async () => {
    const client = keyClient(sandbox);
    // As recorded live: a Rotate-only policy comes back with Notify 30 days before expiry.
    const first = await client.updateKeyRotationPolicy('audit-signing', {
      lifetimeActions: [{ action: 'Rotate', timeBeforeExpiry: 'P30D' }],
      expiresIn: 'P90D',
    });
    expect(first.lifetimeActions).toEqual([
      { action: 'Rotate', timeAfterCreate: undefined, timeBeforeExpiry: 'P30D' },
      { action: 'Notify', timeAfterCreate: undefined, timeBeforeExpiry: 'P30D' },
    ]);
    // A second PUT without the Rotate action and the expiry drops both; created stays.
    const second = await client.updateKeyRotationPolicy('audit-signing', { lifetimeActions: [{ action: 'Notify', timeBeforeExpiry: 'P60D' }] });
    expect(second.lifetimeActions).toEqual([{ action: 'Notify', timeAfterCreate: undefined, timeBeforeExpiry: 'P60D' }]);
    expect(second.expiresIn).toBeUndefined();
    expect(second.createdOn).toEqual(first.createdOn);
    expect(second.updatedOn?.getTime()).toBeGreaterThanOrEqual(first.updatedOn?.getTime() ?? 0);
    // An empty list restores the default actions (the SDK documents it); the policy stays set.
    const reset = await client.updateKeyRotationPolicy('audit-signing', { lifetimeActions: [] });
    expect(reset.lifetimeActions).toEqual([{ action: 'Notify', timeAfterCreate: undefined, timeBeforeExpiry: 'P30D' }]);
    expect(reset.id).toBe(`${sandbox.keyVaultUrl}/keys/audit-signing/rotationpolicy`);

    // Action types compare case-insensitively and are answered in the spec's casing.
    const raw = await rawRequest(sandbox, 'PUT', policyUrl('audit-signing'), {
      body: JSON.stringify({ lifetimeActions: [{ trigger: { timeAfterCreate: 'P18M' }, action: { type: 'rotate' } }], attributes: { expiryTime: 'P2Y' } }),
    });
    expect(raw.status).toBe(200);
    expect((raw.json as { lifetimeActions: unknown[] }).lifetimeActions).toEqual([
      { trigger: { timeAfterCreate: 'P18M' }, action: { type: 'Rotate' } },
      { trigger: { timeBeforeExpiry: 'P30D' }, action: { type: 'Notify' } },
    ]);
    // The policy belongs to the key: a new version keeps it.
    await client.createKey('audit-signing', 'EC');
    expect((await client.getKeyRotationPolicy('audit-signing')).lifetimeActions?.[0]).toMatchObject({ action: 'Rotate', timeAfterCreate: 'P18M' });
  });

  it('accepts the limits themselves: expiry of 28 days, rotation 7 days after creation and before expiry', async () => {
    const client = keyClient(sandbox);
    for (const policy of [
      { lifetimeActions: [{ action: 'Rotate', timeAfterCreate: 'P21D' }], expiresIn: 'P28D' },
      { lifetimeActions: [{ action: 'Rotate', timeBeforeExpiry: 'P7D' }], expiresIn: 'P4W' },
      { lifetimeActions: [{ action: 'Rotate', timeAfterCreate: 'PT168H' }] },
      { lifetimeActions: [{ action: 'Notify', timeBeforeExpiry: 'P1M' }] },
    ] satisfies KeyRotationPolicyProperties[]) {
      await expect(client.updateKeyRotationPolicy('audit-signing', policy), JSON.stringify(policy)).resolves.toBeDefined();
    }
  });

  it('refuses policies the service refuses with 400 BadParameter, and keeps the one it had', async () => {
    const client = keyClient(sandbox);
    const kept = await client.updateKeyRotationPolicy('audit-signing', { lifetimeActions: [{ action: 'Rotate', timeAfterCreate: 'P90D' }], expiresIn: 'P1Y' });
    const refused: KeyRotationPolicyProperties[] = [
      { expiresIn: 'P27D' },
      { expiresIn: 'two years' },
      { lifetimeActions: [{ action: 'Rotate', timeAfterCreate: 'P6D' }] },
      { lifetimeActions: [{ action: 'Rotate', timeAfterCreate: 'PT48H' }] },
      { lifetimeActions: [{ action: 'Rotate', timeAfterCreate: 'P85D' }], expiresIn: 'P90D' },
      { lifetimeActions: [{ action: 'Rotate', timeBeforeExpiry: 'P30D' }] },
      { lifetimeActions: [{ action: 'Rotate', timeBeforeExpiry: 'P6D' }], expiresIn: 'P90D' },
      { lifetimeActions: [{ action: 'Rotate', timeBeforeExpiry: 'P85D' }], expiresIn: 'P90D' },
      { lifetimeActions: [{ action: 'Notify', timeAfterCreate: 'P30D' }] },
      { lifetimeActions: [{ action: 'Notify', timeBeforeExpiry: '30 days' }] },
      { lifetimeActions: [{ action: 'Rotate', timeAfterCreate: 'P30D' }, { action: 'Rotate', timeAfterCreate: 'P60D' }] },
      { lifetimeActions: [{ action: 'Notify', timeBeforeExpiry: 'P30D' }, { action: 'Notify', timeBeforeExpiry: 'P10D' }] },
      { lifetimeActions: [{ action: 'Rotate' }] },
      { lifetimeActions: [{ action: 'Rotate', timeAfterCreate: 'P30D', timeBeforeExpiry: 'P30D' }], expiresIn: 'P1Y' },
    ];
    for (const policy of refused) {
      await expectRestError(client.updateKeyRotationPolicy('audit-signing', policy), 400, 'BadParameter');
    }
    for (const body of ['{"lifetimeActions":[{"trigger":{"timeAfterCreate":"P30D"},"action":{"type":"Delete"}}]}', '{"lifetimeActions":{}}', 'not json']) {
      const raw = await rawRequest(sandbox, 'PUT', policyUrl('audit-signing'), { body });
      expect(raw.status, body).toBe(400);
      expect((raw.json as ErrorBody).error.code).toBe('BadParameter');
    }
    expect(await client.getKeyRotationPolicy('audit-signing')).toEqual(kept);
    await expectRestError(client.updateKeyRotationPolicy('no-such-key', { lifetimeActions: [] }), 404, 'KeyNotFound');
  });
});

/** A sign request straight to the vault, past the client's own checks of key_ops and expiry. */
function signRaw(sandbox: Sandbox, kid: string): ReturnType<typeof rawRequest> {
  return rawRequest(sandbox, 'POST', `${kid}/sign?api-version=7.6`, {
    body: JSON.stringify({ alg: 'ES256', value: sha256(Buffer.from('x')).toString('base64url') }),
  });
}

describe('Key Vault key listing and updates', () => {
  let sandbox: Sandbox;
  beforeEach(async () => {
    sandbox = await startSandbox({ keys: [{ name: 'audit-signing' }] });
  });
  afterEach(() => sandbox.close());

  async function collect(iterable: AsyncIterable<KeyProperties>): Promise<KeyProperties[]> {
    const out: KeyProperties[] = [];
    for await (const item of iterable) out.push(item);
    return out;
  }

  it('lists the current version of every key, 25 a page by default, following nextLink', async () => {
    const client = keyClient(sandbox);
    const names = Array.from({ length: 30 }, (_, i) => `key-${String(i).padStart(2, '0')}`);
    for (const name of names) await client.createKey(name, 'EC', { tags: { n: name } });
    await client.createKey('key-00', 'EC', { tags: { n: 'newest' } });

    sandbox.clearRequests();
    const listed = await collect(client.listPropertiesOfKeys());
    expect(listed.map((key) => key.name)).toEqual(['audit-signing', ...names]);
    // Base identifiers only: no version, the current version's attributes and tags.
    expect(listed[1]).toMatchObject({ id: `${sandbox.keyVaultUrl}/keys/key-00`, version: undefined, enabled: true, tags: { n: 'newest' } });
    expect(listed[1]?.createdOn).toBeInstanceOf(Date);
    const gets = sandbox.requests.filter((r) => r.status === 200);
    expect(gets.map((r) => [r.method, r.path, r.apiVersion])).toEqual([
      ['GET', '/keys', SDK_KEY_VAULT_API_VERSION],
      ['GET', '/keys', SDK_KEY_VAULT_API_VERSION],
    ]);

    const pages: number[] = [];
    for await (const pageOfKeys of client.listPropertiesOfKeys().byPage({ maxPageSize: 10 })) pages.push(pageOfKeys.length);
    expect(pages).toEqual([10, 10, 10, 1]);

    const first = await rawRequest(sandbox, 'GET', `${sandbox.keyVaultUrl}/keys?api-version=7.6&maxresults=2`);
    const body = first.json as { value: { kid: string }[]; nextLink: string };
    expect(body.value.map((item) => item.kid)).toEqual([`${sandbox.keyVaultUrl}/keys/audit-signing`, `${sandbox.keyVaultUrl}/keys/key-00`]);
    expect(Object.keys(body.value[0] ?? {}).sort()).toEqual(['attributes', 'kid']);
    expect(body.nextLink).toMatch(new RegExp(`^${sandbox.keyVaultUrl}/keys\\?api-version=7\\.6&%24skiptoken=[A-Za-z0-9_-]+&maxresults=2$`));
    for (const query of ['maxresults=0', 'maxresults=26', 'maxresults=ten', '$skiptoken=bogus']) {
      const response = await rawRequest(sandbox, 'GET', `${sandbox.keyVaultUrl}/keys?api-version=7.6&${query}`);
      expect(response.status, query).toBe(400);
      expect((response.json as ErrorBody).error.code).toBe('BadParameter');
    }
  });

  it("sets and moves a key's expiry with updateKeyProperties, which signing then honours", async () => {
    const client = keyClient(sandbox);
    const created = await client.getKey('audit-signing');
    const expiresOn = new Date(Math.floor(Date.now() / 1000 + 90 * 86_400) * 1000);
    sandbox.clearRequests();
    const updated = await client.updateKeyProperties('audit-signing', { expiresOn });
    expect(sandbox.requests.at(-1)).toMatchObject({ method: 'PATCH', path: '/keys/audit-signing/', status: 200 });
    expect(updated.properties.expiresOn).toEqual(expiresOn);
    expect(updated.id).toBe(created.id);
    expect(updated.key?.x).toEqual(created.key?.x);
    expect(updated.properties.updatedOn?.getTime()).toBeGreaterThanOrEqual(created.properties.createdOn?.getTime() ?? 0);
    expect((await client.getKey('audit-signing')).properties.expiresOn).toEqual(expiresOn);
    expect((await collect(client.listPropertiesOfKeys()))[0]?.expiresOn).toEqual(expiresOn);

    // Moving the expiry into the past makes the key unusable for signing: the client sees it in the
    // key it fetches, and the vault refuses a sign request all the same.
    const past = new Date(Math.floor(Date.now() / 1000 - 60) * 1000);
    await client.updateKeyProperties('audit-signing', created.properties.version ?? '', { expiresOn: past });
    await expect(cryptoClient(sandbox, created.id ?? '').sign('ES256', sha256(Buffer.from('x')))).rejects.toThrow(/expired/);
    expect((await signRaw(sandbox, created.id ?? '')).status).toBe(403);
  });

  it('updates one named version, key_ops and tags, leaving the other versions alone', async () => {
    const client = keyClient(sandbox);
    const first = await client.getKey('audit-signing');
    const second = await client.createKey('audit-signing', 'EC', { tags: { generation: '2' } });
    const disabled = await client.updateKeyProperties('audit-signing', first.properties.version ?? '', { enabled: false, tags: { retired: 'yes' } });
    expect(disabled.id).toBe(first.id);
    expect(disabled.properties).toMatchObject({ enabled: false, tags: { retired: 'yes' } });
    expect((await client.getKey('audit-signing')).properties).toMatchObject({ version: second.properties.version, enabled: true, tags: { generation: '2' } });

    const verifyOnly = await client.updateKeyProperties('audit-signing', { keyOps: ['verify'] });
    expect(verifyOnly.keyOperations).toEqual(['verify']);
    expect((await signRaw(sandbox, second.id ?? '')).status).toBe(403);

    await expectRestError(client.updateKeyProperties('audit-signing', { keyOps: ['launch'] as never }), 400, 'BadParameter');
    await expectRestError(client.updateKeyProperties('no-such-key', { enabled: false }), 404, 'KeyNotFound');
    await expectRestError(client.updateKeyProperties('audit-signing', '0123456789abcdef0123456789abcdef', { enabled: false }), 404, 'KeyNotFound');
  });
});
