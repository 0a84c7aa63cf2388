/**
 * What on-call staff receive and how sinks are configured: message content, chat renderings,
 * severity, signing, and the configuration's refusals (secrets only by variable name).
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { alertMessage, alertText } from '../../../shared/alerts/message.js';
import type { AlertRecord } from '../../../shared/alerts/record.js';
import { severityOf } from '../../../shared/alerts/severity.js';
import { configuredSinks } from '../../../shared/alerts/sinks/configured.js';
import { renderWebhookBody, signWebhookBody, verifyWebhookSignature, WebhookSink } from '../../../shared/alerts/sinks/webhook.js';
import { buildConfig, ConfigError } from '../../../shared/config.js';
import { createLogger } from '../../../shared/log.js';
import { sandboxCredential } from '../../../sandbox/index.js';

const RESOURCE = '/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg-research/providers/Microsoft.Storage/storageAccounts/stresearchexp01';

function record(overrides: Partial<AlertRecord> = {}): AlertRecord {
  return {
    key: `${RESOURCE.toLowerCase()}|access-control`,
    alertId: '7d5c3a1e-2b4f-4c6d-8e9f-0a1b2c3d4e5f',
    state: 'open',
    resourceId: RESOURCE,
    subscriptionId: '11111111-2222-4333-8444-555555555555',
    resourceGroup: 'rg-research',
    remediator: 'storage-public-access',
    control: 'access-control',
    citation: '45 CFR 164.312(a)(1)',
    severity: 'high',
    openedAt: '2026-12-01T03:00:00.000Z',
    lastSeenAt: '2026-12-01T03:05:00.000Z',
    occurrences: 3,
    reason: 'mode alert (resource-group)',
    findings: [{ property: 'properties.allowBlobPublicAccess', actual: true, expected: false, message: 'account allows anonymous public blob access' }],
    plannedChanges: [{ operation: 'storageAccounts.update', method: 'PATCH', body: { allowBlobPublicAccess: false } }],
    actor: { objectId: '4b8d2f6a-1c3e-45a7-b9d0-e2f4a6c8b1d3', principalType: 'User' },
    auditSeq: 66,
    sinks: ['log'],
    pending: [],
    ...overrides,
  };
}

describe('alert messages', () => {
  it('say what, where, which control, who, what the service would do, how to fix and how to toggle', () => {
    const message = alertMessage(record(), 'opened');
    expect(message).toMatchObject({
      schema: 'hipaa-remediator.alert/1',
      title: 'HIGH: Access control (45 CFR 164.312(a)(1)) — stresearchexp01 in rg-research',
      controlTitle: 'Access control',
      occurrences: 3,
      actor: { objectId: '4b8d2f6a-1c3e-45a7-b9d0-e2f4a6c8b1d3' },
      toggle: 'hipaa-remediator modes set storage-public-access <off|alert|remediate> --subscription 11111111-2222-4333-8444-555555555555 --resource-group rg-research --reason "<why>"',
    });
    expect(message.action).toBe(
      'Set properties.allowBlobPublicAccess: true → false. The service has the fix planned (see plannedChanges) and applies it in remediate mode. If the change was intended, record the exception by switching the remediator for this resource group (see toggle).',
    );
    expect(alertText(message)).toContain('Changed by object id 4b8d2f6a-1c3e-45a7-b9d0-e2f4a6c8b1d3 (User)');
    const resolved = alertMessage(record({ state: 'resolved', resolvedAt: '2026-12-01T03:09:00.000Z', resolution: 'compliant again' }), 'resolved');
    expect(resolved).toMatchObject({ title: 'Resolved: Access control — stresearchexp01 in rg-research', action: 'none: the resource is compliant again or gone', resolution: 'compliant again' });
  });

  it('render as a Teams Adaptive Card and as Slack blocks', () => {
    const message = alertMessage(record(), 'opened');
    const teams = renderWebhookBody(message, 'teams') as { type: string; attachments: { contentType: string; content: { type: string; body: { type: string; text?: string; facts?: { title: string; value: string }[] }[] } }[] };
    expect(teams.type).toBe('message');
    expect(teams.attachments[0]?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    const card = teams.attachments[0]?.content;
    expect(card?.type).toBe('AdaptiveCard');
    expect(card?.body[0]?.text).toBe(message.title);
    expect(card?.body.find((b) => b.type === 'FactSet')?.facts).toContainEqual({ title: 'Resource', value: RESOURCE });
    const slack = renderWebhookBody(message, 'slack') as { text: string; blocks: { type: string; text: { text: string } }[] };
    expect(slack.text).toBe(message.title);
    expect(slack.blocks[1]?.text.text).toContain('Toggle: hipaa-remediator modes set storage-public-access');
  });
});

describe('severity', () => {
  it('comes from the control, can be overridden per control or remediator, and a failed remediation is high', () => {
    expect(severityOf({ control: 'access-control', remediator: 'storage-public-access', failed: false }, {})).toBe('high');
    expect(severityOf({ control: 'transmission-security', remediator: 'storage-secure-transfer', failed: false }, {})).toBe('medium');
    expect(severityOf({ control: 'transmission-security', remediator: 'storage-secure-transfer', failed: true }, {})).toBe('high');
    expect(severityOf({ control: 'access-control', remediator: 'storage-public-access', failed: false }, { 'access-control': 'low' })).toBe('low');
    expect(severityOf({ control: 'access-control', remediator: 'storage-public-access', failed: false }, { 'access-control': 'low', 'storage-public-access': 'medium' })).toBe('medium');
  });
});

describe('webhook signing', () => {
  it('signs timestamp and body; a changed body, another secret or an old timestamp fails verification', () => {
    const body = '{"a":1}';
    const now = new Date('2026-12-01T03:00:00Z');
    const header = signWebhookBody('s3cret-s3cret-s3cret', body, now);
    expect(header).toMatch(/^t=1796094000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature('s3cret-s3cret-s3cret', header, body, now)).toBe(true);
    expect(verifyWebhookSignature('s3cret-s3cret-s3cret', header, '{"a":2}', now)).toBe(false);
    expect(verifyWebhookSignature('another-secret-value', header, body, now)).toBe(false);
    expect(verifyWebhookSignature('s3cret-s3cret-s3cret', header, body, new Date(now.getTime() + 301_000))).toBe(false);
    expect(verifyWebhookSignature('s3cret-s3cret-s3cret', undefined, body, now)).toBe(false);
  });

  it('refuses plain http and an unsigned json webhook', () => {
    expect(() => new WebhookSink({ name: 'x', minSeverity: 'low', url: 'http://example.test/hook', format: 'json', secret: 'long-enough-secret-123' })).toThrow(/only https/);
    expect(() => new WebhookSink({ name: 'x', minSeverity: 'low', url: 'https://example.test/hook', format: 'json' })).toThrow(/signing secret/);
    expect(() => new WebhookSink({ name: 'x', minSeverity: 'low', url: 'https://example.test/hook', format: 'teams' })).not.toThrow();
  });
});

describe('alert configuration', () => {
  const log = createLogger({ level: 'silent' });
  const credential = () => sandboxCredential({ objectId: '00000000-0000-4000-8000-000000000001', appId: '00000000-0000-4000-8000-000000000002', principalType: 'ServicePrincipal' });
  const withSinks = (sinks: unknown[]) => buildConfig({ alerts: { sinks } }, {});

  it('builds the log plus the named sinks, secrets read from the variables the config names', () => {
    const config = withSinks([
      { type: 'eventGrid', name: 'oncall-topic', endpoint: 'https://alerts.eastus2-1.eventgrid.azure.net/api/events' },
      { type: 'webhook', name: 'pager', urlEnv: 'PAGER_URL', secretEnv: 'PAGER_SECRET', minSeverity: 'high' },
      { type: 'webhook', name: 'teams', urlEnv: 'TEAMS_URL', format: 'teams' },
    ]);
    const sinks = configuredSinks(config.alerts.sinks, { env: { PAGER_URL: 'https://pager.example.test/h', PAGER_SECRET: 'pager-signing-secret-1', TEAMS_URL: 'https://teams.example.test/h' }, log, credential });
    expect(sinks.map((s) => [s.name, s.minSeverity])).toEqual([
      ['log', 'low'],
      ['oncall-topic', 'low'],
      ['pager', 'high'],
      ['teams', 'medium'],
    ]);
  });

  it('adds the deployment alerts topic (managed identity) from HIPAA_REMEDIATOR_ALERT_TOPIC_ENDPOINT', () => {
    const sinks = configuredSinks([], { env: { HIPAA_REMEDIATOR_ALERT_TOPIC_ENDPOINT: 'https://alerts.eastus2-1.eventgrid.azure.net/api/events' }, log, credential });
    expect(sinks.map((s) => s.name)).toEqual(['log', 'alert-topic']);
    expect(() => configuredSinks([], { env: { HIPAA_REMEDIATOR_ALERT_TOPIC_ENDPOINT: 'http://x.test/api/events' }, log, credential })).toThrow(ConfigError);
  });

  it('refuses a missing secret variable, duplicate or reserved names, secrets in the file, http topics and unknown severity keys', () => {
    const webhook = { type: 'webhook', name: 'pager', urlEnv: 'PAGER_URL', secretEnv: 'PAGER_SECRET' };
    expect(() => configuredSinks(withSinks([webhook]).alerts.sinks, { env: { PAGER_URL: 'https://pager.example.test/h' }, log, credential })).toThrow(ConfigError);
    expect(() => configuredSinks(withSinks([webhook]).alerts.sinks, { env: { PAGER_URL: 'https://pager.example.test/h' }, log, credential })).toThrow(/PAGER_SECRET is not set/);
    expect(() => withSinks([webhook, webhook])).toThrow(/duplicate sink name "pager"/);
    expect(() => withSinks([{ ...webhook, name: 'log' }])).toThrow(/duplicate sink name "log"/);
    expect(() => withSinks([{ type: 'webhook', name: 'pager', url: 'https://pager.example.test/h?token=abc', urlEnv: 'X' }])).toThrow(ConfigError);
    expect(() => withSinks([{ type: 'eventGrid', name: 't', endpoint: 'http://alerts.example.test/api/events' }])).toThrow(ConfigError);
    expect(() => buildConfig({ alerts: { severity: { 'Access Control!': 'high' } } }, {})).toThrow(/neither a control id nor a remediator id/);
  });

  it('never puts a webhook URL or signing secret in a log line or an error', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', destination: new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) }) });
    const sink = new WebhookSink({ name: 'pager', minSeverity: 'low', url: 'https://127.0.0.1:1/hook?token=CANARYTOKEN', format: 'json', secret: 'CANARYSECRET-0123456789', attempts: 1 });
    const error = await sink.deliver(alertMessage(record(), 'opened')).catch((e: unknown) => e as Error);
    logger.warn({ err: error }, 'delivery failed');
    expect(String(error)).not.toMatch(/CANARYTOKEN|CANARYSECRET/);
    expect(lines.join('')).not.toMatch(/CANARYTOKEN|CANARYSECRET/);
    expect(String(error)).toMatch(/webhook pager: ECONNREFUSED/);
  });
});
