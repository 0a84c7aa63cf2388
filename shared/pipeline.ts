/**
 * The data path, one direction: parse → route → resolve → evaluate → decide → act → audit.
 * Remediators decide; only this module does I/O, through the ports it is given.
 */
import type { Alerter, ReconcileReport } from './alerts/alerter.js';
import type { ArmGateway } from './arm/gateway.js';
import { tryParseResourceId } from './arm/resourceId.js';
import type { ResourceSnapshot } from './arm/snapshot.js';
import type { AuditEntry, AuditStore } from './audit/record.js';
import { KeyedMutex, mapWithConcurrency } from './concurrency.js';
import type { ServiceConfig } from './config.js';
import { ConcurrentChangeError, PermanentError, ResourceGoneError, TransientError } from './errors.js';
import { BadBatchError, parseEventBatch, type ParsedEvent, type ResourceChangeEvent } from './events.js';
import type { Logger } from './log.js';
import type { ModeResolution, ModeResolver } from './modes/resolver.js';
import { auditFields, citeFindings, describeError, describeFindings, failure, rejected, skipped, unfinished } from './decisions.js';
import type { Change, EvalContext, Finding, Remediator } from './remediator.js';
import { summarize, type BatchSummary, type ChangeResult, type ChangeView } from './result.js';
import { routeEvent } from './router.js';
import type { SubscriptionScope } from './scope.js';
import type { SweepItem } from './arm/gateway.js';

export interface PipelineDeps {
  arm: ArmGateway;
  audit: AuditStore;
  modes: ModeResolver;
  alerter: Alerter;
  log: Logger;
  remediators: readonly Remediator[];
  config: ServiceConfig;
  /** Subscriptions the service watches; an event for any other is rejected. Undefined: any (and nothing to sweep). */
  scope?: SubscriptionScope;
  clock?: () => Date;
  /** The instant time-based rules evaluate at (`--now`); audit records keep the real time. */
  evaluateAt?: () => Date;
  /** Called with each result as it is decided (the live console of `serve`). */
  onResult?: (result: ChangeResult) => void;
}

export interface BatchOutcome {
  results: ChangeResult[];
  summary: BatchSummary;
}

/** A 412 means someone else wrote between our read and write: read again, decide again, this many times. */
const MAX_DECISION_ROUNDS = 3;

/** Resources a sweep decides on together before it reads the next page of listings. */
const SWEEP_CHUNK = 500;

/** The subscription in a resource id (lower case): results, audit records and alerts of a many-subscription deployment say which one. */
function subscriptionOf(resourceId: string | null | undefined): string | undefined {
  return /^\/subscriptions\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:\/|$)/i.exec(resourceId ?? '')?.[1]?.toLowerCase();
}

function withSubscription(result: ChangeResult): ChangeResult {
  if (result.subscriptionId !== undefined) return result;
  const subscriptionId = subscriptionOf(result.resourceId);
  return subscriptionId === undefined ? result : { ...result, subscriptionId };
}

/** How a sweep found what it decided on; recorded in its summary and returned to the CLI. */
export interface SweepStats {
  source: 'resource-graph' | 'list-apis' | 'auto';
  subscriptions: number;
  /** Resources whose own properties came from Resource Graph. */
  fromGraph: number;
  /** Of those, re-read from ARM because Resource Graph's copy may not comply. */
  reread: number;
  goneSinceIndexed: number;
  graphQueries: number;
  /** Families Resource Graph refused for good (permissions, a rejected query): listed per subscription instead. */
  graphRefused: { type: string; reason: string }[];
}

/** State one batch shares across its events: the blast-radius cap counts resources remediated so far. */
interface BatchScope {
  remediatedResources: Set<string>;
  cap: number;
}

export class Pipeline {
  private readonly locks = new KeyedMutex();
  private readonly clock: () => Date;
  private readonly serviceIds: readonly string[];

  constructor(private readonly deps: PipelineDeps) {
    this.clock = deps.clock ?? (() => new Date());
    this.serviceIds = [...deps.config.selfIds].sort();
  }

  /** Throws BadBatchError when the body holds no events at all. */
  async processBatch(body: unknown): Promise<BatchOutcome> {
    let events: ParsedEvent[];
    try {
      events = parseEventBatch(body);
    } catch (error) {
      if (error instanceof BadBatchError) await this.rejectInput(error.message);
      throw error;
    }
    const batch: BatchScope = { remediatedResources: new Set(), cap: this.deps.config.maxRemediationsPerBatch };
    const perEvent = await mapWithConcurrency(events, this.deps.config.concurrency, (parsed) => this.processEvent(parsed, batch));
    const results = perEvent.flat();
    const summary = summarize(events.length, results);
    // Group commit: the batch is acknowledged only once its records are durable.
    try {
      await this.syncOrFail();
    } catch (error) {
      if (!(error instanceof TransientError)) throw error;
      this.deps.log.error({ err: error }, 'audit records of the batch could not be made durable: asking for redelivery');
      return { results, summary: { ...summary, retryable: true, reason: error.message } };
    }
    return { results, summary };
  }

  /** Records input refused as a whole (not JSON, not events): nothing was processed. */
  async rejectInput(reason: string): Promise<void> {
    await this.appendOrFail({ kind: 'rejection', decision: 'rejected', reason });
    await this.syncOrFail();
    this.deps.log.warn({ reason }, 'input rejected');
  }

  async processEvent(parsed: ParsedEvent, batch: BatchScope = { remediatedResources: new Set(), cap: this.deps.config.maxRemediationsPerBatch }): Promise<ChangeResult[]> {
    let results: ChangeResult[];
    try {
      results = await this.decideEvent(parsed, batch);
    } catch (error) {
      // Typed failures that escaped a decision (audit store down, ARM exhausted mid-retry) become a
      // failed result; a retryable one makes the webhook ask Event Grid to redeliver the batch.
      if (!(error instanceof TransientError) && !(error instanceof PermanentError)) throw error;
      this.deps.log.error({ err: error, eventId: parsed.ok ? parsed.event.eventId : parsed.eventId }, 'event processing failed');
      results = [unfinished(parsed, error)];
    }
    results = results.map(withSubscription);
    for (const result of results) this.deps.onResult?.(result);
    return results;
  }

  private async decideEvent(parsed: ParsedEvent, batch: BatchScope): Promise<ChangeResult[]> {
    if (!parsed.ok) return [await this.reject(parsed.eventId, parsed.resourceId, parsed.reason)];
    const event = parsed.event;
    const base = { eventId: event.eventId, resourceId: event.resource.id };
    const remediators = routeEvent(event, this.deps.remediators, this.deps.config.policy);
    if (event.kind === 'delete' && event.succeeded && this.deps.arm.canRead(event.resource) && (await this.inScope(event))) await this.settleDeletion(event);
    if (remediators.length === 0 || !this.deps.arm.canRead(event.resource)) {
      return [skipped(base, null, `no remediator handles ${event.kind} events for ${event.resource.resourceType}`)];
    }
    if (!event.succeeded) return [skipped(base, null, `${event.eventType}: the operation did not succeed, nothing changed`)];
    if (!(await this.inScope(event))) {
      return [await this.reject(event.eventId, event.resource.id, `subscription ${event.resource.subscriptionId} is not in scope`)];
    }
    if (this.isSelf(event)) {
      return Promise.all(
        remediators.map(async (r) =>
          this.record(skipped(base, r, "caused by the service's own identity (no loop)"), { kind: 'decision', actor: event.caller }),
        ),
      );
    }
    return this.locks.run(event.resource.key, () => this.evaluateLive(event, remediators, batch));
  }

  /** Resolve the live resource, then let each remediator decide on what ARM says, not on the payload. */
  private async evaluateLive(event: ResourceChangeEvent, remediators: readonly Remediator[], batch: BatchScope): Promise<ChangeResult[]> {
    const signal = AbortSignal.timeout(this.deps.config.arm.eventBudgetMs);
    const base = { eventId: event.eventId, resourceId: event.resource.id };
    const results: ChangeResult[] = [];
    let snapshot: ResourceSnapshot;
    try {
      snapshot = await this.deps.arm.read(event.resource, signal);
    } catch (error) {
      if (error instanceof ResourceGoneError) await this.deps.alerter.resolve({ resourceId: event.resource.id, reason: 'the resource no longer exists' });
      const outcome = error instanceof ResourceGoneError ? 'skipped' : 'failed';
      for (const r of remediators) {
        results.push(await this.record(failure(base, r, outcome, error), { kind: 'decision', actor: event.caller }));
      }
      return results;
    }
    return this.decideOn(event, remediators, snapshot, batch, signal);
  }

  /**
   * The timer sweep: every resource the list APIs return goes through the same decisions as an
   * event would (same modes, same blast-radius cap across the whole sweep), then one
   * `sweep-summary` record — the evidence of ongoing monitoring.
   */
  async sweep(runId: string): Promise<BatchOutcome & { resources: number; alerts: ReconcileReport; sweep: SweepStats }> {
    const scope = this.deps.scope;
    const subscriptions = scope === undefined ? new Set<string>() : await scope.subscriptions(AbortSignal.timeout(this.deps.config.arm.eventBudgetMs));
    // Sweeping nothing must not look like a clean sweep.
    if (subscriptions.size === 0) {
      throw new PermanentError('no subscription in scope to sweep (AZURE_SUBSCRIPTION_ID, HIPAA_REMEDIATOR_SUBSCRIPTIONS or a management group)', 'NoSubscriptionInScope');
    }
    const source = this.deps.config.scope.sweepSource;
    const graphQueriesBefore = this.deps.arm.graphStats.queries;
    const fallbacksBefore = this.deps.arm.graphStats.fallbacks.length;
    const stats: SweepStats = { source, subscriptions: subscriptions.size, fromGraph: 0, reread: 0, goneSinceIndexed: 0, graphQueries: 0, graphRefused: [] };
    const batch: BatchScope = { remediatedResources: new Set(), cap: this.deps.config.maxRemediationsPerBatch };
    const results: ChangeResult[] = [];
    let resources = 0;
    // Decisions run `concurrency` at a time (one resource is still serialised by its lock), in
    // chunks, so a sweep of tens of thousands of resources overlaps its audit and ARM waits.
    const decide = async (item: SweepItem): Promise<ChangeResult[]> => {
      const listed = item.snapshot;
      const event: ResourceChangeEvent = { eventId: `sweep:${runId}`, schema: 'sweep', eventType: 'hipaa-remediator.sweep', kind: 'write', succeeded: true, resource: listed.id, operationName: 'sweep', caller: {} };
      const remediators = routeEvent(event, this.deps.remediators, this.deps.config.policy);
      if (remediators.length === 0) return [];
      const decided = await this.locks.run(listed.id.key, async () => {
        const signal = AbortSignal.timeout(this.deps.config.arm.eventBudgetMs);
        const snapshot = item.fromGraph ? await this.liveIfDoubtful(listed, remediators, stats, signal) : listed;
        if (snapshot === undefined) return [skipped({ eventId: event.eventId, resourceId: listed.id.id }, null, 'deleted since Resource Graph indexed it (ARM answers 404)')];
        return this.decideOn(event, remediators, snapshot, batch, signal);
      });
      const located = decided.map(withSubscription);
      for (const result of located) this.deps.onResult?.(result);
      return located;
    };
    const chunk: SweepItem[] = [];
    const seen = new Set<string>();
    const flush = async (): Promise<void> => {
      for (const decided of await mapWithConcurrency(chunk.splice(0), this.deps.config.concurrency, decide)) results.push(...decided);
    };
    for await (const item of this.deps.arm.sweep([...subscriptions], source)) {
      resources += 1;
      if (item.fromGraph) stats.fromGraph += 1;
      seen.add(item.snapshot.id.key);
      chunk.push(item);
      if (chunk.length >= SWEEP_CHUNK) await flush();
    }
    await flush();
    stats.graphQueries = this.deps.arm.graphStats.queries - graphQueriesBefore;
    stats.graphRefused = this.deps.arm.graphStats.fallbacks.slice(fallbacksBefore);
    for (const refused of stats.graphRefused) this.deps.log.error({ type: refused.type, reason: refused.reason }, 'Resource Graph refused a sweep query: that family was listed per subscription');
    // Alerts on what the listings no longer show are resolved; notifications a sink missed go out again.
    const alerts = await this.deps.alerter.reconcile({ subscriptions, seen, ...(source !== 'list-apis' ? { confirmGone: (id: string) => this.goneFromArm(id) } : {}) });
    const counts: Record<string, Record<string, number>> = {};
    for (const r of results) {
      const perRemediator = (counts[r.remediator ?? '-'] ??= {});
      perRemediator[r.decision] = (perRemediator[r.decision] ?? 0) + 1;
    }
    const alertNote = `alerts: ${alerts.resolved} resolved as gone, ${alerts.redelivered} notifications redelivered, ${alerts.stillPending} still pending`;
    const sourceNote =
      source !== 'list-apis'
        ? `${stats.graphQueries} Resource Graph queries, ${stats.fromGraph} resources judged from Resource Graph, ${stats.reread} re-read from ARM before deciding${stats.graphRefused.map((r) => `; Resource Graph refused ${r.type} (${r.reason.slice(0, 200)}), listed per subscription`).join('')}`
        : 'per-subscription list APIs';
    await this.appendOrFail({ kind: 'sweep-summary', reason: `sweep ${runId}: ${resources} resources in ${subscriptions.size} subscriptions (${sourceNote}); ${alertNote}`, counts, service: this.serviceIds });
    await this.syncOrFail();
    return { results, summary: summarize(resources, results), resources, alerts, sweep: stats };
  }

  /** True only when ARM answers 404 for the resource; any other answer keeps its alert open. */
  private async goneFromArm(resourceId: string): Promise<boolean> {
    const id = tryParseResourceId(resourceId);
    if (!id.ok || !this.deps.arm.canRead(id.value)) return true;
    try {
      await this.deps.arm.read(id.value, AbortSignal.timeout(this.deps.config.arm.eventBudgetMs));
      return false;
    } catch (error) {
      return error instanceof ResourceGoneError;
    }
  }

  /**
   * Resource Graph can lag ARM: its copy may say compliant (judged as is) or may not, and then
   * the live resource is read and judged instead, so no change is planned from a stale copy.
   * Undefined: ARM no longer has it.
   */
  private async liveIfDoubtful(indexed: ResourceSnapshot, remediators: readonly Remediator[], stats: SweepStats, signal: AbortSignal): Promise<ResourceSnapshot | undefined> {
    const ctx = this.evalContext();
    if (!remediators.some((r) => r.evaluate(indexed, ctx).length > 0)) return indexed;
    stats.reread += 1;
    try {
      return await this.deps.arm.refresh(indexed, signal);
    } catch (error) {
      if (!(error instanceof ResourceGoneError)) throw error;
      stats.goneSinceIndexed += 1;
      return undefined;
    }
  }

  private async decideOn(event: ResourceChangeEvent, remediators: readonly Remediator[], initial: ResourceSnapshot, batch: BatchScope, signal: AbortSignal): Promise<ChangeResult[]> {
    const results: ChangeResult[] = [];
    let snapshot = initial;
    await this.closeDanglingIntents(event, snapshot);
    for (const remediator of remediators) {
      const result = await this.decideWithRetry(event, remediator, snapshot, signal, batch);
      results.push(result.result);
      snapshot = result.snapshot;
      // A remediation settles its own alerts (remediate); a compliant verdict closes them here.
      if (result.result.decision === 'compliant') await this.deps.alerter.resolve({ resourceId: event.resource.id, remediator: remediator.id, reason: 'compliant again' });
    }
    return results;
  }

  private async decideWithRetry(
    event: ResourceChangeEvent,
    remediator: Remediator,
    initial: ResourceSnapshot,
    signal: AbortSignal,
    batch: BatchScope,
  ): Promise<{ result: ChangeResult; snapshot: ResourceSnapshot }> {
    let snapshot = initial;
    for (let round = 1; ; round++) {
      try {
        return await this.decide(event, remediator, snapshot, signal, batch);
      } catch (error) {
        if (!(error instanceof ConcurrentChangeError) || round >= MAX_DECISION_ROUNDS) throw error;
        this.deps.log.info({ eventId: event.eventId, resourceId: event.resource.id, remediator: remediator.id }, 'resource changed under us (412): re-reading');
        snapshot = await this.deps.arm.read(event.resource, signal);
      }
    }
  }

  private async decide(
    event: ResourceChangeEvent,
    remediator: Remediator,
    snapshot: ResourceSnapshot,
    signal: AbortSignal,
    batch: BatchScope,
  ): Promise<{ result: ChangeResult; snapshot: ResourceSnapshot }> {
    const ctx = this.evalContext();
    const base = { eventId: event.eventId, resourceId: event.resource.id };
    const audited = { kind: 'decision' as const, actor: event.caller };
    const exemption = remediator.exemption?.(snapshot, ctx);
    if (exemption !== undefined) {
      const result = await this.record(skipped(base, remediator, exemption), audited);
      await this.deps.alerter.resolve({ resourceId: event.resource.id, remediator: remediator.id, reason: exemption });
      return { result, snapshot };
    }
    const findings = remediator.evaluate(snapshot, ctx);
    const cite = citeFindings(remediator, findings);
    if (findings.length === 0) {
      return { result: await this.record({ ...base, remediator: remediator.id, ...cite, decision: 'compliant', changes: [], auditSeq: null }, audited), snapshot };
    }

    const mode = await this.resolveMode(remediator, event);
    const changes = remediator.plan(snapshot, findings);
    const planned = changes.map((change) => this.view(change));
    const common = { ...base, remediator: remediator.id, ...cite, mode: mode.mode, findings: describeFindings(findings) };
    if (mode.mode === 'off') {
      return { result: await this.record({ ...common, decision: 'skipped', changes: [], auditSeq: null, reason: `mode off (${mode.source})` }, audited), snapshot };
    }
    const capped = mode.mode === 'remediate' && !mode.dryRun && planned.length > 0 && !withinBlastRadius(batch, event.resource.key);
    if (mode.mode === 'alert' || mode.dryRun || planned.length === 0 || capped) {
      const reason = capped
        ? `blast-radius cap: this batch already remediated ${batch.cap} resources; alerting instead`
        : mode.dryRun && mode.mode === 'remediate'
          ? 'dry run: would remediate'
          : planned.length === 0
            ? 'no automatic fix'
            : `mode alert (${mode.source}${mode.error === undefined ? '' : `: mode store unreadable: ${mode.error}`})`;
      const result = await this.record({ ...common, decision: 'alerted', changes: planned, auditSeq: null, reason }, audited);
      await this.raise(result, findings, event);
      return { result, snapshot };
    }
    return this.remediate(event, remediator, snapshot, findings, changes, common, signal);
  }

  /** Write-ahead: the intent is durable before ARM is touched; the outcome follows either way. */
  private async remediate(
    event: ResourceChangeEvent,
    remediator: Remediator,
    snapshot: ResourceSnapshot,
    findings: readonly Finding[],
    changes: readonly Change[],
    common: Omit<ChangeResult, 'decision' | 'changes' | 'auditSeq'>,
    signal: AbortSignal,
  ): Promise<{ result: ChangeResult; snapshot: ResourceSnapshot }> {
    const applied: ChangeView[] = [];
    let current = snapshot;
    let deleted = false;
    let lastSeq: number | null = null;
    for (const change of changes) {
      const view = this.view(change);
      const intent = await this.appendOrFail({
        ...auditFields(common),
        kind: 'intent',
        decision: 'remediated',
        change: view,
        before: valuesOf(current, change),
        actor: event.caller,
        service: this.serviceIds,
      });
      await this.syncOrFail(); // write-ahead: the intent is on disk before ARM is touched
      try {
        const written = await this.deps.arm.apply(change, signal);
        if (written.deleted === true) deleted = true;
        else current = written.after ?? (await this.deps.arm.read(current.id, signal));
      } catch (error) {
        const gone = error instanceof ResourceGoneError;
        const reason = gone ? 'resource no longer exists' : describeError(error);
        const outcome = await this.appendOrFail({ ...auditFields(common), kind: 'outcome', intentSeq: intent.seq, outcome: 'failed', reason, change: view, service: this.serviceIds });
        // decideWithRetry reads again and decides on what is there now.
        if (error instanceof ConcurrentChangeError) throw error;
        const transient = error instanceof TransientError;
        const result: ChangeResult = { ...common, decision: gone ? 'skipped' : 'failed', changes: applied, auditSeq: outcome.seq, reason, ...(transient ? { retryable: true } : {}) };
        if (!transient && !gone) await this.raise(result, findings, event);
        return { result, snapshot: current };
      }
      applied.push(view);
      const outcome = { kind: 'outcome' as const, intentSeq: intent.seq, outcome: 'succeeded' as const, decision: 'remediated' as const, change: view, after: deleted ? {} : valuesOf(current, change) };
      lastSeq = (await this.appendOrFail({ ...auditFields(common), ...outcome, service: this.serviceIds })).seq;
    }

    const fixed = `remediated by hipaa-remediator${lastSeq === null ? '' : ` (audit #${lastSeq})`}`;
    // A deletion ARM acknowledged is its own confirmation: there is nothing left to evaluate.
    if (deleted) {
      await this.deps.alerter.resolve({ resourceId: event.resource.id, remediator: remediator.id, reason: fixed });
      return { result: { ...common, decision: 'remediated', changes: applied, auditSeq: lastSeq }, snapshot: current };
    }
    // Confirm from what ARM returned: the findings this remediator planned for must be gone
    // (those it reports for a person, such as an unlocked retention policy, stay by design).
    const after = remediator.evaluate(current, this.evalContext());
    const remaining = after.filter((f) => f.remediable !== false);
    if (remaining.length > 0) {
      const reason = `not confirmed: ${remaining.map((f) => f.property).join(', ')} still non-compliant after the write`;
      const record = await this.appendOrFail({ ...auditFields(common), kind: 'decision', decision: 'failed', reason, actor: event.caller });
      const result: ChangeResult = { ...common, decision: 'failed', changes: applied, auditSeq: record.seq, reason };
      await this.raise(result, remaining, event);
      return { result, snapshot: current };
    }
    const result: ChangeResult = { ...common, decision: 'remediated', changes: applied, auditSeq: lastSeq };
    // What is fixed is fixed; what only a person can decide is raised to one now, not at the next sweep.
    const forPeople = after.filter((f) => f.remediable === false);
    // The alert for what only a person can decide stays (or opens); the remediator's other alerts there close as fixed.
    if (forPeople.length > 0) await this.raise({ ...result, ...citeFindings(remediator, forPeople), decision: 'alerted', changes: [], reason: 'remediated what could be; the rest needs a person' }, forPeople, event, fixed);
    else await this.deps.alerter.resolve({ resourceId: event.resource.id, remediator: remediator.id, reason: fixed });
    return { result, snapshot: current };
  }

  /**
   * An intent with no outcome means a writer died between announcing a change and recording
   * it. The re-read tells what happened; the record says so, and the decision goes on as usual.
   */
  private async closeDanglingIntents(event: ResourceChangeEvent, snapshot: ResourceSnapshot): Promise<void> {
    const dangling = await this.audited(() => this.deps.audit.openIntents(event.resource.key, this.deps.config.arm.eventBudgetMs * 2));
    for (const intent of dangling) {
      const change = intent.change as { body?: Record<string, unknown>; target?: string; resourceId?: string } | undefined;
      const after = change?.body === undefined ? {} : valuesOf(snapshot, change);
      const inPlace = change?.body !== undefined && Object.entries(change.body).every(([k, v]) => JSON.stringify(after[k]) === JSON.stringify(v));
      await this.appendOrFail({
        kind: 'outcome',
        eventId: event.eventId,
        resourceId: event.resource.id,
        ...(intent.remediator === undefined ? {} : { remediator: intent.remediator }),
        intentSeq: intent.seq,
        outcome: 'unknown',
        reason: `no outcome was recorded for intent ${intent.seq}; a re-read shows the change ${inPlace ? 'in place' : 'not in place'}`,
        after,
        service: this.serviceIds,
      });
      this.deps.log.warn({ resourceId: event.resource.id, intentSeq: intent.seq, inPlace }, 'dangling audit intent closed after re-read');
    }
  }

  /** The service's own identity is protected from its own revocations, whatever the policy file says. */
  private evalContext(): EvalContext {
    const policy = this.deps.config.policy;
    return {
      now: (this.deps.evaluateAt ?? this.clock)(),
      policy: { ...policy, roleAssignments: { ...policy.roleAssignments, protectedPrincipalIds: [...new Set([...policy.roleAssignments.protectedPrincipalIds, ...this.serviceIds])] } },
    };
  }

  private async resolveMode(remediator: Remediator, event: ResourceChangeEvent): Promise<ModeResolution> {
    let resolution: ModeResolution;
    try {
      resolution = await this.deps.modes.resolve(remediator, event.resource);
    } catch (error) {
      resolution = { mode: 'alert', source: 'fail-safe', dryRun: false, error: describeError(error) };
    }
    // Fail safe: an unreadable mode store must never silence (off) or widen (remediate) anything.
    if (resolution.source === 'fail-safe') {
      this.deps.log.error({ remediator: remediator.id, resourceId: event.resource.id, error: resolution.error }, 'mode store unreadable: failing safe to alert');
    }
    return resolution;
  }

  private async inScope(event: ResourceChangeEvent): Promise<boolean> {
    // No time-out signal per event: a listed scope answers from memory, and a management group's
    // lookup is shared by concurrent events (a signal of one event must not cancel the others').
    return this.deps.scope === undefined || this.deps.scope.contains(event.resource.subscriptionId);
  }

  /** A delete event only says where to look: alerts there are resolved once ARM confirms the resource is gone. */
  private async settleDeletion(event: ResourceChangeEvent): Promise<void> {
    if (!(await this.deps.alerter.hasOpenUnder(event.resource.id))) return;
    try {
      await this.deps.arm.read(event.resource, AbortSignal.timeout(this.deps.config.arm.eventBudgetMs));
    } catch (error) {
      if (error instanceof ResourceGoneError) await this.deps.alerter.resolve({ resourceId: event.resource.id, reason: `deleted (${event.operationName})` });
      else if (error instanceof TransientError) throw error;
      // A permanent error other than 404 (no permission): the sweep settles it later.
    }
  }

  private isSelf(event: ResourceChangeEvent): boolean {
    const { objectId, appId } = event.caller;
    return (objectId !== undefined && this.deps.config.selfIds.has(objectId)) || (appId !== undefined && this.deps.config.selfIds.has(appId));
  }

  private async reject(eventId: string | undefined, resourceId: string | undefined, reason: string): Promise<ChangeResult> {
    return this.record(rejected(eventId, resourceId, reason), { kind: 'rejection' });
  }

  private async record(result: ChangeResult, extra: Pick<AuditEntry, 'kind' | 'actor'>): Promise<ChangeResult> {
    const record = await this.appendOrFail({ ...auditFields(result), ...extra, ...(result.changes.length > 0 ? { change: result.changes } : {}) });
    const logged = { ...result, auditSeq: record.seq };
    this.deps.log.info({ eventId: logged.eventId, resourceId: logged.resourceId, remediator: logged.remediator, decision: logged.decision, auditSeq: logged.auditSeq, reason: logged.reason }, `decision ${logged.decision}`);
    return logged;
  }

  private appendOrFail(entry: AuditEntry) {
    const subscriptionId = entry.subscriptionId ?? subscriptionOf(entry.resourceId);
    return this.audited(() => this.deps.audit.append(subscriptionId === undefined ? entry : { ...entry, subscriptionId }));
  }

  private syncOrFail(): Promise<void> {
    return this.audited(() => this.deps.audit.sync());
  }

  /** Audit unavailable ⇒ no action and a failed invocation: Event Grid redelivers. */
  private async audited<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw new TransientError(`audit store unavailable: ${describeError(error)}`, { cause: error });
    }
  }

  /** Opens (or folds into) the alert for the result's control; the remediator's other controls on the resource are resolved. */
  private async raise(result: ChangeResult, findings: readonly Finding[], event: ResourceChangeEvent, othersResolvedAs = 'no longer reported by the remediator'): Promise<void> {
    const remediator = result.remediator ?? 'unknown';
    const control = result.control ?? 'unknown';
    await this.deps.alerter.raise({
      eventId: event.eventId,
      resourceId: event.resource.id,
      remediator,
      control,
      citation: result.citation ?? '',
      decision: result.decision === 'failed' ? 'failed' : 'alerted',
      reason: result.reason ?? result.decision,
      findings: findings.map(({ property, actual, expected, message }) => ({ property, actual, expected, message })),
      plannedChanges: result.changes,
      actor: event.caller,
      ...(result.auditSeq === null ? {} : { auditSeq: result.auditSeq }),
    });
    await this.deps.alerter.resolve({ resourceId: event.resource.id, remediator, stillOpen: control, reason: othersResolvedAs });
  }

  private view(change: Change): ChangeView {
    return {
      operation: change.operation,
      method: change.method,
      resourceId: change.resourceId,
      apiVersion: this.deps.arm.apiVersionOf(change),
      body: change.body,
      ...('ifMatch' in change && change.ifMatch !== undefined ? { ifMatch: change.ifMatch } : {}),
      ...('target' in change ? { target: change.target } : {}),
      ...('targetField' in change ? { targetField: change.targetField } : {}),
    };
  }
}

/**
 * Values of the properties a change touches: what the audit keeps instead of whole payloads. A
 * deletion keeps the whole resource (a role assignment: scope, role, principal, description,
 * condition, created on/by) so that `restore` can re-create exactly what was removed.
 */
function valuesOf(snapshot: ResourceSnapshot, change: { body?: unknown; target?: string; targetField?: string; resourceId?: string }): Record<string, unknown> {
  if (change.body === undefined || change.body === null) return { ...snapshot.resource };
  return pickShaped(targetOf(snapshot, change), change.body as Record<string, unknown>);
}

/** The part of the judged resource a change writes: the resource itself, or a sub-resource read with it. */
function targetOf(snapshot: ResourceSnapshot, change: { target?: string; targetField?: string; resourceId?: string }): object {
  if (change.target === undefined) return snapshot.resource;
  // Sub-resources listed beside the resource (its diagnostic settings, a vault's keys): the one the change names.
  const listed = (snapshot as unknown as Record<string, unknown>)[change.target];
  if (Array.isArray(listed)) {
    const name = change.resourceId?.split('/').at(-1)?.toLowerCase();
    const found: unknown = listed.find((item: { name?: string } | null) => item?.name?.toLowerCase() === name);
    const item = typeof found === 'object' && found !== null ? (found as Record<string, unknown>) : {};
    const field = change.targetField === undefined ? item : item[change.targetField];
    return typeof field === 'object' && field !== null ? field : {};
  }
  const nested = (snapshot.resource as Record<string, unknown>)[change.target];
  return typeof nested === 'object' && nested !== null ? nested : {};
}

/**
 * The resource's values at the places the body writes, nested as the body is: a PATCH of
 * `{ properties: { enableSoftDelete } }` records that one value, not the whole `properties`
 * (which may hold access policies and network rules the change never touches).
 */
function pickShaped(resource: object, body: Record<string, unknown>): Record<string, unknown> {
  const values = resource as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(body).map(([key, written]) => {
      const current = values[key];
      const nested = isPlainRecord(written) && isPlainRecord(current);
      return [key, nested ? pickShaped(current, written) : (current ?? null)];
    }),
  );
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** Reserves a place under the cap for this resource; a resource already remediated in the batch stays in. */
function withinBlastRadius(batch: BatchScope, resourceKey: string): boolean {
  if (batch.remediatedResources.has(resourceKey)) return true;
  if (batch.remediatedResources.size >= batch.cap) return false;
  batch.remediatedResources.add(resourceKey);
  return true;
}
