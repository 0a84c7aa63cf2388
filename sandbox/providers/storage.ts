import { z } from 'zod';
import { armTimestamp } from '../armTime.js';
import { ArmError } from '../errors.js';
import type { ArmResource } from '../state.js';
import { immutabilityPolicies } from './storageImmutability.js';
import type { ResourceProvider, ResourceTypeDefinition, WriteContext } from './types.js';
import { validateBody } from './validation.js';

/**
 * Microsoft.Storage: storage accounts, their blob service and blob containers (with their
 * immutability policies, `storageImmutability.ts`), after azure-rest-api-specs
 * `Microsoft.Storage/stable/2025-08-01/storage.json` and `blob.json`.
 */

const STORAGE_ACCOUNTS = 'Microsoft.Storage/storageAccounts';
const BLOB_SERVICES = 'Microsoft.Storage/storageAccounts/blobServices';
const CONTAINERS = 'Microsoft.Storage/storageAccounts/blobServices/containers';

// ---- request schemas: only what the service checks; unknown fields pass through ----

const tags = z.record(z.string(), z.string());
const retentionDays = z.number().int().min(1).max(365);

const networkAcls = z.looseObject({
  bypass: z
    .string()
    .regex(/^\s*(None|Logging|Metrics|AzureServices)(\s*,\s*(None|Logging|Metrics|AzureServices))*\s*$/, {
      message: 'expected a comma-separated combination of None, Logging, Metrics, AzureServices',
    })
    .optional(),
  defaultAction: z.enum(['Allow', 'Deny']),
  ipRules: z.array(z.looseObject({ value: z.string(), action: z.literal('Allow').optional() })).optional(),
  virtualNetworkRules: z.array(z.looseObject({ id: z.string(), action: z.literal('Allow').optional() })).optional(),
  resourceAccessRules: z.array(z.looseObject({ tenantId: z.string().optional(), resourceId: z.string().optional() })).optional(),
});

const encryptionService = z.looseObject({ enabled: z.boolean().optional(), keyType: z.enum(['Service', 'Account']).optional() });

const accountProperties = z.looseObject({
  allowBlobPublicAccess: z.boolean().optional(),
  supportsHttpsTrafficOnly: z.boolean().optional(),
  allowSharedKeyAccess: z.boolean().optional(),
  defaultToOAuthAuthentication: z.boolean().optional(),
  allowCrossTenantReplication: z.boolean().optional(),
  isHnsEnabled: z.boolean().optional(),
  isSftpEnabled: z.boolean().optional(),
  isLocalUserEnabled: z.boolean().optional(),
  isNfsV3Enabled: z.boolean().optional(),
  enableExtendedGroups: z.boolean().optional(),
  minimumTlsVersion: z.enum(['TLS1_0', 'TLS1_1', 'TLS1_2', 'TLS1_3']).optional(),
  publicNetworkAccess: z.enum(['Enabled', 'Disabled', 'SecuredByPerimeter']).optional(),
  accessTier: z.enum(['Hot', 'Cool', 'Premium', 'Cold']).optional(),
  allowedCopyScope: z.enum(['PrivateLink', 'AAD']).optional(),
  largeFileSharesState: z.enum(['Disabled', 'Enabled']).optional(),
  networkAcls: networkAcls.partial().optional(),
  encryption: z
    .looseObject({
      keySource: z.enum(['Microsoft.Storage', 'Microsoft.Keyvault']).optional(),
      requireInfrastructureEncryption: z.boolean().optional(),
      services: z
        .looseObject({
          blob: encryptionService.optional(),
          file: encryptionService.optional(),
          table: encryptionService.optional(),
          queue: encryptionService.optional(),
        })
        .optional(),
    })
    .optional(),
  keyPolicy: z.looseObject({ keyExpirationPeriodInDays: z.number().int().min(1) }).optional(),
  sasPolicy: z
    .looseObject({ sasExpirationPeriod: z.string(), expirationAction: z.enum(['Log', 'Block']).optional() })
    .optional(),
});

const accountSku = z.looseObject({ name: z.string().min(1) });
const accountKind = z.enum(['Storage', 'StorageV2', 'BlobStorage', 'FileStorage', 'BlockBlobStorage']);

const accountUpdate = z.looseObject({
  kind: accountKind.optional(),
  sku: accountSku.optional(),
  tags: tags.optional(),
  properties: accountProperties.optional(),
});

const accountCreate = accountUpdate.extend({ location: z.string().min(1), sku: accountSku, kind: accountKind });

const blobServiceProperties = z.looseObject({
  deleteRetentionPolicy: z
    .looseObject({ enabled: z.boolean().optional(), days: retentionDays.optional(), allowPermanentDelete: z.boolean().optional() })
    .optional(),
  containerDeleteRetentionPolicy: z
    .looseObject({ enabled: z.boolean().optional(), days: retentionDays.optional() })
    .optional(),
  restorePolicy: z.looseObject({ enabled: z.boolean(), days: retentionDays.optional() }).optional(),
  changeFeed: z
    .looseObject({ enabled: z.boolean().optional(), retentionInDays: z.number().int().min(1).max(146_000).optional() })
    .optional(),
  isVersioningEnabled: z.boolean().optional(),
  automaticSnapshotPolicyEnabled: z.boolean().optional(),
  cors: z.looseObject({ corsRules: z.array(z.looseObject({})).max(5).optional() }).optional(),
  defaultServiceVersion: z.string().optional(),
});

const blobServiceBody = z.looseObject({ properties: blobServiceProperties.optional() });

const containerBody = z.looseObject({
  properties: z
    .looseObject({
      publicAccess: z.enum(['None', 'Blob', 'Container']).optional(),
      metadata: z.record(z.string(), z.string()).optional(),
      defaultEncryptionScope: z.string().optional(),
      denyEncryptionScopeOverride: z.boolean().optional(),
      enableNfsV3RootSquash: z.boolean().optional(),
      enableNfsV3AllSquash: z.boolean().optional(),
      immutableStorageWithVersioning: z.looseObject({ enabled: z.boolean().optional() }).optional(),
    })
    .optional(),
});

// ---- helpers ----

const ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;
// 3-63 chars of lower-case letters, digits and single hyphens, starting and ending with a letter or digit.
const CONTAINER_NAME = /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/;
const SYSTEM_CONTAINERS = new Set(['$root', '$web', '$logs']);

function skuTier(skuName: string): string {
  return skuName.startsWith('Premium') ? 'Premium' : 'Standard';
}

/** The storage account id a blob service or container id belongs to. */
function accountIdOf(id: string): string {
  const index = id.toLowerCase().indexOf('/blobservices/');
  return index < 0 ? id : id.slice(0, index);
}

function endpoints(account: string): Record<string, string> {
  const endpoint = (service: string): string => `https://${account}.${service}.core.windows.net/`;
  return {
    blob: endpoint('blob'),
    queue: endpoint('queue'),
    table: endpoint('table'),
    file: endpoint('file'),
    web: endpoint('web'),
    dfs: endpoint('dfs'),
  };
}

// A few region pairs so geo-redundant accounts show a secondary like the real service.
const PAIRED_REGIONS: Readonly<Record<string, string>> = {
  eastus: 'westus',
  eastus2: 'centralus',
  westus: 'eastus',
  westus2: 'westcentralus',
  centralus: 'eastus2',
  northeurope: 'westeurope',
  westeurope: 'northeurope',
};

function withDefaults(properties: Record<string, unknown>, defaults: Record<string, unknown>): Record<string, unknown> {
  const result = { ...properties };
  for (const [key, value] of Object.entries(defaults)) if (result[key] === undefined) result[key] = value;
  return result;
}

// ---- storage accounts ----

function createAccount(resource: ArmResource, context: WriteContext): ArmResource {
  const now = armTimestamp(context.now);
  const location = resource.location ?? '';
  const skuName = resource.sku?.name ?? 'Standard_LRS';
  const geoRedundant = /GRS|GZRS/.test(skuName);
  const secondary = PAIRED_REGIONS[location.toLowerCase()];
  // Defaults of an account created with the current api-versions (secure by default since 2023).
  const properties = withDefaults(resource.properties ?? {}, {
    keyCreationTime: { key1: now, key2: now },
    allowBlobPublicAccess: false,
    minimumTlsVersion: 'TLS1_2',
    supportsHttpsTrafficOnly: true,
    networkAcls: { bypass: 'AzureServices', virtualNetworkRules: [], ipRules: [], defaultAction: 'Allow' },
    encryption: {
      keySource: 'Microsoft.Storage',
      services: {
        blob: { enabled: true, keyType: 'Account', lastEnabledTime: now },
        file: { enabled: true, keyType: 'Account', lastEnabledTime: now },
      },
    },
    ...(resource.kind === 'StorageV2' || resource.kind === 'BlobStorage' ? { accessTier: 'Hot' } : {}),
  });
  Object.assign(properties, {
    provisioningState: 'Succeeded',
    creationTime: now,
    primaryEndpoints: endpoints(resource.name),
    primaryLocation: location,
    statusOfPrimary: 'available',
    ...(geoRedundant && secondary !== undefined ? { secondaryLocation: secondary, statusOfSecondary: 'available' } : {}),
  });
  return { ...resource, sku: { ...resource.sku, name: skuName, tier: skuTier(skuName) }, properties };
}

const storageAccounts: ResourceTypeDefinition = {
  type: STORAGE_ACCOUNTS,
  methods: ['GET', 'PUT', 'PATCH', 'DELETE'],
  listable: true,
  hasEtag: false,
  // The real service treats a PUT on an existing account as an update of the given properties.
  putSemantics: 'merge',
  createdStatus: 200,
  serviceOwnedProperties: [
    'provisioningState',
    'creationTime',
    'primaryEndpoints',
    'primaryLocation',
    'statusOfPrimary',
    'secondaryEndpoints',
    'secondaryLocation',
    'statusOfSecondary',
    'keyCreationTime',
    'geoReplicationStats',
    'lastGeoFailoverTime',
    'blobRestoreStatus',
    'privateEndpointConnections',
    'accountMigrationInProgress',
    'isSkuConversionBlocked',
  ],
  validateName(name) {
    if (!ACCOUNT_NAME.test(name)) {
      throw new ArmError(
        400,
        'AccountNameInvalid',
        `${name} is not a valid storage account name. Storage account name must be between 3 and 24 characters in length and use numbers and lower-case letters only.`,
      );
    }
  },
  validate(context) {
    validateBody(context.method === 'PUT' && context.existing === undefined ? accountCreate : accountUpdate, context.body);
  },
  createDefaults: createAccount,
  afterWrite(resource) {
    const skuName = resource.sku?.name;
    return skuName === undefined ? resource : { ...resource, sku: { ...resource.sku, tier: skuTier(skuName) } };
  },
};

// ---- blob service ----

const blobServices: ResourceTypeDefinition = {
  type: BLOB_SERVICES,
  // The blob service exists with its account and cannot be deleted; PUT sets its properties.
  methods: ['GET', 'PUT'],
  listable: true,
  hasEtag: true,
  // Set Blob Service Properties leaves properties it is not given unchanged.
  putSemantics: 'merge',
  createdStatus: 200,
  validateName(name) {
    if (name !== 'default') throw new ArmError(400, 'InvalidResourceName', `The blob service name must be 'default', not '${name}'.`);
  },
  validate(context) {
    validateBody(blobServiceBody, context.body);
  },
  implicit: {
    names: ['default'],
    initial: (id, name, account) => ({
      id,
      name,
      type: BLOB_SERVICES,
      ...(account.sku !== undefined ? { sku: structuredClone(account.sku) } : {}),
      properties: {
        cors: { corsRules: [] },
        deleteRetentionPolicy: { allowPermanentDelete: false, enabled: false },
      },
    }),
  },
};

// ---- containers ----

const CONTAINER_SERVICE_OWNED = [
  'lastModifiedTime',
  'leaseStatus',
  'leaseState',
  'leaseDuration',
  'hasImmutabilityPolicy',
  'hasLegalHold',
  'immutabilityPolicy',
  'legalHold',
  'deleted',
  'deletedTime',
  'remainingRetentionDays',
  'version',
];

function rejectPublicAccessWhenAccountForbidsIt(context: WriteContext): void {
  const requested = (context.body.properties as Record<string, unknown> | undefined)?.publicAccess;
  if (requested === undefined || requested === 'None') return;
  const account = context.lookup(accountIdOf(context.resourceId));
  if (account?.properties?.allowBlobPublicAccess === false) {
    throw new ArmError(409, 'PublicAccessNotPermitted', 'Public access is not permitted on this storage account.');
  }
}

const containers: ResourceTypeDefinition = {
  type: CONTAINERS,
  methods: ['GET', 'PUT', 'PATCH', 'DELETE'],
  listable: true,
  hasEtag: true,
  putSemantics: 'replace',
  createdStatus: 201,
  serviceOwnedProperties: CONTAINER_SERVICE_OWNED,
  validateName(name) {
    if (!CONTAINER_NAME.test(name) && !SYSTEM_CONTAINERS.has(name)) {
      throw new ArmError(
        400,
        'InvalidResourceName',
        `The container name '${name}' is invalid. Container names must be 3-63 characters of lower-case letters, numbers and single hyphens, starting and ending with a letter or number.`,
      );
    }
  },
  validate(context) {
    validateBody(containerBody, context.body);
    rejectPublicAccessWhenAccountForbidsIt(context);
  },
  createDefaults(resource) {
    return {
      ...resource,
      properties: withDefaults(resource.properties ?? {}, {
        publicAccess: 'None',
        leaseStatus: 'Unlocked',
        leaseState: 'Available',
        hasImmutabilityPolicy: false,
        hasLegalHold: false,
        defaultEncryptionScope: '$account-encryption-key',
        denyEncryptionScopeOverride: false,
        deleted: false,
        remainingRetentionDays: 0,
      }),
    };
  },
  afterWrite(resource, context) {
    return { ...resource, properties: { ...resource.properties, lastModifiedTime: armTimestamp(context.now) } };
  },
};

/**
 * The storage api-versions the sandbox accepts: what @azure/arm-storage sends (20.1.0:
 * 2026-04-01; 20.0.0: 2025-08-01) and the recent stable ones other tools use.
 */
export const STORAGE_API_VERSIONS = ['2026-04-01', '2025-08-01', '2025-01-01', '2024-01-01', '2023-05-01', '2023-01-01'] as const;

export const storageProvider: ResourceProvider = {
  namespace: 'Microsoft.Storage',
  apiVersions: STORAGE_API_VERSIONS,
  resourceTypes: [storageAccounts, blobServices, containers, immutabilityPolicies],
};
