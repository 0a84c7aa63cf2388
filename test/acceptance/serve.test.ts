/**
 * `npm start` from outside: the live demo, run as a person runs it, shows the alert lifecycle —
 * an alert opened for a change in an alert-mode resource group (published to the sandbox's Event
 * Grid topic by the real publisher) and resolved when a person fixes the resource — and stops
 * cleanly on Ctrl+C.
 */
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/fixtures.js';

describe('hipaa-remediator serve (the npm start demo)', () => {
  it('shows an alert opened in the alert-mode resource group and resolved once fixed, then exits 0 on SIGINT', async () => {
    const home = await mkdtemp(join(tmpdir(), 'hipaa-serve-'));
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'hipaa-remediator.js'), 'serve', '--home', home, '--port', '0', '--demo-interval', '300', '--sweep-interval', '0'], {
      env: { ...process.env, AZURE_SUBSCRIPTION_ID: '', LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const opened = /alert {4}OPENED HIGH {3}storage-public-access {5}rg-research\/stresearchexp01 {2}45 CFR 164\.312\(a\)\(1\) {2}mode alert \(resource-group\) {2}→ Event Grid topic/;
    const resolved = /alert {4}resolved {6}storage-public-access {5}rg-research\/stresearchexp01 {2}compliant again {2}→ Event Grid topic/;
    try {
      const deadline = Date.now() + 40_000;
      while (!(opened.test(out) && resolved.test(out)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(out).toMatch(opened);
      expect(out).toMatch(resolved);
      // The opening comes first, then the fix, then the close.
      expect(out.search(opened)).toBeLessThan(out.search(/allowBlobPublicAccess=false \(on-call fixed it by hand\)/));
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(out).toMatch(/sandbox state saved to /);
  }, 60_000);
});
