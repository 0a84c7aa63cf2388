import { z } from 'zod';
import { armTimestamp } from '../armTime.js';
import { ArmError } from '../errors.js';
import type { ArmResource } from '../state.js';
import type { ResourceProvider, ResourceTypeDefinition, WriteContext } from './types.js';
import { validateBody } from './validation.js';

/**
 * Microsoft.KeyVault: vaults (the management plane), after azure-rest-api-specs
 * `specification/keyvault/resource-manager/Microsoft.KeyVault/stable/2025-05-01/keyvault.json`
 * (VaultProperties, VaultPatchProperties, NetworkRuleSet) and the service's own answers where
 * they are on record. The keys inside a vault are the data plane (`sandbox/keyvault.ts`).
 *
 * What the service enforces beyond the schema, and how sure we are:
 * - `enablePurgeProtection: false` is refused on create and update alike, 400 `BadRequest`
 *   "The property \"enablePurgeProtection\" cannot be set to false. Enabling the purge protection
 *   for a vault is an irreversible action." (verbatim from live answers quoted in
 *   Azure/azure-rest-api-specs#18106 and Azure/ai-hub#241). Omitting it keeps what the vault has.
 * - `enableSoftDelete`: "Once set to true, it cannot be reverted to false" (spec). Since February
 *   2025 no vault can opt out (learn.microsoft.com soft-delete-change), and the Key Vault PM
 *   reported that a create with `false` is stored as `true` (Azure/azure-powershell#15970): the
 *   sandbox does that. Setting `false` on a vault that has it is refused with 400 `BadRequest`;
 *   that message is modelled on the purge-protection one (not on record).
 * - `softDeleteRetentionInDays` 7–90, default 90 (spec). Once set it cannot change: 400
 *   `BadRequest` "The property \"softDeleteRetentionInDays\" has been set already and it can't
 *   be modified." (live message quoted in terraform-provider-azurerm's key_vault_resource.go).
 *   Sending the value it already has is accepted (an assumption: clients round-trip GETs).
 * - A PUT without `accessPolicies` (other than `createMode: recover`) is refused with 400
 *   `BadRequest` "The parameter accessPolicies is not specified." (live message in Pulumi and
 *   Bicep reports; the spec: "Otherwise, access policies are required").
 * - Vault names: 3–24 letters, digits and hyphens (spec pattern), starting with a letter, ending
 *   with a letter or digit, no consecutive hyphens; 400 `VaultNameNotValid` (the code is in the
 *   Key Vault "common error codes" doc; the message follows the service's wording as recalled).
 * - A PUT on an existing vault replaces it: settings it leaves out go back to the spec defaults
 *   (`enableRbacAuthorization` false, `publicNetworkAccess` Enabled, ...), the one-way ones above
 *   stay. That is how redeployed templates behave as commonly reported; not verified here.
 * - `vaultUri` is the service's: the data-plane URL of the vault. For the vault whose data plane
 *   the sandbox serves it is `Sandbox.keyVaultUrl`; for any other vault the public-cloud form.
 *   Like the spec examples it carries no trailing slash.
 */

export const KEY_VAULT_NAMESPACE = 'Microsoft.KeyVault';
export const KEY_VAULT_VAULTS = 'Microsoft.KeyVault/vaults';

// ---- request schemas: only what the service checks; unknown fields pass through ----

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const uuid = z.string().regex(UUID, { message: 'expected a GUID' });

const sku = z.looseObject({ family: z.literal('A'), name: z.enum(['standard', 'premium']) });

const accessPolicy = z.looseObject({
  tenantId: uuid,
  objectId: z.string().min(1),
  applicationId: uuid.nullish(),
  permissions: z.looseObject({
    keys: z.array(z.string()).optional(),
    secrets: z.array(z.string()).optional(),
    certificates: z.array(z.string()).optional(),
    storage: z.array(z.string()).optional(),
  }),
});

const networkAcls = z.looseObject({
  bypass: z.enum(['AzureServices', 'None']).optional(),
  defaultAction: z.enum(['Allow', 'Deny']).optional(),
  ipRules: z.array(z.looseObject({ value: z.string().min(1) })).optional(),
  virtualNetworkRules: z.array(z.looseObject({ id: z.string().min(1), ignoreMissingVnetServiceEndpoint: z.boolean().optional() })).optional(),
});

/** The spec types it as a string ("enabled" by default); the service answers `Enabled` / `Disabled`. */
const publicNetworkAccess = z.string().regex(/^(enabled|disabled)$/i, { message: "expected 'Enabled' or 'Disabled'" });

const sharedProperties = {
  tenantId: uuid.optional(),
  sku: sku.optional(),
  accessPolicies: z.array(accessPolicy).max(1024).optional(),
  enabledForDeployment: z.boolean().optional(),
  enabledForDiskEncryption: z.boolean().optional(),
  enabledForTemplateDeployment: z.boolean().optional(),
  enableSoftDelete: z.boolean().optional(),
  softDeleteRetentionInDays: z.number().int().min(7).max(90).optional(),
  enableRbacAuthorization: z.boolean().optional(),
  createMode: z.enum(['recover', 'default']).optional(),
  enablePurgeProtection: z.boolean().optional(),
  networkAcls: networkAcls.optional(),
  publicNetworkAccess: publicNetworkAccess.optional(),
};

const tags = z.record(z.string(), z.string());

const vaultPatch = z.looseObject({
  tags: tags.optional(),
  properties: z.looseObject(sharedProperties).optional(),
});

const vaultPut = z.looseObject({
  location: z.string().min(1),
  tags: tags.optional(),
  properties: z.looseObject({ ...sharedProperties, tenantId: uuid, sku }),
});

/** The `properties` a PUT or PATCH sends, typed as far as the rules below read them. */
interface VaultPropertiesInput {
  accessPolicies?: unknown[];
  enableSoftDelete?: boolean;
  softDeleteRetentionInDays?: number;
  createMode?: string;
  enablePurgeProtection?: boolean;
  publicNetworkAccess?: string;
}

// ---- errors the service gives ----

function badRequest(message: string): ArmError {
  return new ArmError(400, 'BadRequest', message);
}

const VAULT_NAME = /^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/;

function validateVaultName(name: string): void {
  if (VAULT_NAME.test(name) && !name.includes('--')) return;
  throw new ArmError(
    400,
    'VaultNameNotValid',
    `The vault name '${name}' is invalid. A vault's name must be between 3-24 alphanumeric characters. The name must begin with a letter, end with a letter or digit, and not contain consecutive hyphens.`,
  );
}

// ---- the rules ----

function requestedProperties(context: WriteContext): VaultPropertiesInput {
  const properties = context.body.properties;
  return typeof properties === 'object' && properties !== null ? (properties as VaultPropertiesInput) : {};
}

function validateVault(context: WriteContext): void {
  const isPut = context.method === 'PUT';
  validateBody(isPut ? vaultPut : vaultPatch, context.body);
  const requested = requestedProperties(context);
  const current = context.existing?.properties ?? {};

  if (isPut && requested.accessPolicies === undefined && requested.createMode !== 'recover') {
    throw badRequest('The parameter accessPolicies is not specified.');
  }
  if (requested.enablePurgeProtection === false) {
    throw badRequest('The property "enablePurgeProtection" cannot be set to false. Enabling the purge protection for a vault is an irreversible action.');
  }
  if (requested.enableSoftDelete === false && context.existing !== undefined && current.enableSoftDelete !== false) {
    throw badRequest('The property "enableSoftDelete" cannot be set to false. Enabling the \'soft delete\' functionality is an irreversible action.');
  }
  const retention = current.softDeleteRetentionInDays;
  if (requested.softDeleteRetentionInDays !== undefined && typeof retention === 'number' && requested.softDeleteRetentionInDays !== retention) {
    throw badRequest('The property "softDeleteRetentionInDays" has been set already and it can\'t be modified.');
  }
}

/** Where a vault's data plane answers; the sandbox decides for the one vault it serves. */
export interface VaultDataPlane {
  /** The sandbox's data-plane URL when `vaultName` is the vault it serves, otherwise undefined. */
  urlFor(vaultName: string): string | undefined;
}

function vaultUri(name: string, dataPlane: VaultDataPlane): string {
  return dataPlane.urlFor(name) ?? `https://${name.toLowerCase()}.vault.azure.net`;
}

function canonicalPublicNetworkAccess(value: unknown): string {
  return typeof value === 'string' && /^disabled$/i.test(value) ? 'Disabled' : 'Enabled';
}

/** What a vault has for the settings a create (or a replacing PUT) does not send (spec defaults). */
const VAULT_DEFAULTS: Readonly<Record<string, unknown>> = {
  enabledForDeployment: false,
  enabledForDiskEncryption: false,
  enabledForTemplateDeployment: false,
  enableRbacAuthorization: false,
  publicNetworkAccess: 'Enabled',
};

/**
 * The properties after a write. A PATCH arrives merged into the vault; a PUT replaces it, so
 * what it leaves out falls back to the defaults (as a redeployed template does) -- except the
 * one-way settings, which no request can take back: soft delete, its retention, purge
 * protection. `createMode` is write-only (spec mutability create/update) and never read back.
 */
function settle(resource: ArmResource, context: WriteContext, dataPlane: VaultDataPlane): ArmResource {
  const before = context.existing?.properties ?? {};
  const properties: Record<string, unknown> = { ...resource.properties };
  delete properties.createMode;
  for (const [key, value] of Object.entries(VAULT_DEFAULTS)) properties[key] ??= value;
  properties.softDeleteRetentionInDays ??= before.softDeleteRetentionInDays ?? 90;
  // A create asking for no soft delete gets it anyway; a legacy vault without it keeps its value.
  properties.enableSoftDelete = context.existing === undefined ? true : properties.enableSoftDelete ?? before.enableSoftDelete ?? true;
  // true is the only value the service stores; absent means "never enabled".
  if (before.enablePurgeProtection === true) properties.enablePurgeProtection = true;
  properties.publicNetworkAccess = canonicalPublicNetworkAccess(properties.publicNetworkAccess);
  properties.vaultUri = vaultUri(resource.name, dataPlane);
  properties.provisioningState = 'Succeeded';

  const now = armTimestamp(context.now);
  const caller = context.callerObjectId;
  const previous = (context.existing?.systemData ?? {}) as Record<string, unknown>;
  // ARM records who wrote; the sandbox knows the caller's object id, not its type or UPN.
  const systemData = {
    ...previous,
    ...(context.existing === undefined ? { createdAt: now, ...(caller !== undefined ? { createdBy: caller } : {}) } : {}),
    lastModifiedAt: now,
    ...(caller !== undefined ? { lastModifiedBy: caller } : {}),
  };
  return { ...resource, tags: resource.tags ?? {}, systemData, properties };
}

function vaultsDefinition(dataPlane: VaultDataPlane): ResourceTypeDefinition {
  return {
    type: KEY_VAULT_VAULTS,
    methods: ['GET', 'PUT', 'PATCH', 'DELETE'],
    listable: true,
    hasEtag: false,
    // Vaults_CreateOrUpdate sets the vault as given; `settle` fills defaults and keeps what the service never lets go.
    putSemantics: 'replace',
    // The spec allows 200 or 201 for a create; what the live service picks is not on record.
    createdStatus: 200,
    serviceOwnedProperties: ['vaultUri', 'provisioningState', 'hsmPoolResourceId', 'privateEndpointConnections'],
    validateName: validateVaultName,
    validate: validateVault,
    afterWrite: (resource, context) => settle(resource, context, dataPlane),
  };
}

/**
 * The api-versions the sandbox accepts: what @azure/arm-keyvault 5.0.0 sends (2026-02-01) and
 * the two stable versions before it (FACTS.md §A).
 */
export const KEY_VAULT_ARM_API_VERSIONS = ['2026-02-01', '2025-05-01', '2024-11-01'] as const;

/** The provider, for a sandbox whose data plane serves the vault `dataPlane` names. */
export function createKeyVaultProvider(dataPlane: VaultDataPlane): ResourceProvider {
  return {
    namespace: KEY_VAULT_NAMESPACE,
    apiVersions: KEY_VAULT_ARM_API_VERSIONS,
    resourceTypes: [vaultsDefinition(dataPlane)],
  };
}

/** The provider with no data plane attached: every vaultUri has the public-cloud form. */
export const keyVaultProvider: ResourceProvider = createKeyVaultProvider({ urlFor: () => undefined });
