/**
 * The Azure Functions entry without the Functions host (Core Tools cannot be installed here):
 * the registered handler, called with a real InvocationContext, against the sandbox.
 */
import { InvocationContext } from '@azure/functions';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSandboxState, startSandbox, type Sandbox } from '../../sandbox/index.js';
import { armWriteEvent, PRESCRIPTIONS } from '../helpers/events.js';
import { readSharedJson, sharedPath } from '../helpers/fixtures.js';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ state: await loadSandboxState(sharedPath('examples', 'storage-state.json')) });
  const dir = await mkdtemp(join(tmpdir(), 'hipaa-fn-'));
  await writeFile(join(dir, 'ca.pem'), sandbox.ca);
  delete process.env['AZURE_SUBSCRIPTION_ID'];
  process.env['LOG_LEVEL'] = 'silent';
  process.env['HIPAA_REMEDIATOR_SANDBOX_URL'] = sandbox.url;
  process.env['HIPAA_REMEDIATOR_SANDBOX_CA'] = join(dir, 'ca.pem');
  process.env['HIPAA_REMEDIATOR_HOME'] = join(dir, 'home');
  process.env['HIPAA_REMEDIATOR_SUBSCRIPTIONS'] = '11111111-2222-4333-8444-555555555555';
});
afterAll(async () => {
  await sandbox.close();
});

describe('functions/onResourceChange', () => {
  it('processes one Event Grid event through the pipeline and logs the decision', async () => {
    const { onResourceChange } = await import('../../functions/onResourceChange.js');
    const logged: string[] = [];
    const context = new InvocationContext({ functionName: 'onResourceChange', logHandler: (_level, ...args) => logged.push(args.join(' ')) });
    const event = armWriteEvent(PRESCRIPTIONS);
    await onResourceChange(event, context);
    expect(logged.some((line) => line.startsWith('remediated storage-public-access'))).toBe(true);
    const container = sandbox.snapshot().resources.find((r) => r.name === 'prescriptions');
    expect((container?.properties as Record<string, unknown>)['publicAccess']).toBe('None');
  });

  it('throws (so Event Grid redelivers) when ARM is unavailable', async () => {
    const { onResourceChange } = await import('../../functions/onResourceChange.js');
    sandbox.faults.inject({ method: 'GET', status: 503, times: 1000 });
    const [event] = readSharedJson('fixtures', 'events', 'storage-account-write.json') as unknown[];
    await expect(onResourceChange(event, new InvocationContext({ functionName: 'onResourceChange' }))).rejects.toThrow(/Event Grid will redeliver/);
    sandbox.faults.clear();
  });

  it('functions/sweep finds the resources of the subscription through Resource Graph, decides, and writes its summary', async () => {
    const { sweep } = await import('../../functions/sweep.js');
    const logged: string[] = [];
    await sweep({ isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } }, new InvocationContext({ functionName: 'sweep', logHandler: (_l, ...a) => logged.push(a.join(' ')) }));
    expect(logged.some((line) => /^sweep [0-9a-f-]+: 5 resources in 1 subscriptions \(4 Resource Graph queries, \d+ re-read from ARM\), \d+ remediated, 2 alerted, 0 failed$/.test(line)), logged.join('\n')).toBe(true);
  });
});
