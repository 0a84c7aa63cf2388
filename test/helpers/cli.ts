/** The real `hipaa-remediator` binary in a child process, as an operator or CI would run it. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './fixtures.js';

const run = promisify(execFile);
const BIN = join(REPO_ROOT, 'bin', 'hipaa-remediator.js');

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Exit code and output; never throws for a non-zero exit. Always the sandbox: AZURE_SUBSCRIPTION_ID is cleared. */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<Ran> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { ...process.env, ...env, AZURE_SUBSCRIPTION_ID: '' }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
