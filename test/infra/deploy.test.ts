/**
 * scripts/deploy.sh against a stand-in `az` that records its calls (there is no Azure here):
 * the order (infra without events, management group role, code, wait, infra with events, lock),
 * the parameters it passes (the watched scope among them), and that a policy locked by an earlier
 * run is never PUT or locked again.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { params, readBicep } from './bicep.js';

const root = resolve(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'hipaa-deploy-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const HOME = '0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e';
const OTHER = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const THIRD = 'f0e1d2c3-b4a5-4968-8776-655443322110';

const OUTPUTS = {
  resourceGroupName: { type: 'String', value: 'rg-hipaa-remediator' },
  functionAppName: { type: 'String', value: 'func-hipaa-abc' },
  functionPrincipalId: { type: 'String', value: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d' },
  auditStorageAccountName: { type: 'String', value: 'sthipaaauditabc' },
  auditContainerName: { type: 'String', value: 'hipaa-audit' },
  alertTopicId: { type: 'String', value: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.EventGrid/topics/t' },
  lockAuditPolicy: { type: 'Bool', value: true },
  watchedSubscriptionIds: { type: 'Array', value: [HOME] },
  managementGroupName: { type: 'String', value: '' },
};

interface Options {
  previous: boolean;
  state: 'Unlocked' | 'Locked';
  /** Outputs the stand-in returns for every `deployment sub create` (merged over OUTPUTS). */
  outputs?: Record<string, { type: string; value: unknown }>;
}

/** A fake az: logs each call (one line, arguments joined by spaces) and answers what deploy.sh asks. */
function fakeAz(dir: string, options: Options): string {
  const bin = join(dir, 'bin');
  execFileSync('mkdir', ['-p', bin]);
  writeFileSync(join(dir, 'outputs.json'), JSON.stringify({ ...OUTPUTS, ...options.outputs }));
  const script = `#!/usr/bin/env bash
echo "$*" >> "${join(dir, 'az.log')}"
case "$*" in
  "deployment sub show"*) ${options.previous ? `cat "${join(dir, 'outputs.json')}"` : 'echo "ERROR: DeploymentNotFound" >&2; exit 3'} ;;
  "deployment sub create"*) cat "${join(dir, 'outputs.json')}" ;;
  "deployment mg create"*) echo '{}' ;;
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

/** Runs deploy.sh with `args` before `-- maximumInstanceCount=5`; the az calls, and how it ended. */
function attempt(name: string, options: Options, args: string[] = [], env: Record<string, string> = {}): { calls: string[]; status: number | null; stderr: string } {
  const dir = mkdtempSync(join(work, `${name}-`));
  const bin = fakeAz(dir, options);
  const { DEPLOY_WATCHED_SUBSCRIPTIONS: _s, DEPLOY_MANAGEMENT_GROUP: _m, ...inherited } = process.env;
  const result = spawnSync('bash', [join(root, 'scripts', 'deploy.sh'), '--location', 'eastus2', '--package', join(dir, 'package.zip'), ...args, '--', 'maximumInstanceCount=5'], {
    cwd: root,
    env: { ...inherited, ...env, PATH: `${bin}:${process.env['PATH'] ?? ''}` },
    encoding: 'utf8',
  });
  const log = join(dir, 'az.log');
  return { calls: existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [], status: result.status, stderr: result.stderr };
}

function run(name: string, options: Options, args: string[] = [], env: Record<string, string> = {}): string[] {
  const { calls, status, stderr } = attempt(name, options, args, env);
  expect(status, stderr).toBe(0);
  return calls;
}

const verb = (call: string): string => call.split(' --')[0]!;

describe('scripts/deploy.sh', () => {
  it('deploys infra without events, the code, then events, then locks the policy', () => {
    const calls = run('first', { previous: false, state: 'Unlocked' });
    const order = calls.map(verb);
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
    // No scope given: the parameters file decides, and no management group role is deployed.
    for (const call of [first!, second!]) expect(call).not.toMatch(/watchedSubscriptionIds=|managementGroupName=/);
  });

  it('passes the watched subscriptions and management group, and deploys the role on the management group before the code', () => {
    const outputs = { watchedSubscriptionIds: { type: 'Array', value: [HOME, OTHER, THIRD] }, managementGroupName: { type: 'String', value: 'mg-phi' } };
    const calls = run('scope', { previous: false, state: 'Unlocked', outputs }, ['--subscriptions', `${OTHER.toUpperCase()},${THIRD}`, '--management-group', 'mg-phi']);
    expect(calls.map(verb)).toEqual([
      'deployment sub show',
      'deployment sub create',
      'deployment mg create',
      'functionapp deployment source config-zip',
      'functionapp function show',
      'deployment sub create',
      'storage container immutability-policy show',
      'storage container immutability-policy show',
      'storage container immutability-policy lock',
    ]);
    for (const call of calls.filter((c) => c.startsWith('deployment sub create'))) {
      expect(call).toContain(`--parameters infra/main.bicepparam --parameters watchedSubscriptionIds=["${OTHER}","${THIRD}"] managementGroupName=mg-phi subscribeToResourceEvents=`);
      expect(call).toMatch(/manageAuditPolicy=true maximumInstanceCount=5/);
    }
    const role = calls.find((c) => c.startsWith('deployment mg create'))!;
    expect(role).toContain('--management-group-id mg-phi --template-file infra/modules/managementGroupRole.bicep');
    expect(role).toContain(`principalId=9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d subscriptionIds=["${HOME}","${OTHER}","${THIRD}"]`);
    // What it passes is what the module declares, every required parameter included.
    const declared = params(readBicep(join(root, 'infra', 'modules', 'managementGroupRole.bicep')));
    const passed = [...role.slice(role.indexOf('--parameters ')).matchAll(/(?:^|\s)([A-Za-z]\w*)=/g)].map((m) => m[1]!);
    for (const name of passed) expect(declared.map((p) => p.name), name).toContain(name);
    for (const required of declared.filter((p) => !p.hasDefault)) expect(passed, required.name).toContain(required.name);
  });

  it('takes the scope from the environment too, and no management group role without a management group', () => {
    const calls = run('env', { previous: false, state: 'Unlocked' }, [], { DEPLOY_WATCHED_SUBSCRIPTIONS: `${OTHER} ${THIRD}` });
    const creates = calls.filter((c) => c.startsWith('deployment sub create'));
    expect(creates).toHaveLength(2);
    for (const call of creates) expect(call).toContain(`watchedSubscriptionIds=["${OTHER}","${THIRD}"] subscribeToResourceEvents=`);
    expect(calls.some((c) => c.startsWith('deployment mg create'))).toBe(false);
  });

  it('deploys the management group role when the parameters file names the management group', () => {
    const calls = run('mg-from-file', { previous: false, state: 'Unlocked', outputs: { managementGroupName: { type: 'String', value: 'mg-from-file' } } });
    expect(calls.find((c) => c.startsWith('deployment mg create'))).toContain('--management-group-id mg-from-file ');
  });

  it('refuses a malformed subscription id or management group before calling Azure', () => {
    for (const args of [['--subscriptions', 'not-a-subscription'], ['--subscriptions', ' , '], ['--management-group', 'mg one,mg two']]) {
      const { calls, status, stderr } = attempt('refused', { previous: false, state: 'Unlocked' }, args);
      expect(status, args.join(' ')).toBe(2);
      expect(stderr).toMatch(/deploy: /);
      expect(calls).toEqual([]);
    }
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
