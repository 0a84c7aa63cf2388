/**
 * Port for raising findings to on-call staff, and closing them again. The pipeline calls it;
 * `AlertService` (service.ts) implements it with a state store and sinks.
 */

export interface Alert {
  eventId?: string;
  resourceId: string;
  remediator: string;
  control: string;
  citation: string;
  /** 'failed': a remediation was attempted and did not hold; 'alerted': not (yet) ours to fix. */
  decision: 'alerted' | 'failed';
  /** Why an alert and not a fix: mode 'alert', dry run, a protected principal, a failed remediation. */
  reason: string;
  findings: readonly { property: string; actual: unknown; expected: unknown; message: string }[];
  /** What the service would do (or tried to do). */
  plannedChanges: readonly unknown[];
  actor?: { objectId?: string; appId?: string; principalType?: string };
  auditSeq?: number;
}

export interface Resolution {
  resourceId: string;
  /** Only this remediator's alerts (a compliant verdict speaks for its own controls); absent: every alert on the resource and under it (deleted). */
  remediator?: string;
  /** Keep this control open (the remediator still reports it; its other controls are resolved). */
  stillOpen?: string;
  reason: string;
}

export interface SweepReconciliation {
  /** Subscriptions the sweep listed completely. */
  subscriptions: ReadonlySet<string>;
  /** Lower-case ids of every resource it listed. */
  seen: ReadonlySet<string>;
  /**
   * Asks ARM whether an unlisted resource is really gone: a listing that can lag (Resource
   * Graph) must not close an alert on a resource it has not indexed yet. Absent: unlisted is gone.
   */
  confirmGone?: (resourceId: string) => Promise<boolean>;
}

export interface ReconcileReport {
  resolved: number;
  redelivered: number;
  stillPending: number;
}

export interface Alerter {
  /** Opens an alert, or folds a repeat into the open one. Never throws for a sink outage. */
  raise(alert: Alert): Promise<void>;
  /** The resource is compliant again (fixed by us or by a person) or gone: notify the close. */
  resolve(resolution: Resolution): Promise<void>;
  /** Whether any alert is open on the resource or under it (a delete event costs an ARM read only then). */
  hasOpenUnder(resourceId: string): Promise<boolean>;
  /** After a sweep: alerts on resources it no longer saw are resolved, and pending deliveries retried. */
  reconcile(sweep: SweepReconciliation): Promise<ReconcileReport>;
}
