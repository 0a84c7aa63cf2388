import { SANDBOX_TENANT_ID } from './credential.js';
import type { ArmResource, SandboxState } from './state.js';

/** The subscription of the demo state. */
export const HEALTHCARE_SUBSCRIPTION_ID = '11111111-2222-4333-8444-555555555555';

const SUBSCRIPTION = `/subscriptions/${HEALTHCARE_SUBSCRIPTION_ID}`;
const CREATED = '2025-03-14T09:21:44.5120000Z';
const SECONDARY_REGION: Readonly<Record<string, string>> = { eastus2: 'centralus', westus2: 'westcentralus' };

interface AccountSeed {
  name: string;
  resourceGroup: string;
  location: string;
  skuName: string;
  tags: Record<string, string>;
  /** Overrides of the secure baseline. */
  properties?: Record<string, unknown>;
}

interface BlobServiceSeed {
  deleteRetentionDays?: number;
  containerDeleteRetentionDays?: number;
  versioning?: boolean;
}

interface ContainerSeed {
  name: string;
  publicAccess: 'None' | 'Blob' | 'Container';
  etag: string;
  lastModifiedTime: string;
  metadata?: Record<string, string>;
}

function accountId(seed: Pick<AccountSeed, 'name' | 'resourceGroup'>): string {
  return `${SUBSCRIPTION}/resourceGroups/${seed.resourceGroup}/providers/Microsoft.Storage/storageAccounts/${seed.name}`;
}

function storageAccount(seed: AccountSeed): ArmResource {
  const endpoint = (service: string): string => `https://${seed.name}.${service}.core.windows.net/`;
  return {
    id: accountId(seed),
    name: seed.name,
    type: 'Microsoft.Storage/storageAccounts',
    location: seed.location,
    kind: 'StorageV2',
    sku: { name: seed.skuName, tier: 'Standard' },
    tags: seed.tags,
    properties: {
      allowBlobPublicAccess: false,
      supportsHttpsTrafficOnly: true,
      minimumTlsVersion: 'TLS1_2',
      publicNetworkAccess: 'Enabled',
      allowSharedKeyAccess: false,
      networkAcls: { bypass: 'AzureServices', virtualNetworkRules: [], ipRules: [], defaultAction: 'Deny' },
      encryption: {
        keySource: 'Microsoft.Storage',
        requireInfrastructureEncryption: true,
        services: {
          blob: { enabled: true, keyType: 'Account', lastEnabledTime: CREATED },
          file: { enabled: true, keyType: 'Account', lastEnabledTime: CREATED },
        },
      },
      accessTier: 'Hot',
      keyCreationTime: { key1: CREATED, key2: CREATED },
      ...seed.properties,
      provisioningState: 'Succeeded',
      creationTime: CREATED,
      primaryEndpoints: {
        blob: endpoint('blob'),
        queue: endpoint('queue'),
        table: endpoint('table'),
        file: endpoint('file'),
        web: endpoint('web'),
        dfs: endpoint('dfs'),
      },
      primaryLocation: seed.location,
      statusOfPrimary: 'available',
      ...(seed.skuName.includes('GRS') ? { secondaryLocation: SECONDARY_REGION[seed.location] ?? 'centralus', statusOfSecondary: 'available' } : {}),
    },
  };
}

function blobService(account: AccountSeed, seed: BlobServiceSeed, etag: string): ArmResource {
  const retention = (days: number | undefined): Record<string, unknown> =>
    days === undefined ? { enabled: false } : { enabled: true, days };
  return {
    id: `${accountId(account)}/blobServices/default`,
    name: 'default',
    type: 'Microsoft.Storage/storageAccounts/blobServices',
    etag,
    sku: { name: account.skuName, tier: 'Standard' },
    properties: {
      cors: { corsRules: [] },
      deleteRetentionPolicy: { ...retention(seed.deleteRetentionDays), allowPermanentDelete: false },
      containerDeleteRetentionPolicy: retention(seed.containerDeleteRetentionDays),
      isVersioningEnabled: seed.versioning ?? false,
    },
  };
}

function container(account: AccountSeed, seed: ContainerSeed): ArmResource {
  return {
    id: `${accountId(account)}/blobServices/default/containers/${seed.name}`,
    name: seed.name,
    type: 'Microsoft.Storage/storageAccounts/blobServices/containers',
    etag: seed.etag,
    properties: {
      publicAccess: seed.publicAccess,
      leaseStatus: 'Unlocked',
      leaseState: 'Available',
      lastModifiedTime: seed.lastModifiedTime,
      hasImmutabilityPolicy: false,
      hasLegalHold: false,
      defaultEncryptionScope: '$account-encryption-key',
      denyEncryptionScopeOverride: false,
      deleted: false,
      remainingRetentionDays: 0,
      ...(seed.metadata !== undefined ? { metadata: seed.metadata } : {}),
    },
  };
}

const phi = (department: string): Record<string, string> => ({
  'data-classification': 'phi',
  department,
  environment: 'production',
});

const EHR: AccountSeed = { name: 'stclinicalehr01', resourceGroup: 'rg-clinical', location: 'eastus2', skuName: 'Standard_GRS', tags: phi('clinical') };
const IMAGING: AccountSeed = {
  name: 'stclinicalimg02',
  resourceGroup: 'rg-clinical',
  location: 'eastus2',
  skuName: 'Standard_LRS',
  tags: phi('radiology'),
  // Opened up "temporarily" for a vendor viewer: public blobs and legacy TLS.
  properties: {
    allowBlobPublicAccess: true,
    minimumTlsVersion: 'TLS1_0',
    allowSharedKeyAccess: true,
    networkAcls: { bypass: 'AzureServices', virtualNetworkRules: [], ipRules: [], defaultAction: 'Allow' },
  },
};
const PHARMACY_RX: AccountSeed = {
  name: 'stpharmacyrx01',
  resourceGroup: 'rg-pharmacy',
  location: 'eastus2',
  skuName: 'Standard_GRS',
  tags: phi('pharmacy'),
  properties: {
    allowBlobPublicAccess: true,
    supportsHttpsTrafficOnly: false,
    minimumTlsVersion: 'TLS1_0',
    allowSharedKeyAccess: true,
    networkAcls: { bypass: 'AzureServices', virtualNetworkRules: [], ipRules: [], defaultAction: 'Allow' },
    encryption: {
      keySource: 'Microsoft.Storage',
      services: {
        blob: { enabled: true, keyType: 'Account', lastEnabledTime: CREATED },
        file: { enabled: true, keyType: 'Account', lastEnabledTime: CREATED },
      },
    },
  },
};
const PHARMACY_OK: AccountSeed = { name: 'stpharmacyok02', resourceGroup: 'rg-pharmacy', location: 'eastus2', skuName: 'Standard_GRS', tags: phi('pharmacy') };
const RESEARCH: AccountSeed = {
  name: 'stresearchexp01',
  resourceGroup: 'rg-research',
  location: 'westus2',
  skuName: 'Standard_LRS',
  tags: { 'data-classification': 'phi-deidentified', department: 'research', environment: 'production' },
  properties: {
    allowBlobPublicAccess: true,
    supportsHttpsTrafficOnly: false,
    minimumTlsVersion: 'TLS1_1',
    publicNetworkAccess: 'Enabled',
    allowSharedKeyAccess: true,
    networkAcls: { bypass: 'AzureServices', virtualNetworkRules: [], ipRules: [{ value: '203.0.113.0/24', action: 'Allow' }], defaultAction: 'Allow' },
  },
};
const AUDIT_LOGS: AccountSeed = {
  name: 'stauditlogs01',
  resourceGroup: 'rg-shared-logs',
  location: 'eastus2',
  skuName: 'Standard_RAGRS',
  tags: { 'data-classification': 'audit', department: 'security', environment: 'production' },
  properties: { publicNetworkAccess: 'Disabled' },
};

const OWNER_ROLE = '8e3af657-a8ff-443c-a75c-2fe8c4bcb635';
const READER_ROLE = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';
/** Invented directory: a platform admin and an external auditor exist; the departed engineer does not. */
const ADMIN = '6a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d';
const AUDITOR = '7b2c3d4e-5f6a-4b7c-9d8e-9f0a1b2c3d4e';
const DEPARTED_ENGINEER = '8c3d4e5f-6a7b-4c8d-8e9f-0a1b2c3d4e5f';

function roleAssignment(name: string, role: string, principalId: string, createdOn: string, description?: string): ArmResource {
  const scope = `/subscriptions/${HEALTHCARE_SUBSCRIPTION_ID}`;
  return {
    id: `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`,
    name,
    type: 'Microsoft.Authorization/roleAssignments',
    properties: {
      roleDefinitionId: `${scope}/providers/Microsoft.Authorization/roleDefinitions/${role}`,
      principalId,
      principalType: 'User',
      scope,
      ...(description === undefined ? {} : { description }),
      createdOn,
      updatedOn: createdOn,
      createdBy: ADMIN,
      updatedBy: ADMIN,
    },
  };
}

/**
 * A container's time-based retention policy as its own entry (the sandbox shows it on the
 * container): an unlocked one someone set to a year, short of the six years audit logs need.
 */
function immutabilityPolicy(account: AccountSeed, containerName: string, days: number, etag: string): ArmResource {
  return {
    id: `${accountId(account)}/blobServices/default/containers/${containerName}/immutabilityPolicies/default`,
    name: 'default',
    type: 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies',
    etag,
    properties: { immutabilityPeriodSinceCreationInDays: days, state: 'Unlocked', allowProtectedAppendWrites: true },
  };
}

/** The Log Analytics workspace the diagnostic settings send to, on the 30-day default retention. */
export const HEALTHCARE_AUDIT_WORKSPACE_ID = `${SUBSCRIPTION}/resourceGroups/rg-shared-logs/providers/Microsoft.OperationalInsights/workspaces/law-hipaa-audit`;

const AUDIT_WORKSPACE: ArmResource = {
  id: HEALTHCARE_AUDIT_WORKSPACE_ID,
  name: 'law-hipaa-audit',
  type: 'Microsoft.OperationalInsights/workspaces',
  location: 'eastus2',
  tags: { department: 'security', environment: 'production' },
  properties: { customerId: '3f6b2c1d-8e9a-4b7c-9d0e-1f2a3b4c5d6e', provisioningState: 'Succeeded', sku: { name: 'PerGB2018' }, retentionInDays: 30, publicNetworkAccessForQuery: 'Enabled', publicNetworkAccessForIngestion: 'Enabled' },
};

/**
 * The clinical apps' Key Vault (customer-managed keys for the EHR): RBAC mode and soft delete,
 * but purge protection was never turned on, and it is open to the internet.
 */
const CLINICAL_VAULT: ArmResource = {
  id: `${SUBSCRIPTION}/resourceGroups/rg-clinical/providers/Microsoft.KeyVault/vaults/kv-clinical-cmk`,
  name: 'kv-clinical-cmk',
  type: 'Microsoft.KeyVault/vaults',
  location: 'eastus2',
  tags: { 'data-classification': 'phi', department: 'clinical', environment: 'production' },
  properties: {
    sku: { family: 'A', name: 'standard' },
    tenantId: SANDBOX_TENANT_ID,
    accessPolicies: [],
    enableRbacAuthorization: true,
    enableSoftDelete: true,
    softDeleteRetentionInDays: 90,
    vaultUri: 'https://kv-clinical-cmk.vault.azure.net',
    provisioningState: 'Succeeded',
    publicNetworkAccess: 'Enabled',
  },
};

/** PIM's record of a time-bound assignment it made (shape of the 2020-10-01 spec example): PIM removes it at `end`. */
function pimScheduleInstance(name: string, assignment: ArmResource, start: string, end: string): ArmResource {
  const properties = assignment.properties ?? {};
  return {
    id: `/subscriptions/${HEALTHCARE_SUBSCRIPTION_ID}/providers/Microsoft.Authorization/RoleAssignmentScheduleInstances/${name}`,
    name,
    type: 'Microsoft.Authorization/RoleAssignmentScheduleInstances',
    properties: {
      originRoleAssignmentId: assignment.id,
      assignmentType: 'Assigned',
      scope: properties['scope'],
      roleDefinitionId: properties['roleDefinitionId'],
      principalId: properties['principalId'],
      principalType: properties['principalType'],
      status: 'Provisioned',
      startDateTime: start,
      endDateTime: end,
      memberType: 'Direct',
      createdOn: start,
    },
  };
}

const DBA = '9d4e5f6a-7b8c-4d9e-8f0a-1b2c3d4e5f6a';
const MIGRATION_OWNER = roleAssignment('a1b2c3d4-0004-4000-8000-00000000a004', OWNER_ROLE, DBA, '2026-11-02T08:00:00.0000000Z', 'EHR database migration');

/**
 * A small healthcare subscription for the live demo: four resource groups, six storage
 * accounts (some hardened, some not), their blob services and eight containers. Names
 * and tags are invented; there is no personal data.
 */
export function healthcareSubscription(): SandboxState {
  // A copy, so callers may change the state without touching the seed constants.
  return structuredClone({
    resources: [
      storageAccount(EHR),
      blobService(EHR, { deleteRetentionDays: 30, containerDeleteRetentionDays: 30, versioning: true }, '"0x8DD2A4C3B1F0E01"'),
      container(EHR, { name: 'patient-records', publicAccess: 'None', etag: '"0x8DD2A4C3B1F0E11"', lastModifiedTime: '2025-04-02T14:03:27.0000000Z' }),
      container(EHR, { name: 'lab-results', publicAccess: 'None', etag: '"0x8DD2A4C3B1F0E12"', lastModifiedTime: '2025-04-02T14:05:10.0000000Z' }),

      storageAccount(IMAGING),
      blobService(IMAGING, {}, '"0x8DD2A4C3B1F0E02"'),
      container(IMAGING, {
        name: 'imaging',
        publicAccess: 'Blob',
        etag: '"0x8DD2A4C3B1F0E21"',
        lastModifiedTime: '2025-05-19T08:44:51.0000000Z',
        metadata: { purpose: 'dicom-viewer' },
      }),

      storageAccount(PHARMACY_RX),
      blobService(PHARMACY_RX, { deleteRetentionDays: 7 }, '"0x8DD2A4C3B1F0E03"'),
      container(PHARMACY_RX, { name: 'prescriptions', publicAccess: 'Container', etag: '"0x8DD2A4C3B1F0E31"', lastModifiedTime: '2025-06-02T17:40:11.0000000Z' }),

      storageAccount(PHARMACY_OK),
      blobService(PHARMACY_OK, { deleteRetentionDays: 30, containerDeleteRetentionDays: 30 }, '"0x8DD2A4C3B1F0E04"'),
      container(PHARMACY_OK, { name: 'prescriptions', publicAccess: 'None', etag: '"0x8DD2A4C3B1F0E41"', lastModifiedTime: '2025-06-02T17:42:55.0000000Z' }),

      storageAccount(RESEARCH),
      blobService(RESEARCH, {}, '"0x8DD2A4C3B1F0E05"'),
      container(RESEARCH, { name: 'research-exports', publicAccess: 'Container', etag: '"0x8DD2A4C3B1F0E51"', lastModifiedTime: '2025-07-21T11:12:09.0000000Z' }),

      storageAccount(AUDIT_LOGS),
      blobService(AUDIT_LOGS, { deleteRetentionDays: 365, containerDeleteRetentionDays: 365, versioning: true }, '"0x8DD2A4C3B1F0E06"'),
      container(AUDIT_LOGS, { name: 'insights-activity-logs', publicAccess: 'None', etag: '"0x8DD2A4C3B1F0E61"', lastModifiedTime: '2025-03-14T09:30:00.0000000Z' }),
      container(AUDIT_LOGS, { name: 'hipaa-audit', publicAccess: 'None', etag: '"0x8DD2A4C3B1F0E62"', lastModifiedTime: '2025-03-14T09:31:00.0000000Z' }),
      immutabilityPolicy(AUDIT_LOGS, 'insights-activity-logs', 365, '"8dd2a4c3b1f0e63"'),
      AUDIT_WORKSPACE,
      CLINICAL_VAULT,

      // Access: a current admin, an external auditor whose access ran out, and an engineer who
      // left a year ago and still holds Owner — the failure HIPAA termination procedures exist for.
      roleAssignment('a1b2c3d4-0001-4000-8000-00000000a001', OWNER_ROLE, ADMIN, '2026-09-01T08:00:00.0000000Z', 'platform admin; expires=2027-06-30'),
      roleAssignment('a1b2c3d4-0002-4000-8000-00000000a002', READER_ROLE, AUDITOR, '2026-10-01T08:00:00.0000000Z', 'external HIPAA audit; expires=2026-10-31'),
      roleAssignment('a1b2c3d4-0003-4000-8000-00000000a003', OWNER_ROLE, DEPARTED_ENGINEER, '2025-11-03T08:00:00.0000000Z', 'on-call engineer'),
      // A database engineer's Owner granted through PIM for a migration window: PIM ends it, not us.
      MIGRATION_OWNER,
      pimScheduleInstance('b2c3d4e5-0004-4000-8000-00000000b004', MIGRATION_OWNER, '2026-11-02T08:00:00.0000000Z', '2027-02-28T18:00:00.0000000Z'),
    ],
    directory: [
      { id: ADMIN, '@odata.type': '#microsoft.graph.user' },
      { id: AUDITOR, '@odata.type': '#microsoft.graph.user' },
      { id: DBA, '@odata.type': '#microsoft.graph.user' },
    ],
  });
}
