/**
 * Signed chain heads ("checkpoints"): `{seq, hash, time}` of the newest record, signed, kept
 * in their own append-only log beside the chain. A verifier holding only the public key can
 * then tell a chain that was cut short (truncated, or a segment deleted) from one that simply
 * ended: the chain must reach every signed head.
 */
import { canonicalJson } from './record.js';
import type { PublicKeyResolver, Signer } from './signer.js';
import { verifyEs256 } from './signer.js';

export interface SignedHead {
  seq: number;
  hash: string;
  time: string;
  keyId: string;
  alg: 'ES256';
  /** base64url JWS signature over the canonical JSON of {seq, hash, time}. */
  signature: string;
}

function signedBytes(head: Pick<SignedHead, 'seq' | 'hash' | 'time'>): Buffer {
  return Buffer.from(canonicalJson({ seq: head.seq, hash: head.hash, time: head.time }), 'utf8');
}

export async function signHead(signer: Signer, head: { seq: number; hash: string }, time: Date): Promise<SignedHead> {
  const unsigned = { seq: head.seq, hash: head.hash, time: time.toISOString() };
  const signature = await signer.sign(signedBytes(unsigned));
  return { ...unsigned, keyId: signer.keyId, alg: signer.alg, signature: signature.toString('base64url') };
}

export async function checkHeadSignature(head: SignedHead, keys: PublicKeyResolver): Promise<boolean> {
  if (head.alg !== 'ES256' || typeof head.signature !== 'string') return false;
  const key = await keys(head.keyId);
  if (key === undefined) return false;
  return verifyEs256(key, signedBytes(head), Buffer.from(head.signature, 'base64url'));
}
