/** `hipaa-remediator sweep`: every remediator over every resource in scope (Resource Graph, or the list APIs). */
import { randomUUID } from 'node:crypto';
import { runBatchCommand } from './batchCommand.js';
import { COMMON_OPTIONS, parse, UsageError } from './usage.js';

export async function sweepCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { ...COMMON_OPTIONS, sandbox: { type: 'string' }, 'save-sandbox': { type: 'string' }, now: { type: 'string' } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`);
  let now: Date | undefined;
  if (values.now !== undefined) {
    now = new Date(values.now);
    if (Number.isNaN(now.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(values.now)) throw new UsageError(`--now is not an ISO 8601 time: ${values.now}`);
  }
  const runId = randomUUID();
  const { now: _given, ...options } = values;
  return runBatchCommand({ ...options, ...(now === undefined ? {} : { now }) }, 'resources swept', async (runtime) => {
    const outcome = await runtime.pipeline.sweep(runId);
    return { ...outcome, extra: { sweep: { runId, resources: outcome.resources, alerts: outcome.alerts, ...outcome.sweep, ...(now === undefined ? {} : { now: now.toISOString() }) } } };
  });
}
