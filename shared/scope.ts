/**
 * Which subscriptions the deployment watches: listed ones plus those under management groups.
 * A management group's membership changes (landing zones vend new subscriptions), so it is
 * resolved through Resource Graph and cached for a while; a listed subscription never expires.
 */
import { TransientError } from './errors.js';

export interface SubscriptionScope {
  /** Every subscription in scope, lower case, management groups resolved. */
  subscriptions(signal?: AbortSignal): Promise<ReadonlySet<string>>;
  contains(subscriptionId: string, signal?: AbortSignal): Promise<boolean>;
  /** Management groups in scope (a Resource Graph sweep can name them instead of listing subscriptions). */
  readonly managementGroups: readonly string[];
  /**
   * True when more than one subscription is, or may come to be, in scope: a resource group name
   * alone then does not say which resource group is meant.
   */
  readonly spansSubscriptions: boolean;
}

/** Finds the subscriptions under management groups (Resource Graph's resourcecontainers table). */
export type ManagementGroupResolver = (managementGroups: readonly string[], signal?: AbortSignal) => Promise<ReadonlySet<string>>;

/** How long a management group's membership is trusted: a new subscription is watched within this. */
export const MANAGEMENT_GROUP_TTL_MS = 10 * 60_000;

export class ListedScope implements SubscriptionScope {
  readonly managementGroups: readonly string[] = [];
  private readonly listed: ReadonlySet<string>;

  constructor(subscriptions: Iterable<string>) {
    this.listed = new Set([...subscriptions].map((s) => s.toLowerCase()));
  }

  get spansSubscriptions(): boolean {
    return this.listed.size > 1;
  }

  async subscriptions(): Promise<ReadonlySet<string>> {
    return this.listed;
  }

  async contains(subscriptionId: string): Promise<boolean> {
    return this.listed.has(subscriptionId.toLowerCase());
  }
}

export class ManagementGroupScope implements SubscriptionScope {
  readonly spansSubscriptions = true;
  private readonly listed: ReadonlySet<string>;
  private cache: { at: number; subscriptions: ReadonlySet<string> } | undefined;
  private pending: Promise<ReadonlySet<string>> | undefined;

  constructor(
    listed: Iterable<string>,
    readonly managementGroups: readonly string[],
    private readonly resolve: ManagementGroupResolver,
    private readonly options: { ttlMs?: number; clock?: () => number } = {},
  ) {
    this.listed = new Set([...listed].map((s) => s.toLowerCase()));
  }

  async subscriptions(signal?: AbortSignal): Promise<ReadonlySet<string>> {
    const now = (this.options.clock ?? Date.now)();
    if (this.cache !== undefined && now - this.cache.at < (this.options.ttlMs ?? MANAGEMENT_GROUP_TTL_MS)) return this.cache.subscriptions;
    // Concurrent events share one lookup; a failed one is not cached, so the next event asks again.
    this.pending ??= this.resolve(this.managementGroups, signal)
      .then((found) => {
        const all = new Set([...this.listed, ...[...found].map((s) => s.toLowerCase())]);
        this.cache = { at: (this.options.clock ?? Date.now)(), subscriptions: all };
        return all;
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }

  async contains(subscriptionId: string, signal?: AbortSignal): Promise<boolean> {
    const id = subscriptionId.toLowerCase();
    if (this.listed.has(id)) return true;
    try {
      return (await this.subscriptions(signal)).has(id);
    } catch (error) {
      // Not knowing the membership is not "out of scope": the event is redelivered, not rejected.
      if (error instanceof TransientError) throw error;
      throw new TransientError(`the subscriptions of management groups ${this.managementGroups.join(', ')} could not be resolved: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
}

/** From config alone (no lookup): more than one subscription listed, or a management group. */
export function configuredScopeSpansSubscriptions(scope: { subscriptions: readonly string[]; managementGroups: readonly string[] }): boolean {
  return scope.subscriptions.length > 1 || scope.managementGroups.length > 0;
}
