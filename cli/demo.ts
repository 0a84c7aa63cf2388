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

interface DriftStep {
  describe: string;
  run(client: StorageManagementClient): Promise<unknown>;
}

const STEPS: readonly DriftStep[] = [
  { describe: 'rg-clinical/stclinicalehr01: allowBlobPublicAccess=true', run: (c) => c.storageAccounts.update('rg-clinical', 'stclinicalehr01', { allowBlobPublicAccess: true }) },
  { describe: 'rg-pharmacy/stpharmacyok02: minimumTlsVersion=TLS1_0, HTTP allowed', run: (c) => c.storageAccounts.update('rg-pharmacy', 'stpharmacyok02', { minimumTlsVersion: 'TLS1_0', enableHttpsTrafficOnly: false }) },
  { describe: 'rg-research/stresearchexp01: tags updated (the account drifted long ago)', run: (c) => c.storageAccounts.update('rg-research', 'stresearchexp01', { tags: { 'data-classification': 'phi-deidentified', department: 'research', reviewed: new Date().toISOString().slice(0, 10) } }) },
  { describe: 'rg-research/stresearchexp01/research-exports: metadata updated', run: (c) => c.blobContainers.update('rg-research', 'stresearchexp01', 'research-exports', { metadata: { reviewed: 'yes' } }) },
  { describe: 'rg-clinical/stclinicalimg02: tags updated', run: (c) => c.storageAccounts.update('rg-clinical', 'stclinicalimg02', { tags: { 'data-classification': 'phi', department: 'radiology' } }) },
];

/** Applies one drift step every `intervalMs` until stopped. Returns the stop function. */
export function startDrift(sandbox: Sandbox, log: Logger, intervalMs: number, print: (line: string) => void): () => void {
  const clients = PEOPLE.map(
    (person) => new StorageManagementClient(sandboxCredential(person), HEALTHCARE_SUBSCRIPTION_ID, { endpoint: sandbox.url, tlsOptions: { ca: sandbox.ca } }),
  );
  let step = 0;
  const timer = setInterval(() => {
    const current = STEPS[step % STEPS.length];
    const client = clients[step % clients.length];
    step += 1;
    if (current === undefined || client === undefined) return;
    print(`drift    a user changes ${current.describe}`);
    current.run(client).catch((error: unknown) => log.warn({ err: error }, `demo change failed: ${current.describe}`));
  }, intervalMs);
  return () => clearInterval(timer);
}
