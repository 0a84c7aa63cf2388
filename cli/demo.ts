/**
 * The live demo's "people": a clinician, a data engineer and a researcher making the kind of
 * changes that drift a subscription out of compliance, through ARM with the real SDK, as
 * themselves. The service sees them only as Event Grid events, like in Azure.
 */
import { StorageManagementClient } from '@azure/arm-storage';
import { HEALTHCARE_SUBSCRIPTION_ID, sandboxCredential, type Sandbox, type SandboxIdentity } from '../sandbox/index.js';
import type { Logger } from '../shared/log.js';

/** Invented people; the names exist so the demo shows they never reach the audit or the log. */
const PEOPLE: readonly SandboxIdentity[] = [
  { objectId: '4b8d2f6a-1c3e-45a7-b9d0-e2f4a6c8b1d3', appId: '04b07795-8ddb-461a-bbee-02f9e1bf7b46', principalType: 'User', name: 'Dana Canaryfield', upn: 'dana.canaryfield@northwind-health.example' },
  { objectId: '7c1e9a52-3b4d-4f6e-8a9b-0c1d2e3f4a5b', appId: 'c44b4083-3bb0-49c1-b47d-974e53cbdf3c', principalType: 'User', name: 'Sam Placeholder', upn: 'sam.placeholder@northwind-health.example' },
];

interface DemoContext {
  client: StorageManagementClient;
  /** Calls the service's admin API as the operator (local token). */
  admin(method: 'PUT' | 'DELETE', path: string, body?: unknown): Promise<number>;
}

interface DriftStep {
  describe: string;
  actor: 'user' | 'operator';
  run(context: DemoContext): Promise<unknown>;
}

const STEPS: readonly DriftStep[] = [
  { actor: 'user', describe: 'rg-clinical/stclinicalehr01: allowBlobPublicAccess=true', run: ({ client }) => client.storageAccounts.update('rg-clinical', 'stclinicalehr01', { allowBlobPublicAccess: true }) },
  { actor: 'user', describe: 'rg-pharmacy/stpharmacyok02: minimumTlsVersion=TLS1_0, HTTP allowed', run: ({ client }) => client.storageAccounts.update('rg-pharmacy', 'stpharmacyok02', { minimumTlsVersion: 'TLS1_0', enableHttpsTrafficOnly: false }) },
  { actor: 'user', describe: 'rg-research/stresearchexp01: tags updated (the account drifted long ago)', run: ({ client }) => client.storageAccounts.update('rg-research', 'stresearchexp01', { tags: { 'data-classification': 'phi-deidentified', department: 'research', reviewed: new Date().toISOString().slice(0, 10) } }) },
  {
    actor: 'operator',
    describe: 'storage-public-access → alert in rg-research (admin API)',
    run: ({ admin }) => admin('PUT', '/api/admin/modes/storage-public-access?resourceGroup=rg-research', { mode: 'alert', reason: 'de-identified research exports: page on-call, do not auto-fix' }),
  },
  { actor: 'user', describe: 'rg-research/stresearchexp01: allowBlobPublicAccess=true (now alert-only there)', run: ({ client }) => client.storageAccounts.update('rg-research', 'stresearchexp01', { allowBlobPublicAccess: true }) },
  { actor: 'user', describe: 'rg-research/stresearchexp01: allowBlobPublicAccess=false (on-call fixed it by hand)', run: ({ client }) => client.storageAccounts.update('rg-research', 'stresearchexp01', { allowBlobPublicAccess: false }) },
  { actor: 'user', describe: 'rg-clinical/stclinicalimg02: tags updated', run: ({ client }) => client.storageAccounts.update('rg-clinical', 'stclinicalimg02', { tags: { 'data-classification': 'phi', department: 'radiology' } }) },
  {
    actor: 'operator',
    describe: 'storage-public-access back to the default in rg-research (admin API)',
    run: ({ admin }) => admin('DELETE', '/api/admin/modes/storage-public-access?resourceGroup=rg-research'),
  },
];

/** Applies one drift step every `intervalMs` until stopped. Returns the stop function. */
export function startDrift(sandbox: Sandbox, adminBase: string, adminToken: string, log: Logger, intervalMs: number, print: (line: string) => void): () => void {
  const clients = PEOPLE.map(
    (person) => new StorageManagementClient(sandboxCredential(person), HEALTHCARE_SUBSCRIPTION_ID, { endpoint: sandbox.url, tlsOptions: { ca: sandbox.ca } }),
  );
  const admin: DemoContext['admin'] = async (method, path, body) => {
    const response = await fetch(`${adminBase}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return response.status;
  };
  let step = 0;
  const timer = setInterval(() => {
    const current = STEPS[step % STEPS.length];
    const client = clients[step % clients.length];
    step += 1;
    if (current === undefined || client === undefined) return;
    print(current.actor === 'operator' ? `operator ${current.describe}` : `drift    a user changes ${current.describe}`);
    current.run({ client, admin }).catch((error: unknown) => log.warn({ err: error }, `demo step failed: ${current.describe}`));
  }, intervalMs);
  return () => clearInterval(timer);
}
