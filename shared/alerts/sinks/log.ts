import type { Logger } from '../../log.js';
import { alertText, type AlertMessage } from '../message.js';
import type { AlertSink } from './sink.js';

/** The always-on baseline: every alert at every severity, as one warn line (resolved: info). */
export class LogSink implements AlertSink {
  readonly name = 'log';
  readonly minSeverity = 'low' as const;

  constructor(private readonly log: Logger) {}

  deliver(message: AlertMessage): Promise<void> {
    const line = `ALERT ${message.transition} ${message.severity} ${message.remediator} ${message.citation} ${message.resourceId}: ${message.reason}`;
    if (message.transition === 'opened') this.log.warn({ alert: message, text: alertText(message) }, line);
    else this.log.info({ alert: message }, line);
    return Promise.resolve();
  }
}
