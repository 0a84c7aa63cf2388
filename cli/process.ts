/** `hipaa-remediator process <events.json>`: one Event Grid delivery, processed from a file. */
import { readFile } from 'node:fs/promises';
import { openLocalAudit } from '../shared/audit/local.js';
import { BadBatchError, parseEventBatch } from '../shared/events.js';
import { runBatchCommand } from './batchCommand.js';
import { COMMON_OPTIONS, parse, UsageError } from './usage.js';

export async function processCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { ...COMMON_OPTIONS, sandbox: { type: 'string' }, 'save-sandbox': { type: 'string' } });
  const [eventsPath, ...extra] = positionals;
  if (eventsPath === undefined) throw new UsageError('process needs an events file: hipaa-remediator process <events.json>');
  if (extra.length > 0) throw new UsageError(`unexpected argument: ${extra[0]}`);

  let body: unknown;
  return runBatchCommand({ ...values, validate: async (home) => void (body = await readEvents(eventsPath, home)) }, 'events', (runtime) => runtime.pipeline.processBatch(body));
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
