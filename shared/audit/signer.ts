/**
 * Signing chain heads. ES256 (ECDSA P-256, JWS r||s signature) everywhere: a Key Vault key in
 * Azure, a local key under `--home` in embedded mode. Verification needs only the public key.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalJson } from './record.js';

export interface Signer {
  /** Names the key: a Key Vault key id (with version) or `local:<JWK thumbprint>`. */
  readonly keyId: string;
  readonly alg: 'ES256';
  /** Signature over SHA-256(data), JWS encoding (r||s). */
  sign(data: Buffer): Promise<Buffer>;
}

/** Public keys by key id, for verifiers. */
export type PublicKeyResolver = (keyId: string) => Promise<KeyObject | undefined>;

export function verifyEs256(publicKey: KeyObject, data: Buffer, signature: Buffer): boolean {
  try {
    return verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}

/** RFC 7638 thumbprint of an EC public key. */
export function jwkThumbprint(jwk: JsonWebKey): string {
  const required = canonicalJson({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(required).digest('base64url');
}

const PRIVATE_FILE = 'audit-signing.jwk';
const PUBLIC_FILE = 'audit-signing.pub.jwk';

/** Embedded mode: a P-256 key generated at first start, private part readable by the owner only. */
export class LocalSigner implements Signer {
  readonly alg = 'ES256' as const;
  private constructor(
    readonly keyId: string,
    private readonly privateKey: KeyObject,
  ) {}

  static async inDirectory(dir: string): Promise<LocalSigner> {
    const privatePath = join(dir, PRIVATE_FILE);
    let jwk: JsonWebKey;
    try {
      jwk = JSON.parse(await readFile(privatePath, 'utf8')) as JsonWebKey;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      jwk = privateKey.export({ format: 'jwk' });
      await mkdir(dir, { recursive: true, mode: 0o700 });
      // 'wx': two processes starting at once must not overwrite each other's key.
      await writeFile(privatePath, `${JSON.stringify(jwk)}\n`, { mode: 0o600, flag: 'wx' }).catch(async (e: NodeJS.ErrnoException) => {
        if (e.code !== 'EEXIST') throw e;
        jwk = JSON.parse(await readFile(privatePath, 'utf8')) as JsonWebKey;
      });
    }
    const privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
    const publicJwk = createPublicKey(privateKey).export({ format: 'jwk' });
    await writeFile(join(dir, PUBLIC_FILE), `${JSON.stringify(publicJwk)}\n`, { mode: 0o644 });
    return new LocalSigner(`local:${jwkThumbprint(publicJwk)}`, privateKey);
  }

  sign(data: Buffer): Promise<Buffer> {
    return Promise.resolve(sign('sha256', data, { key: this.privateKey, dsaEncoding: 'ieee-p1363' }));
  }
}

/** Public key of the local signer, from the public file only (what an auditor is handed). */
export async function localPublicKeys(dir: string): Promise<PublicKeyResolver> {
  let key: KeyObject | undefined;
  let keyId: string | undefined;
  try {
    const jwk = JSON.parse(await readFile(join(dir, PUBLIC_FILE), 'utf8')) as JsonWebKey;
    key = createPublicKey({ key: jwk, format: 'jwk' });
    keyId = `local:${jwkThumbprint(jwk)}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return (id) => Promise.resolve(id === keyId ? key : undefined);
}
