/** `hipaa-remediator process <events.json>`: one Event Grid delivery, processed from a file. */
import { readFile } from 'node:fs/promises';
import { openLocalAudit } from '../shared/audit/local.js';
import { createRuntime, resolveHome } from '../shared/composition.js';
import { loadConfig } from '../shared/config.js';
import { BadBatchError, parseEventBatch } from '../shared/events.js';
import { createLogger } from '../shared/log.js';
import { formatResult } from './output.js';
import { azureConnection, azureSubscriptionId, azureSubscriptions } from '../shared/arm/azure.js';
import { openSandbox, readStateFile, SANDBOX_SERVICE_IDENTITY } from './sandboxSession.js';
import { COMMON_OPTIONS, EXIT, parse, UsageError } from './usage.js';

export async function processCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { ...COMMON_OPTIONS, sandbox: { type: 'string' }, 'save-sandbox': { type: 'string' } });
  const [eventsPath, ...extra] = positionals;
  if (eventsPath === undefined) throw new UsageError('process needs an events file: hipaa-remediator process <events.json>');
  if (extra.length > 0) throw new UsageError(`unexpected argument: ${extra[0]}`);
  if (values['save-sandbox'] !== undefined && values.sandbox === undefined) throw new UsageError('--save-sandbox needs --sandbox');

  const home = resolveHome(values.home);
  const log = createLogger({ level: process.env['LOG_LEVEL'] ?? 'warn' });
  const config = await loadConfig(values.config);
  const body = await readEvents(eventsPath, home);
  const state = values.sandbox === undefined ? undefined : await readStateFile(values.sandbox);
  if (state === undefined && azureSubscriptionId() === undefined) {
    throw new UsageError('no ARM to talk to: pass --sandbox <state.json>, or set AZURE_SUBSCRIPTION_ID for Azure');
  }

  const session = state === undefined ? undefined : await openSandbox(state);
  try {
    const arm = session?.connection ?? azureConnection();
    const selfIds = session === undefined ? config.selfIds : new Set([...config.selfIds, SANDBOX_SERVICE_IDENTITY.objectId, SANDBOX_SERVICE_IDENTITY.appId]);
    const runtime = await createRuntime({
      home,
      config: { ...config, selfIds },
      arm,
      log,
      ...(session !== undefined ? { subscriptions: session.subscriptions } : azureScope()),
    });
    const outcome = await runtime.pipeline.processBatch(body);
    if (values['save-sandbox'] !== undefined && session !== undefined) await session.save(values['save-sandbox']);
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ results: outcome.results, summary: outcome.summary }, null, 2)}\n`);
    } else {
      for (const result of outcome.results) process.stdout.write(`${formatResult(result)}\n`);
      const s = outcome.summary;
      process.stdout.write(`${s.events} events: ${s.remediated} remediated, ${s.alerted} alerted, ${s.compliant} compliant, ${s.skipped} skipped, ${s.rejected} rejected, ${s.failed} failed\n`);
    }
    await runtime.audit.close();
    return outcome.summary.failed > 0 || outcome.summary.retryable ? EXIT.checkFailed : EXIT.ok;
  } finally {
    await session?.close();
  }
}

function azureScope(): { subscriptions?: ReadonlySet<string> } {
  const subscriptions = azureSubscriptions();
  return subscriptions === undefined ? {} : { subscriptions };
}

/** Not JSON, or not events at all: bad input, recorded, nothing processed. */
async function readEvents(path: string, home: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read events file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const refuse = async (reason: string): Promise<never> => {
    const audit = await openLocalAudit(home);
    await audit.append({ kind: 'rejection', decision: 'rejected', reason: `${path}: ${reason}` });
    await audit.close();
    throw new UsageError(`${path}: ${reason}`);
  };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return refuse('not valid JSON');
  }
  try {
    parseEventBatch(body);
  } catch (error) {
    if (error instanceof BadBatchError) return refuse(error.message);
    throw error;
  }
  return body;
}
