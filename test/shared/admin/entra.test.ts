/**
 * Entra ID access tokens for the admin API, against a real local HTTP server standing in for the
 * tenant's OpenID metadata and key set, with tokens signed by keys generated here.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEntraAuthenticator, type AuthResult, type EntraAuthConfig } from '../../../shared/admin/entra.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const API_URI = 'api://hipaa-remediator';
const API_CLIENT_ID = '5c1d8a3e-7f42-4b9a-a6e0-3d2f1c9b8e71';
const CLIENT_APP = '1950a258-227b-4e31-a9cf-717495945fc2';
const OBJECT_ID = '4b8d2f6a-1c3e-45a7-b9d0-e2f4a6c8b1d3';
const V2_ISSUER = `https://login.microsoftonline.com/${TENANT}/v2.0`;
const V1_ISSUER = `https://sts.windows.net/${TENANT}/`;
const OPERATOR = 'Remediator.Operator';
const READER = 'Remediator.Reader';
// Personal data a reason must never repeat.
const UPN = 'dana.canaryfield@northwind-health.example';

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

async function newKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  // Shaped like Entra's published keys: no `alg`, `use: sig`, identified by `kid`.
  const jwk = { ...(await exportJWK(publicKey)), kid, use: 'sig' };
  return { kid, privateKey, publicKey, jwk };
}

/** The tenant's metadata endpoints; `published` is what the key set serves right now. */
interface Tenant {
  server: Server;
  base: string;
  jwksUri: string;
  published: JWK[];
  jwksFetches: number;
}

async function startTenant(): Promise<Tenant> {
  const tenant: Tenant = { server: createServer(), base: '', jwksUri: '', published: [], jwksFetches: 0 };
  tenant.server.on('request', (req, res) => {
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === `/${TENANT}/v2.0/.well-known/openid-configuration`) {
      send(200, { issuer: V2_ISSUER, jwks_uri: tenant.jwksUri, id_token_signing_alg_values_supported: ['RS256'] });
    } else if (req.url === `/${TENANT}/discovery/v2.0/keys`) {
      tenant.jwksFetches += 1;
      send(200, { keys: tenant.published });
    } else if (req.url === '/broken/keys') {
      send(500, { error: 'unavailable' });
    } else {
      send(404, { error: 'not found' });
    }
  });
  await new Promise<void>((resolve) => tenant.server.listen(0, '127.0.0.1', resolve));
  const { port } = tenant.server.address() as AddressInfo;
  tenant.base = `http://127.0.0.1:${port}`;
  tenant.jwksUri = `${tenant.base}/${TENANT}/discovery/v2.0/keys`;
  return tenant;
}

let tenant: Tenant;
let current: SigningKey;
let next: SigningKey;
let stranger: SigningKey;
let jwksUri: string;

beforeAll(async () => {
  [tenant, current, next, stranger] = await Promise.all([startTenant(), newKey('kid-current'), newKey('kid-next'), newKey('kid-current')]);
  // Discover the key set as an operator would configure it: from the tenant's OpenID metadata.
  const metadata = (await (await fetch(`${tenant.base}/${TENANT}/v2.0/.well-known/openid-configuration`)).json()) as { jwks_uri: string };
  jwksUri = metadata.jwks_uri;
});
afterAll(async () => {
  await new Promise<void>((resolve, reject) => tenant.server.close((error) => (error ? reject(error) : resolve())));
});
afterEach(() => {
  tenant.published = [current.jwk];
  tenant.jwksFetches = 0;
});

function authenticator(overrides: Partial<EntraAuthConfig> = {}): ReturnType<typeof createEntraAuthenticator> {
  tenant.published = [current.jwk];
  return createEntraAuthenticator({ tenantId: TENANT, audience: [API_URI, API_CLIENT_ID], operatorRole: OPERATOR, readerRole: READER, jwksUri, ...overrides });
}

const now = (): number => Math.floor(Date.now() / 1000);

/** A v2 app-only token as Entra issues it for the client credentials flow. */
function v2AppClaims(roles: string[] | undefined): JWTPayload {
  return {
    iss: V2_ISSUER,
    aud: API_CLIENT_ID,
    iat: now() - 30,
    nbf: now() - 30,
    exp: now() + 3600,
    tid: TENANT,
    oid: OBJECT_ID,
    sub: OBJECT_ID,
    azp: CLIENT_APP,
    azpacr: '1',
    idtyp: 'app',
    ver: '2.0',
    ...(roles !== undefined && { roles }),
  };
}

async function sign(claims: JWTPayload, key: SigningKey = current, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid, ...header }).sign(key.privateKey);
}

const bearer = (token: string): string => `Bearer ${token}`;

function expectDenied(result: AuthResult, status: 401 | 403, reason: RegExp, token?: string): void {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.status).toBe(status);
  expect(result.reason).toMatch(reason);
  if (token !== undefined) {
    for (const part of token.split('.')) if (part.length > 0) expect(result.reason).not.toContain(part);
  }
  expect(result.reason).not.toContain(UPN);
  expect(result.reason).not.toContain(OBJECT_ID);
}

describe('valid tokens', () => {
  it('lets an operator write, and reports the principal', async () => {
    const auth = authenticator();
    const result = await auth(bearer(await sign(v2AppClaims([OPERATOR]))), 'write');
    expect(result).toEqual({ ok: true, canWrite: true, principal: { objectId: OBJECT_ID, appId: CLIENT_APP, kind: 'app', roles: [OPERATOR] } });
    expect(await auth(bearer(await sign(v2AppClaims([OPERATOR]))), 'read')).toMatchObject({ ok: true, canWrite: true });
  });

  it('lets a reader read but not write', async () => {
    const auth = authenticator();
    const token = await sign(v2AppClaims([READER]));
    expect(await auth(bearer(token), 'read')).toMatchObject({ ok: true, canWrite: false, principal: { roles: [READER] } });
    expectDenied(await auth(bearer(token), 'write'), 403, /lacks the Remediator\.Operator role/, token);
  });

  it('refuses a valid token without any role, with 403', async () => {
    const auth = authenticator();
    const token = await sign(v2AppClaims(undefined));
    expectDenied(await auth(bearer(token), 'read'), 403, /lacks the Remediator\.Reader or Remediator\.Operator role/, token);
    expectDenied(await auth(bearer(await sign(v2AppClaims(['Something.Else']))), 'write'), 403, /lacks the Remediator\.Operator role/);
  });

  it('requires the operator role to read when no reader role is configured', async () => {
    const auth = authenticator({ readerRole: undefined });
    expectDenied(await auth(bearer(await sign(v2AppClaims([READER]))), 'read'), 403, /lacks the Remediator\.Operator role/);
    expect(await auth(bearer(await sign(v2AppClaims([OPERATOR]))), 'read')).toMatchObject({ ok: true });
  });

  it('accepts a v1 delegated token: sts.windows.net issuer, appid, application id URI audience', async () => {
    const auth = authenticator();
    const claims: JWTPayload = {
      iss: V1_ISSUER,
      aud: API_URI,
      iat: now() - 30,
      nbf: now() - 30,
      exp: now() + 3600,
      tid: TENANT,
      oid: OBJECT_ID,
      appid: CLIENT_APP,
      appidacr: '0',
      scp: 'user_impersonation',
      roles: [READER],
      upn: UPN,
      name: 'Dana Canaryfield',
      ver: '1.0',
    };
    const result = await auth(bearer(await sign(claims, current, { x5t: current.kid })), 'read');
    expect(result).toEqual({ ok: true, canWrite: false, principal: { objectId: OBJECT_ID, appId: CLIENT_APP, kind: 'user', roles: [READER] } });
  });

  it('classifies a token without idtyp as app-only when it has no scp', async () => {
    const auth = authenticator();
    const { idtyp: _idtyp, ...claims } = v2AppClaims([OPERATOR]);
    expect(await auth(bearer(await sign(claims)), 'write')).toMatchObject({ ok: true, principal: { kind: 'app' } });
    expect(await auth(bearer(await sign({ ...claims, scp: 'access_as_user' })), 'write')).toMatchObject({ ok: true, principal: { kind: 'user' } });
  });

  it('tolerates clock skew within the configured tolerance', async () => {
    const auth = authenticator();
    expect(await auth(bearer(await sign({ ...v2AppClaims([OPERATOR]), exp: now() - 20 })), 'write')).toMatchObject({ ok: true });
    expect(await auth(bearer(await sign({ ...v2AppClaims([OPERATOR]), nbf: now() + 20 })), 'write')).toMatchObject({ ok: true });
  });
});

describe('invalid tokens are refused with 401', () => {
  it('refuses a missing or non-Bearer header', async () => {
    const auth = authenticator();
    expectDenied(await auth(undefined, 'read'), 401, /missing Authorization header/);
    expectDenied(await auth('', 'read'), 401, /missing Authorization header/);
    expectDenied(await auth('Basic ZGFuYTpodW50ZXIy', 'read'), 401, /not a Bearer token/, 'ZGFuYTpodW50ZXIy');
    expectDenied(await auth('Bearer', 'read'), 401, /not a Bearer token/);
    expectDenied(await auth('Bearer two tokens', 'read'), 401, /not a Bearer token/);
  });

  it('refuses garbage that looks like a Bearer token', async () => {
    const auth = authenticator();
    expectDenied(await auth('Bearer not-a-jwt', 'read'), 401, /malformed/, 'not-a-jwt');
    expectDenied(await auth('Bearer aaa.bbb.ccc', 'read'), 401, /malformed/, 'aaa.bbb.ccc');
    expect(tenant.jwksFetches).toBe(0);
  });

  it('accepts the scheme in any case, per RFC 6750', async () => {
    const auth = authenticator();
    expect(await auth(`bearer ${await sign(v2AppClaims([OPERATOR]))}`, 'write')).toMatchObject({ ok: true });
  });

  it('refuses an expired token', async () => {
    const token = await sign({ ...v2AppClaims([OPERATOR]), exp: now() - 300 });
    expectDenied(await authenticator()(bearer(token), 'read'), 401, /^token expired$/, token);
  });

  it('refuses a token whose nbf is beyond the tolerance', async () => {
    const token = await sign({ ...v2AppClaims([OPERATOR]), nbf: now() + 300 });
    expectDenied(await authenticator()(bearer(token), 'read'), 401, /^token not yet valid$/, token);
  });

  it('refuses a token without nbf, which Entra always issues', async () => {
    const { nbf: _nbf, ...claims } = v2AppClaims([OPERATOR]);
    expectDenied(await authenticator()(bearer(await sign(claims)), 'read'), 401, /lacks the nbf claim/);
  });

  it('refuses a token for another audience', async () => {
    const token = await sign({ ...v2AppClaims([OPERATOR]), aud: 'https://management.azure.com' });
    expectDenied(await authenticator()(bearer(token), 'read'), 401, /audience not accepted/, token);
  });

  it('refuses a token from another issuer', async () => {
    const auth = authenticator();
    const other = 'https://login.microsoftonline.com/0b0e1f2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b/v2.0';
    expectDenied(await auth(bearer(await sign({ ...v2AppClaims([OPERATOR]), iss: other })), 'read'), 401, /issuer not accepted/);
    expectDenied(await auth(bearer(await sign({ ...v2AppClaims([OPERATOR]), iss: `${V2_ISSUER}/` })), 'read'), 401, /issuer not accepted/);
  });

  it('refuses a token whose tid names another tenant', async () => {
    const token = await sign({ ...v2AppClaims([OPERATOR]), tid: '0b0e1f2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b' });
    expectDenied(await authenticator()(bearer(token), 'read'), 401, /tenant not accepted/, token);
  });

  it('refuses a token without an object id', async () => {
    const { oid: _oid, ...claims } = v2AppClaims([OPERATOR]);
    expectDenied(await authenticator()(bearer(await sign(claims)), 'read'), 401, /no oid claim/);
  });

  it('refuses a token signed by a key the tenant does not publish, even with a known kid', async () => {
    const auth = authenticator();
    const forged = await sign(v2AppClaims([OPERATOR]), stranger);
    expectDenied(await auth(bearer(forged), 'write'), 401, /signature invalid/, forged);
    const unknownKid = await sign(v2AppClaims([OPERATOR]), { ...stranger, kid: 'kid-unknown' });
    expectDenied(await auth(bearer(unknownKid), 'write'), 401, /unknown key/, unknownKid);
  });

  it('refuses an unsecured alg:none token without fetching keys', async () => {
    const token = new UnsecuredJWT(v2AppClaims([OPERATOR])).encode();
    expectDenied(await authenticator()(bearer(token), 'write'), 401, /algorithm not allowed/, token);
    expect(tenant.jwksFetches).toBe(0);
  });

  it('refuses an HS256 token keyed with the public key bytes (algorithm confusion)', async () => {
    const secret = new TextEncoder().encode(await exportSPKI(current.publicKey));
    const token = await new SignJWT(v2AppClaims([OPERATOR])).setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: current.kid }).sign(secret);
    expectDenied(await authenticator()(bearer(token), 'write'), 401, /algorithm not allowed/, token);
  });

  it('refuses a token signed with another RSA algorithm', async () => {
    const { privateKey } = await generateKeyPair('PS256');
    const token = await new SignJWT(v2AppClaims([OPERATOR])).setProtectedHeader({ alg: 'PS256', kid: current.kid }).sign(privateKey);
    expectDenied(await authenticator()(bearer(token), 'write'), 401, /algorithm not allowed/, token);
  });

  it('refuses a token whose roles claim is not an array of strings', async () => {
    const token = await sign({ ...v2AppClaims(undefined), roles: OPERATOR });
    expectDenied(await authenticator()(bearer(token), 'write'), 401, /roles claim is malformed/, token);
  });

  it('refuses, with a reason naming the outage, when the key set cannot be fetched', async () => {
    const auth = authenticator({ jwksUri: `${tenant.base}/broken/keys` });
    expectDenied(await auth(bearer(await sign(v2AppClaims([OPERATOR]))), 'read'), 401, /^signing keys unavailable$/);
  });
});

describe('signing key rotation', () => {
  it('accepts a token signed with a key published after the first fetch', async () => {
    const auth = authenticator({ jwks: { cooldownMs: 0 } });
    expect(await auth(bearer(await sign(v2AppClaims([OPERATOR]))), 'write')).toMatchObject({ ok: true });
    expect(tenant.jwksFetches).toBe(1);

    tenant.published = [current.jwk, next.jwk];
    expect(await auth(bearer(await sign(v2AppClaims([OPERATOR]), next)), 'write')).toMatchObject({ ok: true });
    expect(tenant.jwksFetches).toBe(2);
    // Keys already known are served from the cache.
    expect(await auth(bearer(await sign(v2AppClaims([OPERATOR]), current)), 'write')).toMatchObject({ ok: true });
    expect(tenant.jwksFetches).toBe(2);
  });

  it('does not refetch for an unknown kid within the cooldown', async () => {
    const auth = authenticator();
    expect(await auth(bearer(await sign(v2AppClaims([OPERATOR]))), 'write')).toMatchObject({ ok: true });
    tenant.published = [current.jwk, next.jwk];
    expectDenied(await auth(bearer(await sign(v2AppClaims([OPERATOR]), next)), 'write'), 401, /unknown key/);
    expect(tenant.jwksFetches).toBe(1);
  });
});

describe('configuration', () => {
  it('rejects an invalid configuration at construction', () => {
    const base: EntraAuthConfig = { tenantId: TENANT, audience: API_URI, operatorRole: OPERATOR };
    expect(() => createEntraAuthenticator({ ...base, tenantId: 'contoso.onmicrosoft.com' })).toThrow(/GUID/);
    expect(() => createEntraAuthenticator({ ...base, audience: [] })).toThrow(/audience/);
    expect(() => createEntraAuthenticator({ ...base, operatorRole: '' })).toThrow(/operatorRole/);
    expect(() => createEntraAuthenticator({ ...base, jwksUri: 'http://keys.example/keys' })).toThrow(/https/);
    expect(() => createEntraAuthenticator({ ...base, clockToleranceSeconds: -1 })).toThrow(/clockTolerance/);
    expect(() => createEntraAuthenticator(base)).not.toThrow();
  });
});
