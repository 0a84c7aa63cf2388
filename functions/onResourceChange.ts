/**
 * Event Grid trigger: one ARM resource change per invocation. The Functions host answers
 * Event Grid's validation handshake itself; a thrown error fails the invocation so Event
 * Grid redelivers (transient failures only: permanent ones are audited and end here).
 */
import { app, type InvocationContext } from '@azure/functions';
import { functionsRuntime } from './runtime.js';

export async function onResourceChange(event: unknown, context: InvocationContext): Promise<void> {
  const { pipeline } = await functionsRuntime();
  const outcome = await pipeline.processBatch(event);
  for (const result of outcome.results) {
    context.log(`${result.decision} ${result.remediator ?? '-'} ${result.resourceId ?? '-'} audit=${String(result.auditSeq)}`);
  }
  if (outcome.summary.retryable) {
    throw new Error(`transient failure (${outcome.results.find((r) => r.retryable === true)?.reason ?? 'unknown'}): Event Grid will redeliver`);
  }
}

app.eventGrid<unknown>('onResourceChange', { handler: onResourceChange });
