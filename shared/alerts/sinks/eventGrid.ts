/**
 * Alerts as CloudEvents 1.0 on an Event Grid custom topic, with the real `@azure/eventgrid`
 * publisher. On-call teams route them with event subscriptions (Logic Apps, Teams, PagerDuty),
 * filtering on `type` (`com.hipaa-remediator.finding.opened` / `.resolved`) and `data.severity`.
 */
import type { KeyCredential, SASCredential, TokenCredential } from '@azure/core-auth';
import type { EventGridPublisherClient } from '@azure/eventgrid';
import type { AlertMessage } from '../message.js';
import type { Severity } from '../record.js';
import type { AlertSink } from './sink.js';

export const ALERT_EVENT_SOURCE = '/hipaa-remediator';

export function alertEventType(transition: AlertMessage['transition']): string {
  return `com.hipaa-remediator.finding.${transition}`;
}

export interface EventGridSinkOptions {
  name: string;
  minSeverity: Severity;
  /** The topic endpoint, e.g. `https://<topic>.<region>-1.eventgrid.azure.net/api/events`. */
  endpoint: string;
  /** Access key / SAS, or Entra ID (managed identity with "EventGrid Data Sender" on the topic). */
  credential: KeyCredential | SASCredential | TokenCredential;
  /** Extra CA to trust (the sandbox's topic). */
  ca?: string;
  maxRetries?: number;
}

export class EventGridSink implements AlertSink {
  readonly name: string;
  readonly minSeverity: Severity;
  private client: Promise<EventGridPublisherClient<'CloudEvent'>> | undefined;

  constructor(private readonly options: EventGridSinkOptions) {
    this.name = options.name;
    this.minSeverity = options.minSeverity;
  }

  async deliver(message: AlertMessage): Promise<void> {
    const client = await this.publisher();
    await client.send([
      {
        type: alertEventType(message.transition),
        source: ALERT_EVENT_SOURCE,
        // Stable per alert and transition: a redelivery after a lost response is recognisably the same event.
        id: `${message.alertId}.${message.transition}`,
        subject: message.resourceId,
        time: new Date(message.transition === 'opened' ? message.openedAt : (message.resolvedAt ?? message.lastSeenAt)),
        datacontenttype: 'application/json',
        data: message,
      },
    ]);
  }

  /** Loaded on first use: most invocations raise no alert, and cold start pays for every import. */
  private publisher(): Promise<EventGridPublisherClient<'CloudEvent'>> {
    this.client ??= import('@azure/eventgrid').then(
      ({ EventGridPublisherClient: Client }) =>
        new Client(this.options.endpoint, 'CloudEvent', this.options.credential, {
          retryOptions: { maxRetries: this.options.maxRetries ?? 3, maxRetryDelayInMs: 5_000 },
          ...(this.options.ca === undefined ? {} : { tlsOptions: { ca: this.options.ca } }),
        }),
    );
    return this.client;
  }
}
