/**
 * Changing a mode, for the CLI and the admin API alike: validated input, write-ahead audit
 * (intent, then the outcome with the exact old → new), then the resolver forgets its cache so
 * the next event in this process sees the change (other instances within the cache TTL).
 */
import { isValidResourceGroupName } from '../arm/resourceId.js';
import type { AuditStore } from '../audit/record.js';
import { MODES, type Mode, type Remediator } from '../remediator.js';
import type { ModeResolver } from './resolver.js';
import { resourceGroupScope, type ModeScope, type ModeSetting, type ModeStore } from './store.js';

export interface ModeChangeRequest {
  remediator: string;
  /** Absent: the subscription-wide default. */
  resourceGroup?: string;
  /** Absent: remove the setting (fall back to the next level). */
  mode?: string;
  operator: string;
  reason?: string;
}

/** The request is invalid: nothing was changed or recorded (CLI exit 2, HTTP 400). */
export class ModeChangeError extends Error {
  override readonly name = 'ModeChangeError';
}

export interface ModeChangeDeps {
  store: ModeStore;
  audit: AuditStore;
  remediators: readonly Pick<Remediator, 'id'>[];
  resolver?: ModeResolver;
  clock?: () => Date;
}

export interface ModeChangeResult {
  scope: ModeScope;
  previous?: ModeSetting;
  current?: ModeSetting;
  auditSeq: number;
}

export function validateModeChange(request: ModeChangeRequest, remediators: readonly Pick<Remediator, 'id'>[]): { scope: ModeScope; mode?: Mode } {
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
  const scope = request.resourceGroup === undefined ? '*' : resourceGroupScope(request.resourceGroup);
  return { scope, ...(request.mode === undefined ? {} : { mode: request.mode as Mode }) };
}

export async function changeMode(request: ModeChangeRequest, deps: ModeChangeDeps): Promise<ModeChangeResult> {
  const { scope, mode } = validateModeChange(request, deps.remediators);
  const now = (deps.clock ?? (() => new Date()))();
  const intent = await deps.audit.append({
    kind: 'intent',
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
    await deps.audit.append({ kind: 'outcome', intentSeq: intent.seq, outcome: 'failed', remediator: request.remediator, scope, operator: request.operator, reason: error instanceof Error ? error.message : String(error) });
    await deps.audit.sync();
    throw error;
  }
  const outcome = await deps.audit.append({
    kind: 'mode-change',
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
