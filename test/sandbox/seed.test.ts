import { describe, expect, it } from 'vitest';
import { HEALTHCARE_SUBSCRIPTION_ID, healthcareSubscription, parseSandboxState, startSandbox } from '../../sandbox/index.js';
import { storageClient } from './helpers.js';

describe('healthcareSubscription', () => {
  it('is a valid state in the demo subscription', () => {
    const state = healthcareSubscription();
    expect(parseSandboxState(JSON.parse(JSON.stringify(state)))).toEqual(state);
    // Storage lives in resource groups; role assignments (and PIM's schedule instances) sit at the subscription scope.
    const access = (r: { type: string }) => r.type.startsWith('Microsoft.Authorization/');
    expect(state.resources.every((r) => r.id.startsWith(`/subscriptions/${HEALTHCARE_SUBSCRIPTION_ID}/resourceGroups/`) || access(r))).toBe(true);
    const groups = new Set(state.resources.filter((r) => !access(r)).map((r) => /resourceGroups\/([^/]+)/.exec(r.id)?.[1]));
    expect([...groups].sort()).toEqual(['rg-clinical', 'rg-pharmacy', 'rg-research', 'rg-shared-logs']);
  });

  it('carries no personal data', () => {
    // The directory's Graph type names (`@odata.type`) are the only @ allowed: no e-mail addresses.
    const text = JSON.stringify(healthcareSubscription()).replaceAll('"@odata.type"', '');
    expect(text).not.toMatch(/@/);
  });

  it('serves a mix of compliant and non-compliant resources through the SDK', async () => {
    const sandbox = await startSandbox({ state: healthcareSubscription() });
    try {
      const client = storageClient(sandbox);
      const accounts = [];
      for await (const account of client.storageAccounts.list()) accounts.push(account);
      expect(accounts).toHaveLength(6);
      expect(accounts.some((a) => a.allowBlobPublicAccess === true)).toBe(true);
      expect(accounts.some((a) => a.minimumTlsVersion === 'TLS1_0')).toBe(true);
      expect(accounts.some((a) => a.enableHttpsTrafficOnly === false)).toBe(true);
      expect(accounts.some((a) => a.allowBlobPublicAccess === false && a.minimumTlsVersion === 'TLS1_2' && a.enableHttpsTrafficOnly === true)).toBe(true);

      const containers = [];
      for (const account of accounts) {
        const resourceGroup = /resourceGroups\/([^/]+)/.exec(account.id ?? '')?.[1] ?? '';
        const service = await client.blobServices.getServiceProperties(resourceGroup, account.name ?? '');
        expect(service.name).toBe('default');
        for await (const item of client.blobContainers.list(resourceGroup, account.name ?? '')) containers.push(item);
      }
      expect(containers).toHaveLength(8);
      expect(containers.map((c) => c.name)).toEqual(
        expect.arrayContaining(['patient-records', 'lab-results', 'imaging', 'prescriptions', 'research-exports', 'insights-activity-logs', 'hipaa-audit']),
      );
      expect(containers.some((c) => c.publicAccess === 'Blob')).toBe(true);
    } finally {
      await sandbox.close();
    }
  });
});
