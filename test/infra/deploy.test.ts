/**
 * scripts/deploy.sh against a stand-in `az` that records its calls (there is no Azure here):
 * the order (infra without events, code, wait, infra with events, lock), the parameters it
 * passes, and that a policy locked by an earlier run is never PUT or locked again.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'hipaa-deploy-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const OUTPUTS = JSON.stringify({
  resourceGroupName: { type: 'String', value: 'rg-hipaa-remediator' },
  functionAppName: { type: 'String', value: 'func-hipaa-abc' },
  functionPrincipalId: { type: 'String', value: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d' },
  auditStorageAccountName: { type: 'String', value: 'sthipaaauditabc' },
  auditContainerName: { type: 'String', value: 'hipaa-audit' },
  alertTopicId: { type: 'String', value: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.EventGrid/topics/t' },
  lockAuditPolicy: { type: 'Bool', value: true },
});

/** A fake az: logs each call (one line, arguments joined by spaces) and answers what deploy.sh asks. */
function fakeAz(dir: string, options: { previous: boolean; state: 'Unlocked' | 'Locked' }): string {
  const bin = join(dir, 'bin');
  execFileSync('mkdir', ['-p', bin]);
  writeFileSync(join(dir, 'outputs.json'), OUTPUTS);
  const script = `#!/usr/bin/env bash
echo "$*" >> "${join(dir, 'az.log')}"
case "$*" in
  "deployment sub show"*) ${options.previous ? `cat "${join(dir, 'outputs.json')}"` : 'echo "ERROR: DeploymentNotFound" >&2; exit 3'} ;;
  "deployment sub create"*) cat "${join(dir, 'outputs.json')}" ;;
  "functionapp deployment source config-zip"*) echo '{}' ;;
  "functionapp function show"*) echo onResourceChange ;;
  *"immutability-policy show"*"--query state"*) echo ${options.state} ;;
  *"immutability-policy show"*"--query etag"*) echo '"0x8DCAFE"' ;;
  *"immutability-policy lock"*) echo '{}' ;;
  *) echo "unexpected az $*" >&2; exit 9 ;;
esac
`;
  writeFileSync(join(bin, 'az'), script);
  chmodSync(join(bin, 'az'), 0o755);
  writeFileSync(join(dir, 'package.zip'), 'zip');
  return bin;
}

function run(name: string, options: { previous: boolean; state: 'Unlocked' | 'Locked' }): string[] {
  const dir = mkdtempSync(join(work, `${name}-`));
  const bin = fakeAz(dir, options);
  execFileSync('bash', [join(root, 'scripts', 'deploy.sh'), '--location', 'eastus2', '--package', join(dir, 'package.zip'), '--', 'maximumInstanceCount=5'], {
    cwd: root,
    env: { ...process.env, PATH: `${bin}:${process.env['PATH'] ?? ''}` },
    encoding: 'utf8',
  });
  return readFileSync(join(dir, 'az.log'), 'utf8').trim().split('\n');
}

describe('scripts/deploy.sh', () => {
  it('deploys infra without events, the code, then events, then locks the policy', () => {
    const calls = run('first', { previous: false, state: 'Unlocked' });
    const order = calls.map((c) => c.split(' --')[0]);
    expect(order).toEqual([
      'deployment sub show',
      'deployment sub create',
      'functionapp deployment source config-zip',
      'functionapp function show',
      'deployment sub create',
      'storage container immutability-policy show',
      'storage container immutability-policy show',
      'storage container immutability-policy lock',
    ]);
    const [first, second] = calls.filter((c) => c.startsWith('deployment sub create'));
    for (const call of [first!, second!]) {
      expect(call).toContain('--location eastus2 --template-file infra/main.bicep --parameters infra/main.bicepparam');
      expect(call).toContain('manageAuditPolicy=true maximumInstanceCount=5');
    }
    expect(first).toContain('--name hipaa-remediator-infra');
    expect(first).toContain('subscribeToResourceEvents=false');
    expect(second).toContain('--name hipaa-remediator ');
    expect(second).toContain('subscribeToResourceEvents=true');
    expect(calls.find((c) => c.includes('config-zip'))).toMatch(/--resource-group rg-hipaa-remediator --name func-hipaa-abc --src .*package\.zip/);
    expect(calls.at(-1)).toBe('storage container immutability-policy lock --resource-group rg-hipaa-remediator --account-name sthipaaauditabc --container-name hipaa-audit --if-match "0x8DCAFE"');
  });

  it('leaves a policy an earlier run locked alone: no PUT (manageAuditPolicy=false), no lock', () => {
    const calls = run('again', { previous: true, state: 'Locked' });
    for (const call of calls.filter((c) => c.startsWith('deployment sub create'))) expect(call).toContain('manageAuditPolicy=false');
    expect(calls.some((c) => c.includes('immutability-policy lock'))).toBe(false);
  });

  it('refuses to run without a region', () => {
    expect(() => execFileSync('bash', [join(root, 'scripts', 'deploy.sh')], { cwd: root, stdio: 'pipe' })).toThrow();
  });
});
