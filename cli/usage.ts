import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Bad input or usage: exit 2, message on stderr, nothing changed. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const EXIT = { ok: 0, checkFailed: 1, usage: 2 } as const;

export const COMMON_OPTIONS = {
  home: { type: 'string' },
  config: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

export const USAGE = `Usage:
  hipaa-remediator serve   [--port N] [--sandbox <state.json>] [--no-demo]
  hipaa-remediator process <events.json> [--sandbox <state.json>] [--save-sandbox <out.json>] [--json]
  hipaa-remediator sweep   [--sandbox <state.json>] [--save-sandbox <out.json>] [--now <ISO time>] [--json]
  hipaa-remediator restore <audit seq> [--expires <ISO date>] [--sandbox <state.json>] [--save-sandbox <out.json>] [--json]
  hipaa-remediator remediators [--json]
  hipaa-remediator modes list [--json] | set <remediator> <off|alert|remediate> [--subscription S | --any-subscription] [--resource-group RG] [--reason R]
                       | unset <remediator> [--subscription S | --any-subscription] [--resource-group RG] | explain <resource id> [--json]
  hipaa-remediator audit verify [--json] | show [--since T] [--json] | export <file>
  hipaa-remediator report  --html <file> | --json [--since <ISO time>] [--until <ISO time>]

Common options: --home <dir> (default .hipaa-remediator/ or HIPAA_REMEDIATOR_HOME), --config <file>
Exit codes: 0 done; 1 a check or an action failed; 2 bad input or usage.`;
