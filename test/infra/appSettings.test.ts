/**
 * The Function App's app settings (infra/modules/functionApp.bicep) against what the code the
 * package runs reads: every `HIPAA_REMEDIATOR_*` name (and AZURE_SUBSCRIPTION_ID) quoted in
 * functions/, shared/ and remediators/ is either set by the template or listed below with the
 * reason it is not set in Azure.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildConfig, SWEEP_SOURCES } from '../../shared/config.js';
import { moduleCalls, readBicep, varObjectKeys } from './bicep.js';

const root = resolve(import.meta.dirname, '..', '..');

/** Read by the code but deliberately not set in Azure. */
const NOT_SET_IN_AZURE: Record<string, string> = {
  HIPAA_REMEDIATOR_SANDBOX_URL: 'a locally run Functions host against the embedded sandbox only',
  HIPAA_REMEDIATOR_SANDBOX_CA: 'a locally run Functions host against the embedded sandbox only',
  HIPAA_REMEDIATOR_HOME: 'local state: in Azure the audit, modes and alerts live in blob and table storage, and the default (the temp dir) holds nothing that must survive',
  HIPAA_REMEDIATOR_ADMIN_JWKS_URL: 'sovereign clouds only: the public cloud\'s keys follow from the tenant',
  HIPAA_REMEDIATOR_ADMIN_ISSUERS: 'sovereign clouds only: the public cloud\'s issuers follow from the tenant',
};

/** What the service cannot run correctly in Azure without: set unconditionally. */
const REQUIRED_IN_AZURE = [
  'AZURE_SUBSCRIPTION_ID',
  'HIPAA_REMEDIATOR_AUDIT_CONTAINER_URL',
  'HIPAA_REMEDIATOR_AUDIT_KEY_ID',
  'HIPAA_REMEDIATOR_MODES_TABLE_URL',
  'HIPAA_REMEDIATOR_ALERTS_TABLE_URL',
  'HIPAA_REMEDIATOR_ALERT_TOPIC_ENDPOINT',
  'HIPAA_REMEDIATOR_SELF_IDS',
  'HIPAA_REMEDIATOR_SWEEP_SCHEDULE',
  // The watched scope (tenant scale): set even when empty, so the template, not a stale setting, decides.
  'HIPAA_REMEDIATOR_SUBSCRIPTIONS',
  'HIPAA_REMEDIATOR_MANAGEMENT_GROUPS',
  'HIPAA_REMEDIATOR_SWEEP_SOURCE',
];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : name.endsWith('.ts') ? [path] : [];
  });
}

/** Environment variable names the packaged code reads: string literals that are exactly such a name. */
function namesReadByTheCode(): Set<string> {
  const names = new Set<string>();
  for (const file of ['functions', 'shared', 'remediators'].flatMap((d) => sources(join(root, d)))) {
    for (const m of readFileSync(file, 'utf8').matchAll(/['"`]((?:HIPAA_REMEDIATOR_[A-Z0-9_]+)|AZURE_SUBSCRIPTION_ID)['"`]/g)) names.add(m[1]!);
  }
  return names;
}

describe('app settings', () => {
  const app = readBicep(join(root, 'infra', 'modules', 'functionApp.bicep'));
  const service = varObjectKeys(app, 'serviceSettings') ?? [];
  const admin = varObjectKeys(app, 'adminSettings') ?? [];
  const cloud = varObjectKeys(app, 'cloudSettings') ?? [];
  const all = new Set([...service, ...admin, ...cloud]);
  const read = namesReadByTheCode();

  it('finds the settings and the names the code reads', () => {
    expect(service.length).toBeGreaterThan(10);
    expect(read.size).toBeGreaterThan(15);
    expect(app.text).toMatch(/properties: union\(extraAppSettings, serviceSettings, adminSettings, cloudSettings\)/);
  });

  it('sets what the service needs in Azure unconditionally', () => {
    for (const name of REQUIRED_IN_AZURE) {
      expect(read.has(name), `${name} is no longer read by the code: update the list`).toBe(true);
      expect(service, name).toContain(name);
    }
  });

  it('covers every variable the packaged code reads, or says why not', () => {
    for (const name of read) expect(all.has(name) || name in NOT_SET_IN_AZURE, `${name} is read by the code but neither set by functionApp.bicep nor listed in NOT_SET_IN_AZURE`).toBe(true);
  });

  it('sets nothing the code does not read (no stale setting)', () => {
    for (const name of all) if (name.startsWith('HIPAA_REMEDIATOR_') || name === 'AZURE_SUBSCRIPTION_ID') expect(read.has(name), `${name} is set but not read`).toBe(true);
  });

  it('sets the watched scope from main.bicep\'s watchedSubscriptionIds and managementGroupName', () => {
    expect(app.text).toMatch(/HIPAA_REMEDIATOR_SUBSCRIPTIONS: join\(watchedSubscriptionIds, ','\)/);
    expect(app.text).toMatch(/HIPAA_REMEDIATOR_MANAGEMENT_GROUPS: managementGroupName\n/);
    expect(app.text).toMatch(/HIPAA_REMEDIATOR_SWEEP_SOURCE: sweepSource\n/);
    expect(app.text).toMatch(/AZURE_SUBSCRIPTION_ID: subscription\(\)\.subscriptionId/);
    const main = readBicep(join(root, 'infra', 'main.bicep'));
    const call = moduleCalls(main).find((c) => c.path === 'modules/functionApp.bicep');
    expect(call?.params).toEqual(expect.arrayContaining(['watchedSubscriptionIds', 'managementGroupName', 'sweepSource']));
    // The same list the event subscriptions and roles are deployed for (home subscription included).
    expect(main.text).toMatch(/watchedSubscriptionIds: watchedSubscriptions\n/);
    expect(main.text).toMatch(/managementGroupName: managementGroupName\n/);
  });

  it('allows exactly the sweep sources the config takes, defaulting to the config\'s default', () => {
    for (const file of [join(root, 'infra', 'main.bicep'), join(root, 'infra', 'modules', 'functionApp.bicep')]) {
      const allowed = /@allowed\(\[([^\]]*)\]\)\s*param sweepSource string/.exec(readFileSync(file, 'utf8'))?.[1];
      expect(allowed?.match(/'([a-z-]+)'/g)?.map((v) => v.slice(1, -1)), file).toEqual([...SWEEP_SOURCES]);
    }
    expect(readFileSync(join(root, 'infra', 'main.bicep'), 'utf8')).toMatch(new RegExp(`param sweepSource string = '${buildConfig({}, {}).scope.sweepSource}'`));
  });

  it('connects the host and telemetry with the managed identity, no keys', () => {
    expect(service).toEqual(expect.arrayContaining(['AzureWebJobsStorage__accountName', 'APPLICATIONINSIGHTS_CONNECTION_STRING', 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING']));
    expect(service).not.toContain('AzureWebJobsStorage');
    expect(app.text).toMatch(/APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD'/);
    expect(app.text).toMatch(/HIPAA_REMEDIATOR_SELF_IDS: site\.identity\.principalId/);
    // Settings Flex Consumption refuses (it sets the runtime through functionAppConfig).
    for (const refused of ['FUNCTIONS_WORKER_RUNTIME', 'FUNCTIONS_EXTENSION_VERSION', 'WEBSITE_NODE_DEFAULT_VERSION', 'WEBSITE_RUN_FROM_PACKAGE', 'WEBSITE_CONTENTSHARE']) expect(all.has(refused), refused).toBe(false);
  });
});
