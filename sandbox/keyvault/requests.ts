import { z } from 'zod';
import { badParameter, nullish } from './errors.js';

/**
 * The request bodies of the key operations, as far as the sandbox reads them (keys.json 7.6:
 * KeyCreateParameters, KeyUpdateParameters, KeySignParameters, KeyVerifyParameters). Unknown
 * fields pass, as the service's deserializer lets them.
 */

export type KeyType = 'EC' | 'EC-HSM' | 'RSA' | 'RSA-HSM';
export type KeyOperation = 'encrypt' | 'decrypt' | 'sign' | 'verify' | 'wrapKey' | 'unwrapKey' | 'import' | 'export';

const KEY_OPERATIONS: readonly KeyOperation[] = ['encrypt', 'decrypt', 'sign', 'verify', 'wrapKey', 'unwrapKey', 'import', 'export'];
/** What Key Vault grants when a create request names no key_ops. */
export const DEFAULT_KEY_OPS: Readonly<Record<'ec' | 'rsa', readonly KeyOperation[]>> = {
  ec: ['sign', 'verify'],
  rsa: ['encrypt', 'decrypt', 'sign', 'verify', 'wrapKey', 'unwrapKey'],
};

/** Checks names against JsonWebKeyOperation. */
export function keyOperations(ops: readonly string[]): KeyOperation[] {
  const unknownOp = ops.find((op) => !(KEY_OPERATIONS as readonly string[]).includes(op));
  if (unknownOp !== undefined) throw badParameter(`The key operation '${unknownOp}' is not valid.`);
  return ops as KeyOperation[];
}

const attributesSchema = z.looseObject({
  enabled: nullish(z.boolean()),
  nbf: nullish(z.number().int()),
  exp: nullish(z.number().int()),
});

export const createSchema = z.looseObject({
  kty: z.string(),
  key_size: nullish(z.number().int()),
  public_exponent: nullish(z.number().int().positive()),
  crv: nullish(z.string()),
  key_ops: nullish(z.array(z.string())),
  attributes: nullish(attributesSchema),
  tags: nullish(z.record(z.string(), z.string())),
});

/**
 * UpdateKey (PATCH /keys/{name}/{version}): what is given replaces, what is absent (or null) stays;
 * the key material never changes. So an expiry can be moved but not removed through the SDK, which
 * never sends `exp: null`.
 */
export const updateSchema = z.looseObject({
  key_ops: nullish(z.array(z.string())),
  attributes: nullish(attributesSchema),
  tags: nullish(z.record(z.string(), z.string())),
});

/** A create request's body, as far as the sandbox reads it. */
export interface CreateKeyRequest {
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

export const signSchema = z.looseObject({ alg: z.string(), value: base64url });
export const verifySchema = z.looseObject({ alg: z.string(), digest: base64url, value: base64url });
