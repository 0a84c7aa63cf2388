/**
 * Resource Graph's per-user quota ("Guidance for throttled requests in Azure Resource Graph"):
 * a number of queries per time window, e.g. 15 per 5 seconds, reported on every query response
 * as `x-ms-user-quota-remaining` (int) and `x-ms-user-quota-resets-after` (hh:mm:ss). It is
 * ARG's own, separate from ARM's token buckets. Modelled as a fixed window per caller that
 * opens with the caller's first query after the previous window ended.
 */

export interface ResourceGraphQuotaLimits {
  /** Queries one caller may send per window. */
  queries: number;
  windowMs: number;
}

/** The documentation's example quota. */
export const RESOURCE_GRAPH_QUOTA: ResourceGraphQuotaLimits = { queries: 15, windowMs: 5000 };

export interface QuotaDecision {
  readonly allowed: boolean;
  /** Queries left in the window after this one. */
  readonly remaining: number;
  /** Time until the window ends. */
  readonly resetsAfterMs: number;
}

interface Window {
  readonly startedAt: number;
  used: number;
}

export class UserQuota {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limits: ResourceGraphQuotaLimits,
    private readonly nowMs: () => number = () => performance.now(),
  ) {
    if (!Number.isInteger(limits.queries) || limits.queries < 1 || !(limits.windowMs > 0)) {
      throw new Error(`Resource Graph quota needs queries >= 1 and windowMs > 0, got ${JSON.stringify(limits)}`);
    }
  }

  /** Counts one query of `caller` (a refused one uses nothing: the window is already spent). */
  take(caller: string): QuotaDecision {
    const now = this.nowMs();
    let window = this.windows.get(caller);
    if (window === undefined || now >= window.startedAt + this.limits.windowMs) {
      window = { startedAt: now, used: 0 };
      this.windows.set(caller, window);
    }
    // windowMs minus the elapsed time, not end minus now: `(start + 5000) - start` can come out a
    // hair over 5000 in floating point, which would round up to a whole second too many.
    const resetsAfterMs = this.limits.windowMs - (now - window.startedAt);
    if (window.used >= this.limits.queries) return { allowed: false, remaining: 0, resetsAfterMs };
    window.used += 1;
    return { allowed: true, remaining: this.limits.queries - window.used, resetsAfterMs };
  }
}

/** `hh:mm:ss`, rounded up to whole seconds, at least one second while a window is open. */
export function formatResetsAfter(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  const pad = (value: number): string => String(value).padStart(2, '0');
  return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor((seconds % 3600) / 60))}:${pad(seconds % 60)}`;
}

export function quotaHeaders(decision: QuotaDecision): Record<string, string> {
  return {
    'x-ms-user-quota-remaining': String(decision.remaining),
    'x-ms-user-quota-resets-after': formatResetsAfter(decision.resetsAfterMs),
  };
}
