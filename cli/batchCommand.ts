/**
 * What `process` and `sweep` share: the ARM to talk to (the sandbox from a state file, or Azure),
 * the runtime wired as everywhere else, `--save-sandbox`, and the `--json` / text output with the
 * exit code of DESIGN §9.
 */
import { azureConnection, azureSubscriptionId } from '../shared/arm/azure.js';
import { createRuntime, resolveHome, type Runtime } from '../shared/composition.js';
import { loadConfig } from '../shared/config.js';
import { createLogger } from '../shared/log.js';
import type { BatchOutcome } from '../shared/pipeline.js';
import { formatResult } from './output.js';
import { openSandbox, readStateFile, SANDBOX_SERVICE_IDENTITY } from './sandboxSession.js';
import { EXIT, UsageError } from './usage.js';

export interface BatchCommandOptions {
  home?: string;
  config?: string;
  sandbox?: string;
  'save-sandbox'?: string;
  json?: boolean;
  now?: Date;
  /** Runs before the sandbox starts: bad input must cost nothing. */
  validate?: (home: string) => Promise<void>;
}

export async function runBatchCommand(values: BatchCommandOptions, label: string, work: (runtime: Runtime) => Promise<BatchOutcome & { extra?: Record<string, unknown> }>): Promise<number> {
  if (values['save-sandbox'] !== undefined && values.sandbox === undefined) throw new UsageError('--save-sandbox needs --sandbox');
  const home = resolveHome(values.home);
  const log = createLogger({ level: process.env['LOG_LEVEL'] ?? 'warn' });
  const config = await loadConfig(values.config);
  await values.validate?.(home);
  const state = values.sandbox === undefined ? undefined : await readStateFile(values.sandbox);
  if (state === undefined && azureSubscriptionId() === undefined) {
    throw new UsageError('no ARM to talk to: pass --sandbox <state.json>, or set AZURE_SUBSCRIPTION_ID for Azure');
  }
  const session = state === undefined ? undefined : await openSandbox(state);
  try {
    const selfIds = session === undefined ? config.selfIds : new Set([...config.selfIds, SANDBOX_SERVICE_IDENTITY.objectId, SANDBOX_SERVICE_IDENTITY.appId]);
    // In Azure the watched subscriptions come with the config; the sandbox watches its state's.
    const subscriptions = session?.subscriptions;
    const runtime = await createRuntime({
      home,
      config: { ...config, selfIds },
      arm: session?.connection ?? azureConnection(),
      log,
      ...(subscriptions === undefined ? {} : { subscriptions }),
      ...(values.now === undefined ? {} : { now: values.now }),
    });
    const outcome = await work(runtime);
    if (values['save-sandbox'] !== undefined && session !== undefined) await session.save(values['save-sandbox']);
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ results: outcome.results, summary: outcome.summary, ...outcome.extra }, null, 2)}\n`);
    } else {
      for (const result of outcome.results) process.stdout.write(`${formatResult(result)}\n`);
      const s = outcome.summary;
      process.stdout.write(`${s.events} ${label}: ${s.remediated} remediated, ${s.alerted} alerted, ${s.compliant} compliant, ${s.skipped} skipped, ${s.rejected} rejected, ${s.failed} failed\n`);
    }
    await runtime.audit.close();
    return outcome.summary.failed > 0 || outcome.summary.retryable ? EXIT.checkFailed : EXIT.ok;
  } finally {
    await session?.close();
  }
}
