/**
 * Port for raising findings to on-call staff. The log sink is the always-on baseline; Event
 * Grid / webhook sinks, dedup and resolve come with the alerts work and implement this port.
 */
import type { Logger } from './log.js';

export interface Alert {
  eventId?: string;
  resourceId: string;
  remediator: string;
  control: string;
  citation: string;
  /** Why an alert and not a fix: mode 'alert', dry run, or a failed remediation. */
  reason: string;
  findings: readonly { property: string; actual: unknown; expected: unknown; message: string }[];
  /** What the service would do (or tried to do). */
  plannedChanges: readonly unknown[];
  actor?: { objectId?: string; appId?: string; principalType?: string };
  auditSeq?: number;
}

export interface Alerter {
  /** Must not throw for a sink outage: delivery failures are the alerter's to record and retry. */
  raise(alert: Alert): Promise<void>;
}

export class LogAlerter implements Alerter {
  constructor(private readonly log: Logger) {}

  raise(alert: Alert): Promise<void> {
    this.log.warn({ alert }, `ALERT ${alert.remediator} ${alert.citation} ${alert.resourceId}: ${alert.reason}`);
    return Promise.resolve();
  }
}
