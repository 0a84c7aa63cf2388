/**
 * Changing a mode, for the CLI, the admin API and the console alike: validated input (which
 * scope a request means included), write-ahead audit (intent, then the outcome with the exact
 * old → new), then the resolver forgets its cache so the next event in this process sees the
 * change (other instances within the cache TTL).
 */
import { isValidResourceGroupName } from '../arm/resourceId.js';
import type { AuditStore } from '../audit/record.js';
import { MODES, type Mode, type Remediator } from '../remediator.js';
import { configuredScopeSpansSubscriptions } from '../scope.js';
import type { ModeResolver } from './resolver.js';
import { parseModeScope, resourceGroupScope, subscriptionResourceGroupScope, subscriptionScope, type ModeScope } from './scopes.js';
import type { ModeSetting, ModeStore } from './store.js';

/** `subscriptionId` value meaning "every subscription", said on purpose (see ModeChangeRequest). */
export const ANY_SUBSCRIPTION = '*';

export interface ModeChangeRequest {
  remediator: string;
  /** Absent: a default (the deployment's, or the subscription's when `subscriptionId` is set). */
  resourceGroup?: string;
  /**
   * A subscription GUID: the change applies in that subscription only (`sub:S`, `sub:S/rg:R`).
   * {@link ANY_SUBSCRIPTION}: in every subscription (`*`, `rg:R`), said on purpose. Absent: the
   * same, but refused for a resource group when the deployment spans subscriptions, since the
   * operator may well mean one resource group and not every one of that name.
   */
  subscriptionId?: string;
  /** Absent: remove the setting (fall back to the next level). */
  mode?: string;
  operator: string;
  reason?: string;
}

/** The request is invalid: nothing was changed or recorded (CLI exit 2, HTTP 400). */
export class ModeChangeError extends Error {
  override readonly name = 'ModeChangeError';
}

/** What config says the deployment watches (`config.scope`): enough to tell an ambiguous resource group name. */
export interface WatchedScope {
  subscriptions: readonly string[];
  managementGroups: readonly string[];
}

/** How the caller's users name the subscription parameters, so a refusal says what to add. */
export interface ScopeTerms {
  subscription: string;
  anySubscription: string;
}

export const CLI_TERMS: ScopeTerms = { subscription: '--subscription <id>', anySubscription: '--any-subscription' };
export const API_TERMS: ScopeTerms = { subscription: 'subscriptionId=<id>', anySubscription: `subscriptionId=${ANY_SUBSCRIPTION}` };

export interface ModeChangeDeps {
  store: ModeStore;
  audit: AuditStore;
  remediators: readonly Pick<Remediator, 'id'>[];
  resolver?: ModeResolver;
  clock?: () => Date;
  /** `config.scope`. Absent: nothing configured (the sandbox), so a resource group name alone is unambiguous. */
  scope?: WatchedScope;
  /** Default: the CLI's flags. */
  terms?: ScopeTerms;
}

export interface ModeChangeResult {
  scope: ModeScope;
  previous?: ModeSetting;
  current?: ModeSetting;
  auditSeq: number;
}

export function validateModeChange(request: ModeChangeRequest, deps: Pick<ModeChangeDeps, 'remediators' | 'scope' | 'terms'>): { scope: ModeScope; mode?: Mode } {
  const { remediators } = deps;
  if (!remediators.some((r) => r.id === request.remediator)) {
    throw new ModeChangeError(`unknown remediator "${request.remediator.slice(0, 60)}"; known: ${remediators.map((r) => r.id).join(', ')}`);
  }
  if (request.mode !== undefined && !(MODES as readonly string[]).includes(request.mode)) {
    throw new ModeChangeError(`mode must be one of ${MODES.join(' | ')}, got "${request.mode.slice(0, 30)}"`);
  }
  if (request.resourceGroup !== undefined && !isValidResourceGroupName(request.resourceGroup)) {
    throw new ModeChangeError(`"${request.resourceGroup.slice(0, 100)}" is not a valid resource group name`);
  }
  // eslint-disable-next-line no-control-regex
  if (request.reason !== undefined && (request.reason.length > 1000 || /[\u0000-\u001f\u007f]/.test(request.reason))) {
    throw new ModeChangeError('reason must be at most 1000 printable characters');
  }
  const scope = changeScope(request, deps.scope ?? { subscriptions: [], managementGroups: [] }, deps.terms ?? CLI_TERMS);
  return { scope, ...(request.mode === undefined ? {} : { mode: request.mode as Mode }) };
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The stored scope a (valid) request means, or why it means none. */
function changeScope(request: ModeChangeRequest, watched: WatchedScope, terms: ScopeTerms): ModeScope {
  const { resourceGroup, subscriptionId } = request;
  if (subscriptionId === undefined || subscriptionId === ANY_SUBSCRIPTION) {
    if (resourceGroup === undefined) return '*';
    if (subscriptionId === undefined && configuredScopeSpansSubscriptions(watched)) {
      throw new ModeChangeError(
        `resource group "${resourceGroup}" is ambiguous: this deployment watches ${describeWatched(watched)}; add ${terms.subscription} (or ${terms.anySubscription} for every resource group of that name)`,
      );
    }
    return resourceGroupScope(resourceGroup);
  }
  if (!GUID.test(subscriptionId)) throw new ModeChangeError(`subscription "${subscriptionId.slice(0, 60)}" is not a subscription id (a GUID)`);
  // Under a management group any subscription may be (or become) in scope: membership is
  // resolved at run time, so only a deployment that lists all it watches can refuse one here.
  if (watched.managementGroups.length === 0 && watched.subscriptions.length > 0 && !watched.subscriptions.some((s) => s.toLowerCase() === subscriptionId.toLowerCase())) {
    throw new ModeChangeError(`subscription ${subscriptionId.toLowerCase()} is not in scope: this deployment watches ${listed(watched.subscriptions)}`);
  }
  return resourceGroup === undefined ? subscriptionScope(subscriptionId) : subscriptionResourceGroupScope(subscriptionId, resourceGroup);
}

function describeWatched(watched: WatchedScope): string {
  const n = watched.subscriptions.length;
  const subscriptions = `${n} subscription${n === 1 ? '' : 's'}`;
  if (watched.managementGroups.length === 0) return subscriptions;
  const groups = `management group${watched.managementGroups.length === 1 ? '' : 's'} ${listed(watched.managementGroups)}`;
  return n === 0 ? groups : `${groups} and ${subscriptions}`;
}

function listed(names: readonly string[]): string {
  const shown = names.slice(0, 5).join(', ');
  return names.length > 5 ? `${shown} and ${names.length - 5} more` : shown;
}

export async function changeMode(request: ModeChangeRequest, deps: ModeChangeDeps): Promise<ModeChangeResult> {
  const { scope, mode } = validateModeChange(request, deps);
  const now = (deps.clock ?? (() => new Date()))();
  // A subscription's setting is that subscription's evidence, like its resources' records.
  const parsedScope = parseModeScope(scope);
  const located = parsedScope?.kind === 'subscription' || parsedScope?.kind === 'subscription-resource-group' ? { subscriptionId: parsedScope.subscriptionId } : {};
  const intent = await deps.audit.append({
    kind: 'intent',
    ...located,
    remediator: request.remediator,
    scope,
    operator: request.operator,
    change: { operation: mode === undefined ? 'modes.unset' : 'modes.set', remediator: request.remediator, scope, mode: mode ?? null },
    ...(request.reason === undefined ? {} : { reason: request.reason }),
  });
  await deps.audit.sync();
  let previous: ModeSetting | undefined;
  let current: ModeSetting | undefined;
  try {
    if (mode === undefined) {
      previous = await deps.store.unset(request.remediator, scope);
    } else {
      current = { remediator: request.remediator, scope, mode, changedBy: request.operator, changedAt: now.toISOString(), ...(request.reason === undefined ? {} : { reason: request.reason }) };
      previous = await deps.store.set(current);
    }
  } catch (error) {
    await deps.audit.append({ kind: 'outcome', ...located, intentSeq: intent.seq, outcome: 'failed', remediator: request.remediator, scope, operator: request.operator, reason: error instanceof Error ? error.message : String(error) });
    await deps.audit.sync();
    throw error;
  }
  const outcome = await deps.audit.append({
    kind: 'mode-change',
    ...located,
    intentSeq: intent.seq,
    outcome: 'succeeded',
    remediator: request.remediator,
    scope,
    operator: request.operator,
    before: { mode: previous?.mode ?? null, changedBy: previous?.changedBy ?? null },
    after: { mode: current?.mode ?? null },
    ...(request.reason === undefined ? {} : { reason: request.reason }),
  });
  await deps.audit.sync();
  deps.resolver?.invalidate();
  return { scope, ...(previous === undefined ? {} : { previous }), ...(current === undefined ? {} : { current }), auditSeq: outcome.seq };
}
