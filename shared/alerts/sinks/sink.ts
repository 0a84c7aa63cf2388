import type { AlertMessage } from '../message.js';
import type { Severity } from '../record.js';

/**
 * One destination for alerts. `deliver` makes its own bounded retries and then throws: the
 * alert service keeps what did not go through and tries again later (the next sweep).
 */
export interface AlertSink {
  /** Unique among the configured sinks; recorded in the audit and in pending deliveries. */
  readonly name: string;
  /** Alerts below this severity are not sent here (routing per severity). */
  readonly minSeverity: Severity;
  deliver(message: AlertMessage): Promise<void>;
}
