/**
 * Alerts end to end: the pipeline against the sandbox, the real EventGridPublisherClient
 * publishing to the sandbox's custom topic, and a real local HTTPS webhook receiver that
 * checks the HMAC itself. Open → fold → resolve, outage and recovery, severity routing,
 * deletion and the sweep's reconciliation.
 */
import { writeFile } from 'node:fs/promises';
import { AzureKeyCredential } from '@azure/core-auth';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSandboxState } from '../../../sandbox/index.js';
import { FileAlertStore } from '../../../shared/alerts/fileStore.js';
import type { AlertMessage } from '../../../shared/alerts/message.js';
import { EventGridSink } from '../../../shared/alerts/sinks/eventGrid.js';
import { WebhookSink } from '../../../shared/alerts/sinks/webhook.js';
import { startAlertReceiver, type AlertReceiver } from '../../helpers/alertReceiver.js';
import { armWriteEvent, OK02, PRESCRIPTIONS, RX01 } from '../../helpers/events.js';
import { sharedPath } from '../../helpers/fixtures.js';
import { startWorld, type World } from '../../helpers/world.js';
import { storageClient } from '../../sandbox/helpers.js';

const SECRET = 'test-signing-secret-0123456789';
const ALERT_MODE = { modes: { 'storage-public-access': 'alert', 'storage-secure-transfer': 'alert' } };

let world: World | undefined;
let receiver: AlertReceiver | undefined;
afterEach(async () => {
  await world?.close();
  await receiver?.close();
  world = undefined;
  receiver = undefined;
});

const exampleState = () => loadSandboxState(sharedPath('examples', 'storage-state.json'));
const topicSink = (sandbox: World['sandbox']) =>
  new EventGridSink({ name: 'oncall-topic', minSeverity: 'low', endpoint: sandbox.topicEndpoint, credential: new AzureKeyCredential(sandbox.topicKey), ca: sandbox.ca, maxRetries: 0 });
const pagerSink = (r: AlertReceiver) => new WebhookSink({ name: 'pager', minSeverity: 'high', url: r.url, format: 'json', secret: SECRET, ca: r.ca, attempts: 2, initialBackoffMs: 10 });
const alertRecords = async (w: World) => (await w.audit()).filter((r) => r.kind === 'alert');

describe('alert lifecycle', () => {
  it('opens once, folds repeats, resolves when a person fixes it: CloudEvents on the topic through the real publisher', async () => {
    world = await startWorld(await exampleState(), ALERT_MODE, { alertSinks: (sandbox) => [topicSink(sandbox)] });
    const w = world;
    await w.runtime.pipeline.processBatch([armWriteEvent(PRESCRIPTIONS, { id: 'e1' })]);
    await w.runtime.pipeline.processBatch([armWriteEvent(PRESCRIPTIONS, { id: 'e2' })]);

    const opened = w.sandbox.topic.received.filter((r) => r.schema === 'CloudEventSchemaV1_0');
    expect(opened).toHaveLength(1);
    expect(opened[0]?.event).toMatchObject({ type: 'com.hipaa-remediator.finding.opened', source: '/hipaa-remediator', subject: PRESCRIPTIONS, specversion: '1.0' });
    expect(opened[0]?.event.data).toMatchObject({ severity: 'high', control: 'access-control', citation: '45 CFR 164.312(a)(1)', remediator: 'storage-public-access', resourceGroup: 'rg-pharmacy', occurrences: 1 });
    // The fold is kept in the state, which survives a restart (a fresh store over the same file).
    const stored = await new FileAlertStore(`${w.home}/alerts.json`).listAll();
    expect(stored.map((s) => [s.record.state, s.record.occurrences])).toEqual([['open', 2]]);

    await storageClient(w.sandbox).blobContainers.update('rg-pharmacy', 'stpharmacyok02', 'prescriptions', { publicAccess: 'None' });
    const { results } = await w.runtime.pipeline.processBatch([armWriteEvent(PRESCRIPTIONS, { id: 'e3' })]);
    expect(results[0]?.decision).toBe('compliant');
    const events = w.sandbox.topic.received.map((r) => r.event as { type: string; data: { alertId: string; resolution?: string } });
    expect(events.map((e) => e.type)).toEqual(['com.hipaa-remediator.finding.opened', 'com.hipaa-remediator.finding.resolved']);
    expect(events[1]?.data.alertId).toBe(events[0]?.data.alertId);
    expect(events[1]?.data.resolution).toBe('compliant again');
    expect(await new FileAlertStore(`${w.home}/alerts.json`).listAll()).toEqual([]);
    const audited = await alertRecords(w);
    expect(audited.map((r) => [r.alert?.transition, r.alert?.delivered])).toEqual([
      ['opened', ['log:opened', 'oncall-topic:opened']],
      ['resolved', ['log:resolved', 'oncall-topic:resolved']],
    ]);
  });

  it('a webhook outage loses nothing: the decision stands, the failure is audited, the next sweep delivers; the receiver verifies the HMAC', async () => {
    receiver = await startAlertReceiver(SECRET);
    const r = receiver;
    r.answer(503);
    world = await startWorld(await exampleState(), ALERT_MODE, { alertSinks: () => [pagerSink(r)] });
    const w = world;
    const { results } = await w.runtime.pipeline.processBatch([armWriteEvent(PRESCRIPTIONS)]);
    expect(results[0]).toMatchObject({ decision: 'alerted' });
    expect(r.requests).toHaveLength(2); // the sink's own two attempts
    expect(r.accepted()).toHaveLength(0);
    const failedRecord = (await alertRecords(w)).at(-1);
    expect(failedRecord?.alert).toMatchObject({ transition: 'opened', delivered: ['log:opened'], failed: [{ sink: 'pager', error: 'webhook pager: answered 503' }] });
    const pending = (await w.runtime.alertStore.listAll())[0]?.record.pending;
    expect(pending).toMatchObject([{ sink: 'pager', transition: 'opened', attempts: 1, lastError: 'webhook pager: answered 503' }]);

    r.answer(200);
    const swept = await w.runtime.pipeline.sweep('after-outage');
    expect(swept.alerts).toMatchObject({ redelivered: 1, stillPending: 0 });
    // The sweep also opens alerts for the state's other findings; this one arrives exactly once.
    const delivered = r.accepted().filter((x) => x.body['resourceId'] === PRESCRIPTIONS);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]?.signatureValid).toBe(true);
    expect(delivered[0]?.headers['x-hipaa-remediator-delivery']).toBe(`${String(delivered[0]?.body['alertId'])}.opened`);
    expect(delivered[0]?.body).toMatchObject({ schema: 'hipaa-remediator.alert/1', transition: 'opened', resourceId: PRESCRIPTIONS, severity: 'high', citation: '45 CFR 164.312(a)(1)' });
    expect(String(delivered[0]?.body['toggle'])).toBe('hipaa-remediator modes set storage-public-access <off|alert|remediate> --subscription 11111111-2222-4333-8444-555555555555 --resource-group rg-pharmacy --reason "<why>"');
    expect((await alertRecords(w)).at(-1)?.alert).toMatchObject({ transition: 'redelivery', delivered: ['pager:opened'], failed: [] });
  });

  it('routes by severity: the pager (high only) never hears of a medium finding; a receiver holding another secret refuses the signature', async () => {
    receiver = await startAlertReceiver(SECRET);
    const r = receiver;
    world = await startWorld(await exampleState(), ALERT_MODE, { alertSinks: () => [pagerSink(r)] });
    // RX01 breaks both public access (access control: high) and secure transfer (medium).
    const { results } = await world.runtime.pipeline.processBatch([armWriteEvent(RX01)]);
    expect(results.map((x) => [x.remediator, x.decision])).toEqual([
      ['storage-public-access', 'alerted'],
      ['storage-secure-transfer', 'alerted'],
    ]);
    expect(r.accepted().map((x) => x.body['remediator'])).toEqual(['storage-public-access']);
    const stored = (await world.runtime.alertStore.listAll()).map((s) => [s.record.remediator, s.record.severity, s.record.sinks]);
    expect(stored).toEqual(
      expect.arrayContaining([
        ['storage-public-access', 'high', ['log', 'pager']],
        ['storage-secure-transfer', 'medium', ['log']],
      ]),
    );
    const wrong = await startAlertReceiver('another-secret-that-is-long');
    try {
      await new WebhookSink({ name: 'x', minSeverity: 'low', url: wrong.url, format: 'json', secret: SECRET, ca: wrong.ca }).deliver(r.accepted()[0]?.body as unknown as AlertMessage);
      expect(wrong.requests[0]?.signatureValid).toBe(false);
    } finally {
      await wrong.close();
    }
  });

  it('a confirmed deletion resolves the alerts on the resource and under it; the sweep resolves what it no longer lists', async () => {
    world = await startWorld(await exampleState(), ALERT_MODE, { alertSinks: (sandbox) => [topicSink(sandbox)] });
    const w = world;
    await w.runtime.pipeline.processBatch([armWriteEvent(PRESCRIPTIONS), armWriteEvent(RX01)]);
    expect((await w.runtime.alertStore.listAll()).filter((s) => s.record.state === 'open')).toHaveLength(3);

    // A delete event for a resource that still exists resolves nothing (the payload is not trusted).
    await w.runtime.pipeline.processBatch([armWriteEvent(OK02, { eventType: 'Microsoft.Resources.ResourceDeleteSuccess', operationName: 'Microsoft.Storage/storageAccounts/delete' })]);
    expect((await w.runtime.alertStore.listAll()).filter((s) => s.record.state === 'open')).toHaveLength(3);

    await storageClient(w.sandbox).storageAccounts.delete('rg-pharmacy', 'stpharmacyok02');
    await w.runtime.pipeline.processBatch([armWriteEvent(OK02, { eventType: 'Microsoft.Resources.ResourceDeleteSuccess', operationName: 'Microsoft.Storage/storageAccounts/delete' })]);
    const left = await w.runtime.alertStore.listAll();
    expect(left.map((s) => s.record.resourceId)).toEqual([RX01, RX01]);
    const resolved = w.sandbox.topic.received.map((x) => x.event as { type: string; subject?: string; data: { resolution?: string } }).filter((e) => e.type.endsWith('.resolved'));
    expect(resolved.map((e) => [e.subject, e.data.resolution])).toEqual([[PRESCRIPTIONS, 'deleted (Microsoft.Storage/storageAccounts/delete)']]);

    // Deleted with no event at all (lost, or never sent): the sweep notices.
    await storageClient(w.sandbox).storageAccounts.delete('rg-pharmacy', 'stpharmacyrx01');
    const swept = await w.runtime.pipeline.sweep('reconcile');
    expect(swept.alerts.resolved).toBe(2);
    expect(await w.runtime.alertStore.listAll()).toEqual([]);
    const summary = (await w.audit()).filter((x) => x.kind === 'sweep-summary').at(-1);
    expect(summary?.reason).toMatch(/alerts: 2 resolved as gone/);
  });

  it('an unreadable alert state store never silences a page: it goes out without folding, and the audit says so', async () => {
    world = await startWorld(await exampleState(), ALERT_MODE, { alertSinks: (sandbox) => [topicSink(sandbox)] });
    const w = world;
    await writeFile(`${w.home}/alerts.json`, '{ not json', 'utf8');
    const { results } = await w.runtime.pipeline.processBatch([armWriteEvent(PRESCRIPTIONS)]);
    expect(results[0]?.decision).toBe('alerted');
    expect(w.sandbox.topic.received.map((r) => (r.event as { type: string }).type)).toEqual(['com.hipaa-remediator.finding.opened']);
    expect((await alertRecords(w)).at(-1)?.alert).toMatchObject({ transition: 'opened', delivered: ['log:opened', 'oncall-topic:opened'] });
    expect(w.logLines.join('')).toMatch(/alert state store unavailable: delivering without lifecycle state/);
  });
});
