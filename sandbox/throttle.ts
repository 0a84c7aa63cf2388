/** One token bucket: `capacity` requests at once, refilled continuously at `refillPerSecond`. */
export interface BucketLimit {
  capacity: number;
  refillPerSecond: number;
}

/** ARM's per-principal buckets, one per operation kind. */
export interface ThrottleLimits {
  reads: BucketLimit;
  writes: BucketLimit;
  deletes: BucketLimit;
}

export type RequestCategory = keyof ThrottleLimits;

/** ARM's token-bucket limits per subscription and principal (request-limits-and-throttling.md, 2024 model). */
export const ARM_THROTTLE_LIMITS: ThrottleLimits = {
  reads: { capacity: 250, refillPerSecond: 25 },
  writes: { capacity: 200, refillPerSecond: 10 },
  deletes: { capacity: 200, refillPerSecond: 10 },
};

export type ThrottleDecision =
  | { allowed: true; remaining: number }
  | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export function categoryOf(method: string): RequestCategory {
  if (method === 'GET' || method === 'HEAD') return 'reads';
  if (method === 'DELETE') return 'deletes';
  return 'writes';
}

/** Token buckets keyed by caller and scope (a subscription, or the tenant), modelled on ARM's throttling. */
export class Throttle {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limits: ThrottleLimits,
    private readonly nowMs: () => number = () => performance.now(),
  ) {}

  take(caller: string, category: RequestCategory, scope = 'tenant'): ThrottleDecision {
    const limit = this.limits[category];
    const key = `${caller}\u0000${scope}\u0000${category}`;
    const now = this.nowMs();
    const bucket = this.buckets.get(key) ?? { tokens: limit.capacity, updatedAt: now };
    bucket.tokens = Math.min(limit.capacity, bucket.tokens + ((now - bucket.updatedAt) / 1000) * limit.refillPerSecond);
    bucket.updatedAt = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) {
      const secondsToOneToken = limit.refillPerSecond > 0 ? (1 - bucket.tokens) / limit.refillPerSecond : 3600;
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(secondsToOneToken)) };
    }
    bucket.tokens -= 1;
    return { allowed: true, remaining: Math.floor(bucket.tokens) };
  }
}
