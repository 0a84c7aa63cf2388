/**
 * The timer sweep: reconciles what events missed and what time alone makes non-compliant
 * (expiry). Schedule from HIPAA_REMEDIATOR_SWEEP_SCHEDULE (NCRONTAB), default every 15 minutes.
 * A failed sweep throws: the next tick runs it again.
 */
import { randomUUID } from 'node:crypto';
import { app, type InvocationContext, type Timer } from '@azure/functions';
import { functionsRuntime } from './runtime.js';

export async function sweep(timer: Timer, context: InvocationContext): Promise<void> {
  const { pipeline } = await functionsRuntime();
  const runId = randomUUID();
  const outcome = await pipeline.sweep(runId);
  const s = outcome.summary;
  const how = outcome.sweep.source === 'list-apis' ? 'list APIs' : `${outcome.sweep.graphQueries} Resource Graph queries, ${outcome.sweep.reread} re-read from ARM`;
  context.log(`sweep ${runId}${timer.isPastDue ? ' (past due)' : ''}: ${outcome.resources} resources in ${outcome.sweep.subscriptions} subscriptions (${how}), ${s.remediated} remediated, ${s.alerted} alerted, ${s.failed} failed`);
  if (s.retryable) throw new Error(`sweep ${runId} hit transient failures; the next run retries`);
}

app.timer('sweep', { schedule: process.env['HIPAA_REMEDIATOR_SWEEP_SCHEDULE'] ?? '0 */15 * * * *', handler: sweep });
