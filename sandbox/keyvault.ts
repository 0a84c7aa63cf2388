/**
 * The sandbox's Key Vault: the keys data plane of one vault, enough for the real
 * `KeyClient` and `CryptographyClient` to create keys, read their public parts and sign.
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
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
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

type KeyType = 'EC' | 'EC-HSM' | 'RSA' | 'RSA-HSM';
type KeyOperation = 'encrypt' | 'decrypt' | 'sign' | 'verify' | 'wrapKey' | 'unwrapKey' | 'import' | 'export';

const KEY_OPERATIONS: readonly KeyOperation[] = ['encrypt', 'decrypt', 'sign', 'verify', 'wrapKey', 'unwrapKey', 'import', 'export'];
/** What Key Vault grants when a create request names no key_ops. */
const DEFAULT_KEY_OPS: Readonly<Record<'ec' | 'rsa', readonly KeyOperation[]>> = {
  ec: ['sign', 'verify'],
  rsa: ['encrypt', 'decrypt', 'sign', 'verify', 'wrapKey', 'unwrapKey'],
};

/** Key Vault's object-name rule. */
const KEY_NAME = /^[0-9a-zA-Z-]{1,127}$/;
const KEY_VERSION = /^[0-9a-f]{32}$/;
const MAX_BODY_BYTES = 1024 * 1024;

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
  readonly tags?: Readonly<Record<string, string>>;
}

interface StoredKey {
  /** As first created; Key Vault names are case-insensitive but keep their spelling. */
  readonly name: string;
  /** Oldest first; the last one is the current version. */
  readonly versions: KeyVersion[];
}

/* Key Vault answers errors in ARM's shape (`{"error": {"code", "message"}}`): ArmError serves both. */

function badParameter(message: string): ArmError {
  return new ArmError(400, 'BadParameter', message);
}

function keyNotFound(nameOrId: string): ArmError {
  // Key Vault's wording (live 404 for a missing key).
  return new ArmError(
    404,
    'KeyNotFound',
    `A key with (name/id) ${nameOrId} was not found in this key vault. If you recently deleted this key you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
  );
}

const nullish = <T extends z.ZodType>(schema: T) => schema.nullish().transform((value) => value ?? undefined);

const attributesSchema = z.looseObject({
  enabled: nullish(z.boolean()),
  nbf: nullish(z.number().int()),
  exp: nullish(z.number().int()),
});

const createSchema = z.looseObject({
  kty: z.string(),
  key_size: nullish(z.number().int()),
  public_exponent: nullish(z.number().int().positive()),
  crv: nullish(z.string()),
  key_ops: nullish(z.array(z.string())),
  attributes: nullish(attributesSchema),
  tags: nullish(z.record(z.string(), z.string())),
});

/** A create request's body, as far as the sandbox reads it. */
interface CreateKeyRequest {
  kty: string;
  key_size?: number | undefined;
  public_exponent?: number | undefined;
  crv?: string | undefined;
  key_ops?: string[] | undefined;
  attributes?: { enabled?: boolean | undefined; nbf?: number | undefined; exp?: number | undefined } | undefined;
  tags?: Record<string, string> | undefined;
}

const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;
const base64url = z.string().regex(BASE64URL, 'must be base64url');

const signSchema = z.looseObject({ alg: z.string(), value: base64url });
const verifySchema = z.looseObject({ alg: z.string(), digest: base64url, value: base64url });

function parseBody<T extends z.ZodType>(schema: T, text: string): z.output<T> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw badParameter('The request body is not valid JSON.');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw badParameter(`Invalid request body: ${issue === undefined ? 'malformed' : `${issue.path.join('.') || 'body'}: ${issue.message}`}.`);
  }
  return parsed.data;
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
    const keyOps = request.key_ops ?? DEFAULT_KEY_OPS[material.kind];
    const unknownOp = keyOps.find((op) => !(KEY_OPERATIONS as readonly string[]).includes(op));
    if (unknownOp !== undefined) throw badParameter(`The key operation '${unknownOp}' is not valid.`);
    const attributes = request.attributes;
    const version: KeyVersion = {
      version: randomBytes(16).toString('hex'),
      kty,
      material,
      keyOps: keyOps as KeyOperation[],
      enabled: attributes?.enabled ?? true,
      ...(attributes?.nbf !== undefined ? { notBefore: attributes.nbf } : {}),
      ...(attributes?.exp !== undefined ? { expires: attributes.exp } : {}),
      created: nowSeconds(),
      ...(request.tags !== undefined ? { tags: { ...request.tags } } : {}),
    };
    const stored = this.keys.get(name.toLowerCase());
    if (stored === undefined) this.keys.set(name.toLowerCase(), { name, versions: [version] });
    else stored.versions.push(version);
    return { name: stored?.name ?? name, version: version.version };
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    this.baseUrl = `https://127.0.0.1:${address.port}`;
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
      const answer = this.route(method, url.pathname, body);
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

  private route(method: string, path: string, body: string): Answer {
    // `/keys/{name}`, `/keys/{name}/`, `/keys/{name}/{version}`, `/keys/{name}/{version}/{op}`,
    // `/keys/{name}/create`; an empty version (`/keys/n//sign`) means the current one, as the
    // client sends it for a key id without version.
    const segments = path.split('/').slice(1);
    const [collection, name, third, fourth, ...rest] = segments;
    if (collection === 'keys' && name !== undefined && name !== '' && rest.length === 0) {
      if (method === 'POST' && third === 'create' && fourth === undefined) {
        const created = this.createKey(name, parseBody(createSchema, body));
        return { status: 200, body: this.bundle(created.name, this.find(created.name, created.version)) };
      }
      if (method === 'GET' && fourth === undefined) {
        const version = this.find(name, third ?? '');
        return { status: 200, body: this.bundle(this.storedName(name), version) };
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
      `The sandbox's Key Vault does not implement ${method} ${path}; it serves keys create, get, sign and verify.`,
    );
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

  /** The KeyBundle: public key parts only, never `d`, `p`, `q` or the like. */
  private bundle(name: string, version: KeyVersion): unknown {
    return {
      key: { kid: this.kid(name, version), kty: version.kty, key_ops: [...version.keyOps], ...version.material.publicJwk },
      attributes: {
        enabled: version.enabled,
        ...(version.notBefore !== undefined ? { nbf: version.notBefore } : {}),
        ...(version.expires !== undefined ? { exp: version.expires } : {}),
        created: version.created,
        updated: version.created,
        recoveryLevel: 'Recoverable+Purgeable',
        recoverableDays: 90,
        exportable: false,
      },
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
