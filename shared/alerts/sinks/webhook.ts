/**
 * Alerts POSTed to an HTTPS webhook: the documented JSON body (`AlertMessage`), or a Teams
 * (Adaptive Card) / Slack (blocks) message for chat channels. Each request is signed so the
 * receiver can tell it came from us and is fresh:
 *
 *   X-Hipaa-Remediator-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * (the timestamp inside the MAC defeats replays; receivers should reject |now - t| > 5 min).
 * Retries 408/429/5xx and network errors with backoff; other answers are final.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { request } from 'node:https';
import { alertText, type AlertMessage } from '../message.js';
import type { Severity } from '../record.js';
import type { AlertSink } from './sink.js';

export const SIGNATURE_HEADER = 'x-hipaa-remediator-signature';

export type WebhookFormat = 'json' | 'teams' | 'slack';

export interface WebhookSinkOptions {
  name: string;
  minSeverity: Severity;
  /** HTTPS only: alerts describe PHI systems. Treated as a secret (chat webhook URLs carry tokens). */
  url: string;
  format: WebhookFormat;
  /** HMAC key; required for the JSON format, whose receivers must verify. */
  secret?: string;
  attempts?: number;
  initialBackoffMs?: number;
  timeoutMs?: number;
  /** Extra CA to trust (a test receiver's certificate). */
  ca?: string;
}

export class WebhookSink implements AlertSink {
  readonly name: string;
  readonly minSeverity: Severity;
  private readonly url: URL;

  constructor(private readonly options: WebhookSinkOptions) {
    this.name = options.name;
    this.minSeverity = options.minSeverity;
    this.url = new URL(options.url);
    if (this.url.protocol !== 'https:') throw new Error(`alert webhook ${options.name}: only https URLs are allowed`);
    if (options.format === 'json' && (options.secret === undefined || options.secret.length < 16)) {
      throw new Error(`alert webhook ${options.name}: the json format needs a signing secret of at least 16 characters`);
    }
  }

  async deliver(message: AlertMessage): Promise<void> {
    const body = JSON.stringify(renderWebhookBody(message, this.options.format));
    const attempts = this.options.attempts ?? 3;
    let lastError = 'not attempted';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const outcome = await this.post(body, message);
      if (outcome.ok) return;
      lastError = outcome.error;
      if (!outcome.retryable) break;
      if (attempt < attempts) await sleep((this.options.initialBackoffMs ?? 250) * 4 ** (attempt - 1));
    }
    throw new Error(`webhook ${this.name}: ${lastError}`);
  }

  private post(body: string, message: AlertMessage): Promise<{ ok: true } | { ok: false; retryable: boolean; error: string }> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'user-agent': 'hipaa-remediator',
      'x-hipaa-remediator-transition': message.transition,
      // Stable per alert and transition, so a receiver can drop a redelivery it already has.
      'x-hipaa-remediator-delivery': `${message.alertId}.${message.transition}`,
    };
    if (this.options.secret !== undefined) headers[SIGNATURE_HEADER] = signWebhookBody(this.options.secret, body);
    return new Promise((resolve) => {
      const req = request(this.url, { method: 'POST', headers, timeout: this.options.timeoutMs ?? 5_000, ...(this.options.ca === undefined ? {} : { ca: this.options.ca }) }, (response) => {
        response.resume();
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve({ ok: true });
        else resolve({ ok: false, retryable: status === 408 || status === 429 || status >= 500, error: `answered ${status}` });
      });
      // Errors name the failure, never the URL (it may carry a token).
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (error: NodeJS.ErrnoException) => resolve({ ok: false, retryable: true, error: error.code ?? error.message }));
      req.end(body);
    });
  }
}

export function signWebhookBody(secret: string, body: string, now: Date = new Date()): string {
  const timestamp = Math.floor(now.getTime() / 1000);
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** For receivers (and our tests): true when the header signs this exact body within the tolerance. */
export function verifyWebhookSignature(secret: string, header: string | undefined, body: string, now: Date = new Date(), toleranceSeconds = 300): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (match === null) return false;
  const [, timestamp, mac] = match as unknown as [string, string, string];
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(mac, 'hex'));
}

export function renderWebhookBody(message: AlertMessage, format: WebhookFormat): unknown {
  if (format === 'json') return message;
  const facts = [
    ['Severity', message.severity],
    ['Resource', message.resourceId],
    ['Control', `${message.controlTitle} — ${message.citation}`],
    ['Remediator', message.remediator],
    ['Why', message.reason],
    ...(message.actor?.objectId === undefined ? [] : [['Changed by (object id)', message.actor.objectId]]),
    ['Occurrences', String(message.occurrences)],
    ...(message.auditSeq === undefined ? [] : [['Audit record', `#${message.auditSeq}`]]),
  ] as const;
  if (format === 'teams') {
    return {
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          content: {
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            type: 'AdaptiveCard',
            version: '1.4',
            body: [
              { type: 'TextBlock', text: message.title, weight: 'Bolder', size: 'Medium', wrap: true, color: message.transition === 'resolved' ? 'Good' : message.severity === 'high' ? 'Attention' : 'Warning' },
              { type: 'FactSet', facts: facts.map(([title, value]) => ({ title, value })) },
              ...message.findings.map((f) => ({ type: 'TextBlock', text: `• ${f.message}`, wrap: true })),
              { type: 'TextBlock', text: `Action: ${message.action}`, wrap: true },
              ...(message.transition === 'opened' ? [{ type: 'TextBlock', text: `Toggle: ${message.toggle}`, wrap: true, fontType: 'Monospace' }] : []),
            ],
          },
        },
      ],
    };
  }
  return {
    text: message.title,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: message.title.slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: alertText(message).slice(0, 2900) } },
    ],
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
