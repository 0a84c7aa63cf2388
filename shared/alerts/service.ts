/**
 * The alert lifecycle: one open alert per (resource, control); repeats fold into it; a fix,
 * a person's correction or a deletion resolves it. The state record doubles as the outbox:
 * a notification is written to it before any sink is tried, removed only once that sink took
 * it, and retried by the next sweep otherwise, so a sink outage loses nothing and never fails
 * a remediation. Every opened/resolved step and every retry is an `alert` audit record saying
 * where it was delivered and where not.
 */
import { randomUUID } from 'node:crypto';
import type { AuditEntry, AuditStore } from '../audit/record.js';
import { KeyedMutex } from '../concurrency.js';
import { TransientError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Alert, Alerter, ReconcileReport, Resolution, SweepReconciliation } from './alerter.js';
import { alertMessage } from './message.js';
import { AlertConflictError, alertKey, severityRank, type AlertRecord, type AlertStore, type AlertTransition, type Severity, type VersionedAlert } from './record.js';
import { severityOf } from './severity.js';
import type { AlertSink } from './sinks/sink.js';

export interface AlertServiceDeps {
  store: AlertStore;
  /** Every configured sink, the log among them; each takes the severities its `minSeverity` allows. */
  sinks: readonly AlertSink[];
  audit: AuditStore;
  log: Logger;
  /** Per control id or remediator id (config `alerts.severity`). */
  severity?: Readonly<Record<string, Severity>>;
  clock?: () => Date;
}

/** Conditional writes that lose a race are retried after reading again (another instance changed the record). */
const MAX_ATTEMPTS = 5;

export class AlertService implements Alerter {
  private readonly locks = new KeyedMutex();
  private readonly clock: () => Date;
  private readonly sinksByName: ReadonlyMap<string, AlertSink>;

  constructor(private readonly deps: AlertServiceDeps) {
    this.clock = deps.clock ?? (() => new Date());
    this.sinksByName = new Map(deps.sinks.map((sink) => [sink.name, sink]));
    if (this.sinksByName.size !== deps.sinks.length) throw new Error('alert sink names must be unique');
  }

  async raise(alert: Alert): Promise<void> {
    const key = alertKey(alert.resourceId, alert.control);
    const severity = severityOf({ control: alert.control, remediator: alert.remediator, failed: alert.decision === 'failed' }, this.deps.severity ?? {});
    await this.locks.run(key, async () => {
      let opened: AlertRecord | undefined;
      try {
        opened = await this.conditionally(async () => {
          const current = await this.deps.store.get(key);
          const now = this.clock().toISOString();
          if (current?.record.state === 'open') {
            // A repeat while open: count it, keep the latest details, page nobody.
            const folded: AlertRecord = {
              ...current.record,
              ...details(alert),
              occurrences: current.record.occurrences + 1,
              lastSeenAt: now,
              severity: severityRank(severity) > severityRank(current.record.severity) ? severity : current.record.severity,
            };
            await this.deps.store.put(folded, current.etag);
            return undefined;
          }
          const record = this.newRecord(key, alert, severity, now, current?.record.pending ?? []);
          await this.deps.store.put(record, current?.etag ?? null);
          return record;
        });
      } catch (error) {
        if (error instanceof TransientError) throw error;
        // The state store is down: page anyway (without folding) rather than stay silent.
        this.deps.log.error({ err: error, resourceId: alert.resourceId }, 'alert state store unavailable: delivering without lifecycle state');
        await this.deliverStateless(this.newRecord(key, alert, severity, this.clock().toISOString(), []));
        return;
      }
      if (opened !== undefined) await this.flush(key, 'opened');
    });
  }

  async resolve(resolution: Resolution): Promise<void> {
    const resourceKey = resolution.resourceId.toLowerCase();
    let candidates: VersionedAlert[];
    try {
      candidates = await this.deps.store.listUnder(resourceKey);
    } catch (error) {
      // Nothing is lost: the alert stays open and the next sweep resolves it.
      this.deps.log.error({ err: error, resourceId: resolution.resourceId }, 'alert state store unavailable: resolve deferred to the next sweep');
      return;
    }
    for (const { record } of candidates) {
      if (!applies(record, resolution, resourceKey)) continue;
      await this.locks.run(record.key, async () => {
        const closed = await this.conditionally(async () => {
          const current = await this.deps.store.get(record.key);
          if (current === undefined || current.record.state !== 'open' || current.record.alertId !== record.alertId) return false;
          const resolved: AlertRecord = {
            ...current.record,
            state: 'resolved',
            resolvedAt: this.clock().toISOString(),
            resolution: resolution.reason,
            // The close goes wherever the opening went (or is still waiting to go).
            pending: [...current.record.pending, ...current.record.sinks.map((sink) => ({ transition: 'resolved' as const, sink, attempts: 0 }))],
          };
          await this.deps.store.put(resolved, current.etag);
          return true;
        });
        if (closed) await this.flush(record.key, 'resolved');
      });
    }
  }

  async hasOpenUnder(resourceId: string): Promise<boolean> {
    try {
      return (await this.deps.store.listUnder(resourceId.toLowerCase())).some(({ record }) => record.state === 'open');
    } catch (error) {
      this.deps.log.error({ err: error, resourceId }, 'alert state store unavailable: resolve deferred to the next sweep');
      return false;
    }
  }

  async reconcile(sweep: SweepReconciliation): Promise<ReconcileReport> {
    const report: ReconcileReport = { resolved: 0, redelivered: 0, stillPending: 0 };
    const all = await this.deps.store.listAll();
    for (const { record } of all) {
      if (record.state === 'open' && sweep.subscriptions.has(record.subscriptionId) && !sweep.seen.has(record.resourceId.toLowerCase())) {
        if (sweep.confirmGone !== undefined && !(await sweep.confirmGone(record.resourceId))) continue;
        await this.resolve({ resourceId: record.resourceId, reason: 'the resource no longer exists (not listed by the sweep)' });
        report.resolved += 1;
      }
    }
    for (const { record } of await this.deps.store.listAll()) {
      if (record.pending.length === 0) continue;
      const left = await this.locks.run(record.key, () => this.flush(record.key, 'redelivery'));
      report.redelivered += record.pending.length - left;
      report.stillPending += left;
    }
    return report;
  }

  private newRecord(key: string, alert: Alert, severity: Severity, now: string, carried: AlertRecord['pending']): AlertRecord {
    const id = alert.resourceId.split('/');
    const resourceGroupIndex = id.findIndex((part) => part.toLowerCase() === 'resourcegroups');
    const sinks = this.deps.sinks.filter((sink) => severityRank(severity) >= severityRank(sink.minSeverity)).map((sink) => sink.name);
    return {
      key,
      alertId: randomUUID(),
      state: 'open',
      resourceId: alert.resourceId,
      subscriptionId: (id[2] ?? '').toLowerCase(),
      ...(resourceGroupIndex > 0 && id[resourceGroupIndex + 1] !== undefined ? { resourceGroup: id[resourceGroupIndex + 1] } : {}),
      remediator: alert.remediator,
      control: alert.control,
      citation: alert.citation,
      severity,
      openedAt: now,
      lastSeenAt: now,
      occurrences: 1,
      ...details(alert),
      sinks,
      // Notifications of an earlier alert on this key that never went out still go first.
      pending: [...carried, ...sinks.map((sink) => ({ transition: 'opened' as const, sink, attempts: 0 }))],
    };
  }

  /**
   * Tries every pending notification of one record in order, then writes back what is left (or
   * drops a resolved record with nothing left). Caller holds the key's lock. Returns how many are left.
   */
  private async flush(key: string, step: AlertTransition | 'redelivery'): Promise<number> {
    const current = await this.deps.store.get(key);
    if (current === undefined || current.record.pending.length === 0) return 0;
    const { record } = current;
    const delivered: string[] = [];
    const failed: { sink: string; error: string }[] = [];
    /** `<sink>:<transition>` → undefined when delivered (or dropped), the error otherwise. */
    const outcomes = new Map<string, string | undefined>();
    const blocked = new Set<string>();
    for (const pending of record.pending) {
      const id = `${pending.sink}:${pending.transition}`;
      const sink = this.sinksByName.get(pending.sink);
      if (sink === undefined) {
        // A sink removed from the config since: nothing to retry against; say so once, in the audit.
        failed.push({ sink: pending.sink, error: 'sink no longer configured: dropped' });
        outcomes.set(id, undefined);
        continue;
      }
      // Later notifications to a sink wait for its earlier ones: a receiver must not see resolved before opened.
      if (blocked.has(pending.sink)) continue;
      try {
        await sink.deliver(alertMessage(record, pending.transition));
        delivered.push(id);
        outcomes.set(id, undefined);
      } catch (error) {
        const reason = (error instanceof Error ? error.message : String(error)).slice(0, 500);
        failed.push({ sink: pending.sink, error: reason });
        outcomes.set(id, reason);
        blocked.add(pending.sink);
      }
    }
    let left = 0;
    try {
      // Another instance may have folded into the record meanwhile: merge our outcomes into what is there now.
      left = await this.conditionally(async () => {
        const latest = await this.deps.store.get(key);
        if (latest === undefined) return 0;
        const now = this.clock().toISOString();
        const remaining = latest.record.pending.flatMap((pending) => {
          const id = `${pending.sink}:${pending.transition}`;
          if (!outcomes.has(id)) return [pending];
          const error = outcomes.get(id);
          return error === undefined ? [] : [{ ...pending, attempts: pending.attempts + 1, lastError: error, lastAttemptAt: now }];
        });
        if (latest.record.state === 'resolved' && remaining.length === 0) await this.deps.store.delete(key, latest.etag);
        else await this.deps.store.put({ ...latest.record, pending: remaining }, latest.etag);
        return remaining.length;
      });
    } catch (error) {
      // Delivered but not marked: the next sweep may send a duplicate (receivers dedupe on the stable id).
      this.deps.log.error({ err: error, alertId: record.alertId }, 'alert delivery state could not be saved; a duplicate notification may follow');
      left = record.pending.length;
    }
    if (failed.length > 0) this.deps.log.warn({ alertId: record.alertId, failed }, 'alert delivery failed; kept pending for the next sweep');
    await this.audit(record, step, delivered, failed);
    return left;
  }

  private async deliverStateless(record: AlertRecord): Promise<void> {
    const delivered: string[] = [];
    const failed: { sink: string; error: string }[] = [];
    for (const name of record.sinks) {
      try {
        await this.sinksByName.get(name)?.deliver(alertMessage(record, 'opened'));
        delivered.push(`${name}:opened`);
      } catch (error) {
        failed.push({ sink: name, error: `${(error instanceof Error ? error.message : String(error)).slice(0, 400)} (state store unavailable: not kept for retry; the next sweep raises it again)` });
      }
    }
    await this.audit(record, 'opened', delivered, failed);
  }

  private async audit(record: AlertRecord, step: AlertTransition | 'redelivery', delivered: string[], failed: { sink: string; error: string }[]): Promise<void> {
    const entry: AuditEntry = {
      kind: 'alert',
      resourceId: record.resourceId,
      remediator: record.remediator,
      control: record.control,
      citation: record.citation,
      reason: step === 'resolved' ? (record.resolution ?? 'resolved') : record.reason,
      alert: { alertId: record.alertId, transition: step, severity: record.severity, delivered, failed },
    };
    try {
      await this.deps.audit.append(entry);
    } catch (error) {
      throw new TransientError(`audit store unavailable: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }

  private async conditionally<T>(attempt: () => Promise<T>): Promise<T> {
    for (let round = 1; ; round++) {
      try {
        return await attempt();
      } catch (error) {
        if (!(error instanceof AlertConflictError) || round >= MAX_ATTEMPTS) throw error;
      }
    }
  }
}

function details(alert: Alert): Pick<AlertRecord, 'reason' | 'findings' | 'plannedChanges' | 'actor' | 'auditSeq'> {
  return {
    reason: alert.reason,
    findings: alert.findings.map(({ property, actual, expected, message }) => ({ property, actual, expected, message })),
    plannedChanges: [...alert.plannedChanges],
    ...(alert.actor === undefined ? {} : { actor: idsOnly(alert.actor) }),
    ...(alert.auditSeq === undefined ? {} : { auditSeq: alert.auditSeq }),
  };
}

function idsOnly(actor: NonNullable<Alert['actor']>): NonNullable<AlertRecord['actor']> {
  return {
    ...(actor.objectId === undefined ? {} : { objectId: actor.objectId }),
    ...(actor.appId === undefined ? {} : { appId: actor.appId }),
    ...(actor.principalType === undefined ? {} : { principalType: actor.principalType }),
  };
}

/** A remediator's verdict closes its own alerts on that resource; a deletion closes everything on and under it. */
function applies(record: AlertRecord, resolution: Resolution, resourceKey: string): boolean {
  if (record.state !== 'open') return false;
  if (resolution.remediator === undefined) return true;
  return record.remediator === resolution.remediator && record.resourceId.toLowerCase() === resourceKey && record.control !== resolution.stillOpen;
}
