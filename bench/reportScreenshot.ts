/**
 * A screenshot of an evidence report, to look at what an auditor sees:
 *   node dist/bench/reportScreenshot.js <report.html> <out.png> [--width 1280] [--height 2400] [--pdf <out.pdf>]
 * Uses Debian's headless Chromium (`apt-get install -y chromium`; CHROMIUM overrides the binary),
 * with a throw-away profile and every background network feature off: the page itself must not
 * need the network, and this run must not reach it either. Not part of `npm test` (CI has no Chromium).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';

const run = promisify(execFile);

function chromiumBinary(): string {
  const candidates = [process.env['CHROMIUM'], '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter((c): c is string => c !== undefined && c.length > 0);
  const found = candidates.find((c) => existsSync(c));
  if (found === undefined) throw new Error(`no Chromium found (tried ${candidates.join(', ')}): apt-get install -y chromium, or set CHROMIUM`);
  return found;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { width: { type: 'string', default: '1280' }, height: { type: 'string', default: '2400' }, pdf: { type: 'string' } } });
  const [html, png] = positionals;
  if (html === undefined || png === undefined) {
    process.stderr.write('usage: node dist/bench/reportScreenshot.js <report.html> <out.png> [--width N] [--height N] [--pdf <out.pdf>]\n');
    return 2;
  }
  const binary = chromiumBinary();
  const profile = await mkdtemp(join(tmpdir(), 'report-chromium-'));
  const common = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--hide-scrollbars', `--user-data-dir=${profile}`];
  const url = pathToFileURL(resolve(html)).href;
  try {
    await run(binary, [...common, `--screenshot=${resolve(png)}`, `--window-size=${values.width},${values.height}`, url], { timeout: 60_000 });
    process.stdout.write(`${png}: ${(await stat(png)).size} bytes (${values.width}×${values.height})\n`);
    if (values.pdf !== undefined) {
      await run(binary, [...common, `--print-to-pdf=${resolve(values.pdf)}`, '--no-pdf-header-footer', url], { timeout: 60_000 });
      process.stdout.write(`${values.pdf}: ${(await stat(values.pdf)).size} bytes\n`);
    }
    return 0;
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`reportScreenshot: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
