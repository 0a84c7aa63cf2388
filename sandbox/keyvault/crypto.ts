/**
 * Key material and the sign/verify operations of the sandbox's Key Vault. Key Vault signs a
 * DIGEST the client computed; node:crypto only signs messages (it hashes them first, and for EC
 * keys `sign(null, …)` still hashes with SHA-256), so it cannot sign a prehashed value. ECDSA over
 * a digest is therefore left to @noble/curves (audited, and it signs and verifies with
 * `prehash: false`) rather than written by hand; node:crypto still generates the keys.
 * RSASSA-PKCS1-v1_5 needs no library beyond node: it is the raw private-key operation over
 * DigestInfo.
 */
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { type KeyObject, constants, createPublicKey, generateKeyPairSync, privateEncrypt, publicDecrypt } from 'node:crypto';

export type EcCurve = 'P-256' | 'P-384' | 'P-521';

export const EC_CURVES: readonly EcCurve[] = ['P-256', 'P-384', 'P-521'];
export const RSA_KEY_SIZES: readonly number[] = [2048, 3072, 4096];

interface CurveParameters {
  /** OpenSSL's name, which generateKeyPairSync takes. */
  readonly openSslName: string;
  /** noble's ECDSA over this curve. */
  readonly ecdsa: typeof p256;
  /** Bytes of a scalar; r and s each take this many in the JWS form r||s. */
  readonly size: number;
}

const CURVES: Readonly<Record<EcCurve, CurveParameters>> = {
  'P-256': { openSslName: 'prime256v1', ecdsa: p256, size: 32 },
  'P-384': { openSslName: 'secp384r1', ecdsa: p384, size: 48 },
  'P-521': { openSslName: 'secp521r1', ecdsa: p521, size: 66 },
};

/**
 * What noble is told on both sides: the input is already a digest (no second hash); signatures
 * are the compact r||s Key Vault uses; s is neither normalised to the low half when signing nor
 * required to be there when verifying, since Key Vault and OpenSSL produce either.
 */
const ECDSA_OPTIONS = { prehash: false, lowS: false, format: 'compact' } as const;

/** Signature algorithms and what they demand of the key and the digest (JWA, RFC 7518 §3.1). */
const EC_ALGORITHMS: Readonly<Record<string, { curve: EcCurve; digestBytes: number }>> = {
  ES256: { curve: 'P-256', digestBytes: 32 },
  ES384: { curve: 'P-384', digestBytes: 48 },
  ES512: { curve: 'P-521', digestBytes: 64 },
};

/** DER DigestInfo prefixes of RFC 8017 §9.2 note 1; the digest follows. */
const RSA_ALGORITHMS: Readonly<Record<string, { digestInfo: Buffer; digestBytes: number }>> = {
  RS256: { digestInfo: Buffer.from('3031300d060960864801650304020105000420', 'hex'), digestBytes: 32 },
  RS384: { digestInfo: Buffer.from('3041300d060960864801650304020205000430', 'hex'), digestBytes: 48 },
  RS512: { digestInfo: Buffer.from('3051300d060960864801650304020305000440', 'hex'), digestBytes: 64 },
};

export type PublicJwkFields = { crv: EcCurve; x: string; y: string } | { n: string; e: string };

export type KeyMaterial =
  | {
      readonly kind: 'ec';
      readonly curve: EcCurve;
      /** The private scalar, big-endian and as long as the order (JWK `d`). */
      readonly d: Uint8Array;
      /** The public point, uncompressed: 0x04 || x || y. */
      readonly point: Uint8Array;
      readonly publicJwk: PublicJwkFields;
    }
  | { readonly kind: 'rsa'; readonly privateKey: KeyObject; readonly publicKey: KeyObject; readonly publicJwk: PublicJwkFields };

/** A request the key cannot serve; the vault answers it 400 BadParameter. */
export class UnsupportedOperation extends Error {
  override readonly name = 'UnsupportedOperation';
}

export function createEcKeyMaterial(curve: EcCurve): KeyMaterial {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: CURVES[curve].openSslName });
  const jwk = privateKey.export({ format: 'jwk' });
  if (jwk.d === undefined || jwk.x === undefined || jwk.y === undefined) throw new Error('node exported an EC key without d, x or y');
  const point = Buffer.concat([Buffer.of(0x04), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')]);
  return { kind: 'ec', curve, d: Buffer.from(jwk.d, 'base64url'), point, publicJwk: { crv: curve, x: jwk.x, y: jwk.y } };
}

export function createRsaKeyMaterial(modulusLength: number, publicExponent: number): KeyMaterial {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength, publicExponent });
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  if (jwk.n === undefined || jwk.e === undefined) throw new Error('node exported an RSA key without n or e');
  return { kind: 'rsa', privateKey, publicKey, publicJwk: { n: jwk.n, e: jwk.e } };
}

function ecAlgorithm(material: KeyMaterial & { kind: 'ec' }, algorithm: string, digest: Buffer): CurveParameters {
  const spec = EC_ALGORITHMS[algorithm];
  if (spec === undefined) throw new UnsupportedOperation(`The algorithm '${algorithm}' is not supported for EC keys; use ES256, ES384 or ES512.`);
  if (spec.curve !== material.curve) throw new UnsupportedOperation(`The algorithm '${algorithm}' requires a ${spec.curve} key; this key is ${material.curve}.`);
  if (digest.length !== spec.digestBytes) throw new UnsupportedOperation(`The digest for '${algorithm}' must be ${spec.digestBytes} bytes, got ${digest.length}.`);
  return CURVES[material.curve];
}

function rsaAlgorithm(algorithm: string, digest: Buffer): Buffer {
  const spec = RSA_ALGORITHMS[algorithm];
  if (spec === undefined) {
    // PS256/384/512 would need EMSA-PSS encoded by hand; nothing in the project signs with RSA.
    throw new UnsupportedOperation(`The algorithm '${algorithm}' is not supported for RSA keys by the sandbox; use RS256, RS384 or RS512.`);
  }
  if (digest.length !== spec.digestBytes) throw new UnsupportedOperation(`The digest for '${algorithm}' must be ${spec.digestBytes} bytes, got ${digest.length}.`);
  return Buffer.concat([spec.digestInfo, digest]);
}

/**
 * Signs a digest the caller already computed, as Key Vault does. EC signatures come in the JWS
 * form r||s (not DER), which is what Key Vault returns and `dsaEncoding: 'ieee-p1363'` reads.
 */
export function signDigest(material: KeyMaterial, algorithm: string, digest: Buffer): Buffer {
  if (material.kind === 'rsa') {
    // PKCS#1 v1.5 type-1 padding over DigestInfo is exactly RSASSA-PKCS1-v1_5 (RFC 8017 §8.2.1).
    return privateEncrypt({ key: material.privateKey, padding: constants.RSA_PKCS1_PADDING }, rsaAlgorithm(algorithm, digest));
  }
  const { ecdsa } = ecAlgorithm(material, algorithm, digest);
  // RFC 6979 deterministic nonce: signing one digest twice gives one signature, where Key Vault's
  // random nonces give two; both verify alike, and nothing here compares repeated signatures.
  return Buffer.from(ecdsa.sign(digest, material.d, ECDSA_OPTIONS));
}

/** Checks a signature over a digest, as Key Vault's verify operation does. */
export function verifyDigest(material: KeyMaterial, algorithm: string, digest: Buffer, signature: Buffer): boolean {
  if (material.kind === 'rsa') {
    const expected = rsaAlgorithm(algorithm, digest);
    try {
      return publicDecrypt({ key: material.publicKey, padding: constants.RSA_PKCS1_PADDING }, signature).equals(expected);
    } catch {
      // Wrong length or padding: not a signature by this key.
      return false;
    }
  }
  const { ecdsa, size } = ecAlgorithm(material, algorithm, digest);
  // noble throws on a compact signature of the wrong length; any other malformed one is just false.
  if (signature.length !== 2 * size) return false;
  return ecdsa.verify(signature, digest, material.point, ECDSA_OPTIONS);
}
