/**
 * The sandbox's Key Vault: the keys data plane of one vault, enough for the real
 * `KeyClient` and `CryptographyClient` to create, list and update keys, read their public
 * parts, sign and verify, and read and set rotation policies (`keyvault/rotationPolicy.ts`).
 * Operations and shapes after azure-rest-api-specs
 * `specification/keyvault/data-plane/Microsoft.KeyVault/stable/7.6/keys.json`.
 *
 * It listens on its own port (same certificate) with the vault at the root of the URL,
 * because the client library derives the vault from a key id as `protocol//host` and expects
 * the path to be exactly `/keys/{name}/{version}` (`parseKeyVaultIdentifier`): a vault under a
 * path prefix breaks `CryptographyClient` and every KeyVaultKey the client parses.
 *
 * Data-plane calls make no ARM events (FACTS.md), so nothing here touches Event Grid.
 */
import { BodyTooLargeError, readBody } from '../shared/httpBody.js';
import { ArmError } from './errors.js';
import { badParameter, keyNotFound, parseBody } from './keyvault/errors.js';
import { type Page, page } from './keyvault/paging.js';
import {
  type CreateKeyRequest,
  DEFAULT_KEY_OPS,
  type KeyOperation,
  type KeyType,
  createSchema,
  keyOperations,
  signSchema,
  updateSchema,
  verifySchema,
} from './keyvault/requests.js';
import { type RotationPolicy, parseRotationPolicy, rotationPolicyBody } from './keyvault/rotationPolicy.js';
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import { listenOnLoopback } from './loopback.js';
import { type SandboxCaller, decodeSandboxToken } from './credential.js';
import {
  EC_CURVES,
  type EcCurve,
  type KeyMaterial,
  RSA_KEY_SIZES,
  UnsupportedOperation,
  createEcKeyMaterial,
  createRsaKeyMaterial,
  signDigest,
  verifyDigest,
} from './keyvault/crypto.js';

/**
 * api-versions the vault serves. 2025-07-01 is what @azure/keyvault-keys 4.10 sends by
 * default (its LATEST_API_VERSION); 7.4–7.6 are the earlier stable versions callers pin.
 */
export const KEY_VAULT_API_VERSIONS = ['2025-07-01', '7.6', '7.5', '7.4'] as const;

/** The resource Key Vault names in its challenge; clients ask for `${resource}/.default`. */
export const KEY_VAULT_RESOURCE = 'https://vault.azure.net';

/** A key the sandbox creates at start: EC P-256 with sign/verify, like the audit signing key. */
export interface SandboxKeySpec {
  name: string;
}

/** One Key Vault request answered; the same shape as the sandbox's ARM request records. */
export interface KeyVaultRequestRecord {
  method: string;
  /** Path without query, relative to the vault (`/keys/...`). */
  path: string;
  apiVersion?: string;
  status: number;
  callerObjectId?: string;
}

export interface KeyVaultOptions {
  /** PEM key and certificate; the sandbox shares its ARM listener's, so one `ca` covers both. */
  tls: { key: string; cert: string };
  /** The vault's tenant: named in the challenge, and the only tenant whose tokens it takes. */
  tenantId: string;
  record: (entry: KeyVaultRequestRecord) => void;
}

/** Key Vault's object-name rule. */
const KEY_NAME = /^[0-9a-zA-Z-]{1,127}$/;
const KEY_VERSION = /^[0-9a-f]{32}$/;
const MAX_BODY_BYTES = 1024 * 1024;

/** One version of a key; an update replaces the object, so a version is never changed in place. */
interface KeyVersion {
  readonly version: string;
  readonly kty: KeyType;
  readonly material: KeyMaterial;
  readonly keyOps: readonly KeyOperation[];
  readonly enabled: boolean;
  readonly notBefore?: number;
  readonly expires?: number;
  /** Unix seconds, as Key Vault's attributes carry them. */
  readonly created: number;
  readonly updated: number;
  readonly tags?: Readonly<Record<string, string>>;
}

interface StoredKey {
  /** As first created; Key Vault names are case-insensitive but keep their spelling. */
  readonly name: string;
  /** Oldest first; the last one is the current version. */
  readonly versions: KeyVersion[];
  /** Belongs to the key, not to a version: a rotation makes a new version under the same policy. */
  rotationPolicy?: RotationPolicy;
}

function bearerToken(header: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
}

async function readVaultBody(request: IncomingMessage): Promise<string> {
  try {
    return await readBody(request, MAX_BODY_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw badParameter('The request body is too large.');
    throw error;
  }
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

interface Answer {
  status: number;
  body: unknown;
}

/** One vault: its keys in memory (private parts never leave this object) and its HTTPS listener. */
export class KeyVault {
  private readonly keys = new Map<string, StoredKey>();
  private readonly server: https.Server;
  private readonly challenge: string;
  private baseUrl = '';

  constructor(private readonly options: KeyVaultOptions) {
    this.challenge = `Bearer authorization="https://login.microsoftonline.com/${options.tenantId}", resource="${KEY_VAULT_RESOURCE}"`;
    this.server = https.createServer(options.tls, (request, response) => {
      this.serve(request, response).catch((error: unknown) => {
        // Only reached if answering itself failed (socket already gone); nothing left to tell the client.
        if (!response.headersSent) response.destroy(error instanceof Error ? error : undefined);
      });
    });
  }

  /** The vault URL, e.g. `https://127.0.0.1:54322` (no trailing slash). */
  get url(): string {
    return this.baseUrl;
  }

  /** Creates a key (or a new version of it) directly, as the data plane's create does. */
  createKey(name: string, request: CreateKeyRequest = { kty: 'EC', crv: 'P-256' }): { name: string; version: string } {
    if (!KEY_NAME.test(name)) {
      throw badParameter(`The key name '${name}' is invalid: use 1-127 letters, digits and dashes.`);
    }
    const kty = request.kty;
    if (kty !== 'EC' && kty !== 'EC-HSM' && kty !== 'RSA' && kty !== 'RSA-HSM') {
      throw badParameter(`The key type '${kty}' is not supported: use EC, EC-HSM, RSA or RSA-HSM.`);
    }
    const material = kty === 'EC' || kty === 'EC-HSM' ? this.ecMaterial(request) : this.rsaMaterial(request);
    const keyOps = keyOperations(request.key_ops ?? DEFAULT_KEY_OPS[material.kind]);
    const attributes = request.attributes;
    const now = nowSeconds();
    const version: KeyVersion = {
      version: randomBytes(16).toString('hex'),
      kty,
      material,
      keyOps,
      enabled: attributes?.enabled ?? true,
      ...(attributes?.nbf !== undefined ? { notBefore: attributes.nbf } : {}),
      ...(attributes?.exp !== undefined ? { expires: attributes.exp } : {}),
      created: now,
      updated: now,
      ...(request.tags !== undefined ? { tags: { ...request.tags } } : {}),
    };
    const stored = this.keys.get(name.toLowerCase());
    if (stored === undefined) this.keys.set(name.toLowerCase(), { name, versions: [version] });
    else stored.versions.push(version);
    return { name: stored?.name ?? name, version: version.version };
  }

  async listen(): Promise<void> {
    this.baseUrl = await listenOnLoopback(this.server);
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    const closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closing;
  }

  private ecMaterial(request: CreateKeyRequest): KeyMaterial {
    // Key Vault picks P-256 when an EC create names no curve.
    const curve = request.crv ?? 'P-256';
    if (!(EC_CURVES as readonly string[]).includes(curve)) {
      throw badParameter(`The curve '${curve}' is not supported by the sandbox: use ${EC_CURVES.join(', ')}.`);
    }
    return createEcKeyMaterial(curve as EcCurve);
  }

  private rsaMaterial(request: CreateKeyRequest): KeyMaterial {
    const size = request.key_size ?? 2048;
    if (!RSA_KEY_SIZES.includes(size)) throw badParameter(`The key size ${size} is not supported: use ${RSA_KEY_SIZES.join(', ')}.`);
    return createRsaKeyMaterial(size, request.public_exponent ?? 65537);
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = (request.method ?? 'GET').toUpperCase();
    const url = new URL(request.url ?? '/', this.baseUrl);
    const apiVersion = url.searchParams.get('api-version') ?? undefined;
    const token = bearerToken(request.headers.authorization);
    const decoded = token === undefined ? undefined : decodeSandboxToken(token);
    const send = (status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void => {
      this.options.record({
        method,
        path: url.pathname,
        ...(apiVersion !== undefined ? { apiVersion } : {}),
        status,
        // Recorded even when the token is refused, so tests can see who tried.
        ...(typeof decoded === 'object' ? { callerObjectId: decoded.objectId } : {}),
      });
      const text = body === undefined ? '' : JSON.stringify(body);
      response
        .writeHead(status, {
          'cache-control': 'no-cache',
          'x-content-type-options': 'nosniff',
          'x-ms-request-id': randomUUID(),
          ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
          'content-length': String(Buffer.byteLength(text)),
          ...headers,
        })
        .end(text);
    };

    try {
      const body = await readVaultBody(request);
      // The challenge comes before anything else: the client's first request is a bodiless
      // probe without a token, whatever operation it stands for.
      if (decoded === undefined) return send(401, undefined, { 'www-authenticate': this.challenge });
      this.authenticate(decoded);
      if (apiVersion === undefined) throw badParameter('The api-version query parameter is required.');
      if (!(KEY_VAULT_API_VERSIONS as readonly string[]).includes(apiVersion)) {
        throw badParameter(`The specified version (${apiVersion}) is not recognized. Supported versions: ${KEY_VAULT_API_VERSIONS.join(', ')}.`);
      }
      const answer = this.route(method, url, body, apiVersion);
      send(answer.status, answer.body);
    } catch (error) {
      if (error instanceof ArmError) return send(error.status, error.toBody(), error.headers);
      // A sandbox bug: answer like the service would, and make it visible to whoever runs the sandbox.
      console.error('sandbox: Key Vault internal error while serving', method, url.pathname, error);
      send(500, new ArmError(500, 'InternalServerError', `The sandbox failed: ${error instanceof Error ? error.message : String(error)}`).toBody());
    }
  }

  private authenticate(decoded: SandboxCaller | 'invalid' | 'expired'): void {
    const refuse = (message: string): ArmError =>
      // The challenge again, so a client can fetch a fresh token and retry once.
      new ArmError(401, 'Unauthorized', message, { 'www-authenticate': this.challenge });
    if (decoded === 'invalid') throw refuse('The access token is invalid.');
    if (decoded === 'expired') throw refuse('The access token has expired.');
    if (decoded.tenantId !== this.options.tenantId) {
      throw refuse(`The access token is from tenant '${decoded.tenantId}'; this vault belongs to tenant '${this.options.tenantId}'.`);
    }
  }

  private route(method: string, url: URL, body: string, apiVersion: string): Answer {
    // `/keys`, `/keys/{name}`, `/keys/{name}/`, `/keys/{name}/{version}`, `/keys/{name}/{version}/{op}`,
    // `/keys/{name}/create`, `/keys/{name}/rotationpolicy`; an empty version (`/keys/n//sign`,
    // `/keys/n/`) means the current one, as the client sends it for a key id without version.
    const segments = url.pathname.split('/').slice(1);
    const [collection, name, third, fourth, ...rest] = segments;
    if (collection === 'keys' && (name === undefined || name === '') && third === undefined && method === 'GET') {
      return { status: 200, body: this.listKeys(url.searchParams, apiVersion) };
    }
    if (collection === 'keys' && name !== undefined && name !== '' && rest.length === 0) {
      if (third === 'rotationpolicy' && fourth === undefined && (method === 'GET' || method === 'PUT')) {
        return { status: 200, body: method === 'GET' ? this.rotationPolicy(name) : this.setRotationPolicy(name, body) };
      }
      if (method === 'POST' && third === 'create' && fourth === undefined) {
        const created = this.createKey(name, parseBody(createSchema, body));
        return { status: 200, body: this.bundle(created.name, this.find(created.name, created.version)) };
      }
      if (method === 'GET' && fourth === undefined) {
        const version = this.find(name, third ?? '');
        return { status: 200, body: this.bundle(this.storedName(name), version) };
      }
      if (method === 'PATCH' && fourth === undefined) {
        return { status: 200, body: this.updateKey(name, third ?? '', body) };
      }
      if (method === 'POST' && third !== undefined && (fourth === 'sign' || fourth === 'verify')) {
        const version = this.find(name, third);
        return { status: 200, body: fourth === 'sign' ? this.sign(name, version, body) : this.verify(version, body) };
      }
    }
    // Gaps of the stand-in must not pass for service behaviour: 501 is never retried by the SDK.
    throw new ArmError(
      501,
      'NotImplemented',
      `The sandbox's Key Vault does not implement ${method} ${url.pathname}; it serves keys create, get, list, update, sign, verify and rotation policies.`,
    );
  }

  private stored(name: string): StoredKey {
    const stored = this.keys.get(name.toLowerCase());
    if (stored === undefined) throw keyNotFound(name);
    return stored;
  }

  /** GetKeys: the current version of every key, base identifier only (no version, no key material). */
  private listKeys(query: URLSearchParams, apiVersion: string): Page<unknown> {
    const keys = [...this.keys.values()].sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1));
    const items = keys.flatMap((key) => {
      const current = key.versions.at(-1);
      if (current === undefined) return [];
      return [{ kid: `${this.baseUrl}/keys/${key.name}`, attributes: this.attributes(current), ...(current.tags !== undefined ? { tags: { ...current.tags } } : {}) }];
    });
    return page(items, `${this.baseUrl}/keys`, query, apiVersion);
  }

  /** UpdateKey: attributes, key_ops and tags of one version (the current one when none is named). */
  private updateKey(name: string, versionId: string, text: string): unknown {
    const request = parseBody(updateSchema, text);
    const stored = this.stored(name);
    const version = this.find(name, versionId);
    const attributes = request.attributes;
    const notBefore = attributes?.nbf ?? version.notBefore;
    const expires = attributes?.exp ?? version.expires;
    const tags = request.tags ?? version.tags;
    const updated: KeyVersion = {
      version: version.version,
      kty: version.kty,
      material: version.material,
      keyOps: request.key_ops === undefined ? version.keyOps : keyOperations(request.key_ops),
      enabled: attributes?.enabled ?? version.enabled,
      ...(notBefore !== undefined ? { notBefore } : {}),
      ...(expires !== undefined ? { expires } : {}),
      created: version.created,
      updated: nowSeconds(),
      ...(tags !== undefined ? { tags: { ...tags } } : {}),
    };
    stored.versions[stored.versions.indexOf(version)] = updated;
    return this.bundle(stored.name, updated);
  }

  private rotationPolicyId(stored: StoredKey): string {
    return `${this.baseUrl}/keys/${stored.name}/rotationpolicy`;
  }

  private rotationPolicy(name: string): unknown {
    const stored = this.stored(name);
    return rotationPolicyBody(stored.rotationPolicy, this.rotationPolicyId(stored));
  }

  private setRotationPolicy(name: string, text: string): unknown {
    const stored = this.stored(name);
    const requested = parseRotationPolicy(text);
    const now = nowSeconds();
    stored.rotationPolicy = { ...requested, created: stored.rotationPolicy?.created ?? now, updated: now };
    return rotationPolicyBody(stored.rotationPolicy, this.rotationPolicyId(stored));
  }

  private storedName(name: string): string {
    return this.keys.get(name.toLowerCase())?.name ?? name;
  }

  private find(name: string, version: string): KeyVersion {
    const stored = this.keys.get(name.toLowerCase());
    if (stored === undefined) throw keyNotFound(name);
    if (version === '') {
      const current = stored.versions.at(-1);
      if (current === undefined) throw keyNotFound(name);
      return current;
    }
    const found = KEY_VERSION.test(version) ? stored.versions.find((candidate) => candidate.version === version) : undefined;
    if (found === undefined) throw keyNotFound(`${name}/${version}`);
    return found;
  }

  private kid(name: string, version: KeyVersion): string {
    return `${this.baseUrl}/keys/${name}/${version.version}`;
  }

  /** KeyAttributes as bundles and list items carry them. */
  private attributes(version: KeyVersion): Record<string, unknown> {
    return {
      enabled: version.enabled,
      ...(version.notBefore !== undefined ? { nbf: version.notBefore } : {}),
      ...(version.expires !== undefined ? { exp: version.expires } : {}),
      created: version.created,
      updated: version.updated,
      recoveryLevel: 'Recoverable+Purgeable',
      recoverableDays: 90,
      exportable: false,
    };
  }

  /** The KeyBundle: public key parts only, never `d`, `p`, `q` or the like. */
  private bundle(name: string, version: KeyVersion): unknown {
    return {
      key: { kid: this.kid(name, version), kty: version.kty, key_ops: [...version.keyOps], ...version.material.publicJwk },
      attributes: this.attributes(version),
      ...(version.tags !== undefined ? { tags: { ...version.tags } } : {}),
    };
  }

  private usable(version: KeyVersion, operation: KeyOperation): void {
    if (!version.enabled) throw new ArmError(403, 'Forbidden', `Operation ${operation} is not allowed on a disabled key.`);
    if (!version.keyOps.includes(operation)) throw new ArmError(403, 'Forbidden', `Operation ${operation} is not permitted on this key.`);
    const now = nowSeconds();
    if (version.notBefore !== undefined && now < version.notBefore) throw new ArmError(403, 'Forbidden', `Operation ${operation} is not allowed before the key's activation time.`);
    if (version.expires !== undefined && now >= version.expires) throw new ArmError(403, 'Forbidden', `Operation ${operation} is not allowed on an expired key.`);
  }

  private sign(name: string, version: KeyVersion, text: string): unknown {
    const { alg, value } = parseBody(signSchema, text);
    this.usable(version, 'sign');
    try {
      const signature = signDigest(version.material, alg, Buffer.from(value, 'base64url'));
      return { kid: this.kid(this.storedName(name), version), value: signature.toString('base64url') };
    } catch (error) {
      if (error instanceof UnsupportedOperation) throw badParameter(error.message);
      throw error;
    }
  }

  private verify(version: KeyVersion, text: string): unknown {
    const { alg, digest, value } = parseBody(verifySchema, text);
    this.usable(version, 'verify');
    try {
      return { value: verifyDigest(version.material, alg, Buffer.from(digest, 'base64url'), Buffer.from(value, 'base64url')) };
    } catch (error) {
      if (error instanceof UnsupportedOperation) throw badParameter(error.message);
      throw error;
    }
  }
}
