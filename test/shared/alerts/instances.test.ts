/**
 * Several Function instances share one alert table: the same finding reported by two of them
 * at once is one alert (one page), its repeats counted; and a topic outage keeps the page
 * pending until a later sweep, on whichever instance runs it.
 */
import { AzureKeyCredential } from '@azure/core-auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteTable } from '../../../sandbox/azurite.js';
import { startSandbox, type Sandbox } from '../../../sandbox/index.js';
import type { Alert } from '../../../shared/alerts/alerter.js';
import { AlertService } from '../../../shared/alerts/service.js';
import { EventGridSink } from '../../../shared/alerts/sinks/eventGrid.js';
import { TableAlertStore } from '../../../shared/alerts/tableStore.js';
import { openLocalAudit } from '../../../shared/audit/local.js';
import { createLogger } from '../../../shared/log.js';
import { ensureTable, tableClientFromConnectionString } from '../../../shared/tables.js';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const RESOURCE = '/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg-research/providers/Microsoft.Storage/storageAccounts/stresearchexp01';
const ALERT: Alert = {
  resourceId: RESOURCE,
  remediator: 'storage-public-access',
  control: 'access-control',
  citation: '45 CFR 164.312(a)(1)',
  decision: 'alerted',
  reason: 'mode alert (resource-group)',
  findings: [{ property: 'properties.allowBlobPublicAccess', actual: true, expected: false, message: 'public blob access allowed' }],
  plannedChanges: [],
};

let azurite: AzuriteTable;
let sandbox: Sandbox;
beforeAll(async () => {
  [azurite, sandbox] = await Promise.all([startAzurite('table'), startSandbox({ throttling: false })]);
});
afterAll(async () => {
  await Promise.all([azurite?.stop(), sandbox?.close()]);
});

let tables = 0;
async function instances(count: number) {
  tables += 1;
  const client = tableClientFromConnectionString(azurite.connectionString, `instances${process.pid}x${tables}`, { retryOptions: { maxRetries: 1, retryDelayInMs: 10 } });
  await ensureTable(client);
  const log = createLogger({ level: 'silent' });
  return Promise.all(
    Array.from({ length: count }, async () => {
      const audit = await openLocalAudit(await mkdtemp(join(tmpdir(), 'hipaa-instance-')));
      const sink = new EventGridSink({ name: 'oncall-topic', minSeverity: 'low', endpoint: sandbox.topicEndpoint, credential: new AzureKeyCredential(sandbox.topicKey), ca: sandbox.ca, maxRetries: 0 });
      return { audit, service: new AlertService({ store: new TableAlertStore(client), sinks: [sink], audit, log }), store: new TableAlertStore(client) };
    }),
  );
}

describe('alerts across instances sharing one table', () => {
  it('the same finding raised on three instances at once opens one alert, published once, counted three times', async () => {
    sandbox.topic.clear();
    const fleet = await instances(3);
    await Promise.all(fleet.map(({ service }) => service.raise(ALERT)));
    expect(sandbox.topic.received).toHaveLength(1);
    const [stored] = await fleet[0]!.store.listAll();
    expect(stored?.record).toMatchObject({ state: 'open', occurrences: 3, pending: [] });
    await Promise.all(fleet.map(({ audit }) => audit.close()));
  });

  it('a topic outage leaves the page pending on the shared record; another instance delivers it later, once', async () => {
    sandbox.topic.clear();
    const [first, second] = await instances(2);
    const outage = sandbox.topic.faults.inject({ status: 503, retryAfterSeconds: 0, times: 100 });
    await first!.service.raise(ALERT);
    outage.remove();
    expect(sandbox.topic.received).toHaveLength(0);
    expect((await first!.store.listAll())[0]?.record.pending).toMatchObject([{ sink: 'oncall-topic', transition: 'opened', attempts: 1 }]);

    const report = await second!.service.reconcile({ subscriptions: new Set(), seen: new Set() });
    expect(report).toEqual({ resolved: 0, redelivered: 1, stillPending: 0 });
    expect(sandbox.topic.received.map((r) => (r.event as { type: string }).type)).toEqual(['com.hipaa-remediator.finding.opened']);
    expect(await second!.service.reconcile({ subscriptions: new Set(), seen: new Set() })).toEqual({ resolved: 0, redelivered: 0, stillPending: 0 });
    await Promise.all([first!.audit.close(), second!.audit.close()]);
  });
});
