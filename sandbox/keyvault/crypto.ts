/**
 * Key material and the sign/verify operations of the sandbox's Key Vault. Key Vault signs a
 * DIGEST the client computed; node:crypto only signs messages (it hashes them first, and for EC
 * keys `sign(null, …)` still hashes with SHA-256), so signing a prehashed value is done here:
 * ECDSA from its definition, with OpenSSL doing the scalar multiplication through ECDH, and
 * RSASSA-PKCS1-v1_5 as the raw private-key operation over DigestInfo.
 */
import { type KeyObject, constants, createECDH, createPublicKey, generateKeyPairSync, privateEncrypt, publicDecrypt } from 'node:crypto';

export type EcCurve = 'P-256' | 'P-384' | 'P-521';

export const EC_CURVES: readonly EcCurve[] = ['P-256', 'P-384', 'P-521'];
export const RSA_KEY_SIZES: readonly number[] = [2048, 3072, 4096];

interface CurveParameters {
  /** OpenSSL's name, which createECDH takes. */
  readonly openSslName: string;
  /** Order n of the base point (SEC 2 / FIPS 186-5). */
  readonly order: bigint;
  /** Bytes of a field element and of a scalar; r and s each take this many in the JWS form. */
  readonly size: number;
}

const CURVES: Readonly<Record<EcCurve, CurveParameters>> = {
  'P-256': {
    openSslName: 'prime256v1',
    order: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    size: 32,
  },
  'P-384': {
    openSslName: 'secp384r1',
    order: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    size: 48,
  },
  'P-521': {
    openSslName: 'secp521r1',
    order:
      0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
    size: 66,
  },
};

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
  | { readonly kind: 'ec'; readonly curve: EcCurve; readonly d: bigint; readonly publicJwk: PublicJwkFields }
  | { readonly kind: 'rsa'; readonly privateKey: KeyObject; readonly publicKey: KeyObject; readonly publicJwk: PublicJwkFields };

/** A request the key cannot serve; the vault answers it 400 BadParameter. */
export class UnsupportedOperation extends Error {
  override readonly name = 'UnsupportedOperation';
}

function toBigInt(bytes: Buffer): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${bytes.toString('hex')}`);
}

function toBytes(value: bigint, size: number): Buffer {
  return Buffer.from(value.toString(16).padStart(size * 2, '0'), 'hex');
}

function mod(value: bigint, modulus: bigint): bigint {
  const rest = value % modulus;
  return rest < 0n ? rest + modulus : rest;
}

/** a^-1 mod n by Fermat's little theorem: every curve order here is prime. */
function invert(value: bigint, modulus: bigint): bigint {
  let result = 1n;
  let base = mod(value, modulus);
  let exponent = modulus - 2n;
  while (exponent > 0n) {
    if ((exponent & 1n) === 1n) result = (result * base) % modulus;
    base = (base * base) % modulus;
    exponent >>= 1n;
  }
  return result;
}

/** The integer ECDSA signs: the digest's leftmost bits, as many as the order has (SEC 1 §4.1.3 step 5). */
function digestScalar(digest: Buffer, order: bigint): bigint {
  const excess = digest.length * 8 - order.toString(2).length;
  const z = toBigInt(digest);
  return excess > 0 ? z >> BigInt(excess) : z;
}

/** x coordinate of k·G, with OpenSSL doing the multiplication (an ECDH public key is exactly that). */
function baseMultipleX(parameters: CurveParameters, k: bigint): bigint {
  const ecdh = createECDH(parameters.openSslName);
  ecdh.setPrivateKey(toBytes(k, parameters.size));
  // Uncompressed point: 0x04 || X || Y.
  return toBigInt(ecdh.getPublicKey().subarray(1, 1 + parameters.size));
}

export function createEcKeyMaterial(curve: EcCurve): KeyMaterial {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: CURVES[curve].openSslName });
  const jwk = privateKey.export({ format: 'jwk' });
  if (jwk.d === undefined || jwk.x === undefined || jwk.y === undefined) throw new Error('node exported an EC key without d, x or y');
  return { kind: 'ec', curve, d: toBigInt(Buffer.from(jwk.d, 'base64url')), publicJwk: { crv: curve, x: jwk.x, y: jwk.y } };
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
  const parameters = ecAlgorithm(material, algorithm, digest);
  const { order, size } = parameters;
  const z = digestScalar(digest, order);
  for (;;) {
    // A fresh key pair is a uniformly random nonce k in [1, n-1] together with k·G.
    const ecdh = createECDH(parameters.openSslName);
    ecdh.generateKeys();
    const k = toBigInt(ecdh.getPrivateKey());
    const r = mod(toBigInt(ecdh.getPublicKey().subarray(1, 1 + size)), order);
    if (r === 0n) continue;
    const s = mod(invert(k, order) * (z + r * material.d), order);
    if (s === 0n) continue;
    return Buffer.concat([toBytes(r, size), toBytes(s, size)]);
  }
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
  const parameters = ecAlgorithm(material, algorithm, digest);
  const { order, size } = parameters;
  if (signature.length !== 2 * size) return false;
  const r = toBigInt(signature.subarray(0, size));
  const s = toBigInt(signature.subarray(size));
  if (r <= 0n || r >= order || s <= 0n || s >= order) return false;
  const w = invert(s, order);
  const u1 = mod(digestScalar(digest, order) * w, order);
  const u2 = mod(r * w, order);
  // u1·G + u2·Q = (u1 + u2·d)·G since Q = d·G and the vault holds d: one base-point
  // multiplication, which ECDH offers, instead of point addition, which node does not.
  const t = mod(u1 + u2 * material.d, order);
  if (t === 0n) return false;
  return mod(baseMultipleX(parameters, t), order) === r;
}
