/** The `hipaa-remediator` command (DESIGN §9). Exit codes: 0 done, 1 check/action failed, 2 bad input or usage. */
import { ConfigError } from '../shared/config.js';
import { scrubSecrets } from '../shared/log.js';
import { auditCommand } from './audit.js';
import { modesCommand } from './modes.js';
import { processCommand } from './process.js';
import { remediatorsCommand } from './remediators.js';
import { reportCommand } from './report.js';
import { restoreCommand } from './restore.js';
import { serveCommand } from './serve.js';
import { sweepCommand } from './sweep.js';
import { EXIT, USAGE, UsageError } from './usage.js';

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  process: processCommand,
  serve: serveCommand,
  remediators: remediatorsCommand,
  audit: auditCommand,
  modes: modesCommand,
  sweep: sweepCommand,
  restore: restoreCommand,
  report: reportCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  const run = COMMANDS[command];
  try {
    if (run === undefined) throw new UsageError(`unknown command "${command}"\n${USAGE}`);
    return await run(args);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      process.stderr.write(`hipaa-remediator: ${scrubSecrets(error.message)}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`hipaa-remediator: ${scrubSecrets(error instanceof Error ? error.message : String(error))}\n`);
    return EXIT.checkFailed;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`hipaa-remediator: ${String(error)}\n`);
    process.exitCode = EXIT.checkFailed;
  },
);
