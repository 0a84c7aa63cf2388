import { createHash } from 'node:crypto';
import { type ArmError, preconditionFailed } from './errors.js';
import type { ArmResource } from './state.js';

// Storage etags look like a quoted FILETIME in hex: "0x8DCB1E5A7F3C2D1".
const FILETIME_EPOCH_OFFSET_MS = 11_644_473_600_000n;

/**
 * How a service spells its etags. Storage resources: `"0x8DCB1E5A7F3C2D1"`; blob container
 * immutability policies: the same digits lower-case without `0x`, `"8d59f830cb130e5"`
 * (blob.json 2025-08-01 examples BlobContainersGet.json and *ImmutabilityPolicy.json).
 */
export type EtagStyle = 'storage' | 'lowercase';

function spell(digits13: string, style: EtagStyle): string {
  return style === 'storage' ? `"0x8D${digits13.toUpperCase()}"` : `"8d${digits13.toLowerCase()}"`;
}

/** Issues storage-style etags that are unique and increasing within one sandbox. */
export class EtagGenerator {
  private last = 0n;

  next(nowMs = Date.now(), style: EtagStyle = 'storage'): string {
    const filetime = (BigInt(nowMs) + FILETIME_EPOCH_OFFSET_MS) * 10_000n;
    this.last = filetime > this.last ? filetime : this.last + 1n;
    // Real storage etags start with 0x8D followed by 13 hex digits of the write time.
    return spell((this.last & 0xf_ffff_ffff_ffffn).toString(16).padStart(13, '0'), style);
  }
}

/** A stable etag for a resource that has never been written (derived from its id). */
export function seededEtag(seed: string, style: EtagStyle = 'storage'): string {
  return spell(createHash('sha256').update(seed.toLowerCase()).digest('hex').slice(0, 13), style);
}

/** Conditional request headers ARM honours. */
export interface Preconditions {
  ifMatch?: string;
  ifNoneMatch?: string;
}

function unquote(tag: string): string {
  const trimmed = tag.trim().replace(/^W\//, '');
  return trimmed.startsWith('"') && trimmed.endsWith('"') && trimmed.length >= 2 ? trimmed.slice(1, -1) : trimmed;
}

function listMatches(header: string, etag: string | undefined): boolean {
  const tags = header.split(',').map((tag) => tag.trim()).filter((tag) => tag !== '');
  if (tags.includes('*')) return true;
  // The storage service accepts etags with or without their quotes (its own spec examples send both).
  return etag !== undefined && tags.some((tag) => unquote(tag) === unquote(etag));
}

/**
 * Applies `If-Match` / `If-None-Match` to the current resource (undefined when absent).
 * A type without etags never matches a specific etag, only `*`. `failure` is the error the
 * service gives (ARM's `PreconditionFailed` unless a type has its own).
 */
export function checkPreconditions(
  method: string,
  conditions: Preconditions,
  current: ArmResource | undefined,
  failure: () => ArmError = preconditionFailed,
): void {
  if (conditions.ifMatch !== undefined) {
    if (current === undefined || !listMatches(conditions.ifMatch, current.etag)) throw failure();
  }
  if (conditions.ifNoneMatch !== undefined && current !== undefined && method !== 'GET') {
    if (listMatches(conditions.ifNoneMatch, current.etag)) throw failure();
  }
}
