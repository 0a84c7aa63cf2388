/**
 * Resource Graph rows are ARM GET bodies (REST shape, `properties` nested), plus ARG's columns.
 * The remediators judge the SDK's shape, so each row is turned into what the SDK would have
 * deserialized from the same body. The SDKs do not export their deserializers; these mappings
 * follow them (renames listed per type) and test/shared/resourceGraphRows.test.ts holds them to
 * the real SDK: a remediator must judge a row exactly as it judges the ARM GET of that resource.
 */
import type { RoleAssignment } from '@azure/arm-authorization';
import type { Vault } from '@azure/arm-keyvault';
import type { Workspace } from '@azure/arm-operationalinsights';
import type { StorageAccount } from '@azure/arm-storage';
import { z } from 'zod';

export const graphRowSchema = z.looseObject({
  id: z.string().min(1).max(2048),
  name: z.string().max(1024).nullish(),
  type: z.string().max(512).nullish(),
  location: z.string().max(128).nullish(),
  kind: z.string().max(128).nullish(),
  sku: z.record(z.string(), z.unknown()).nullish(),
  identity: z.record(z.string(), z.unknown()).nullish(),
  tags: z.record(z.string(), z.string()).nullish(),
  properties: z.record(z.string(), z.unknown()).nullish(),
});

export type GraphRow = z.infer<typeof graphRowSchema>;

type Json = Record<string, unknown>;

function defined<T extends Json>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined && v !== null)) as T;
}

function asDate(value: unknown): Date | undefined {
  return typeof value === 'string' && value.length > 0 ? new Date(value) : undefined;
}

function asObject(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

/** The columns every tracked resource has, in the SDK's names. */
function tracked(row: GraphRow): Json {
  return defined({ id: row.id, name: row.name ?? undefined, type: row.type ?? undefined, location: row.location ?? undefined, tags: row.tags ?? undefined });
}

/** @azure/arm-storage 20.1: `properties` flattened; supportsHttpsTrafficOnly → enableHttpsTrafficOnly, networkAcls → networkRuleSet. */
export function storageAccountFromRow(row: GraphRow): StorageAccount {
  const { supportsHttpsTrafficOnly, networkAcls, creationTime, lastGeoFailoverTime, ...rest } = row.properties ?? {};
  return defined({
    ...tracked(row),
    ...rest,
    enableHttpsTrafficOnly: supportsHttpsTrafficOnly,
    networkRuleSet: networkRuleSetFromRest(networkAcls),
    creationTime: asDate(creationTime),
    lastGeoFailoverTime: asDate(lastGeoFailoverTime),
    sku: row.sku ?? undefined,
    kind: row.kind ?? undefined,
    identity: row.identity ?? undefined,
  }) as StorageAccount;
}

function networkRuleSetFromRest(value: unknown): Json | undefined {
  const acls = asObject(value);
  if (acls === undefined) return undefined;
  const rules = (list: unknown, rename: (rule: Json) => Json): Json[] | undefined => (Array.isArray(list) ? list.map((r) => rename(asObject(r) ?? {})) : undefined);
  return defined({
    ...acls,
    virtualNetworkRules: rules(acls['virtualNetworkRules'], ({ id, ...r }) => defined({ ...r, virtualNetworkResourceId: id })),
    ipRules: rules(acls['ipRules'], ({ value: range, ...r }) => defined({ ...r, iPAddressOrRange: range })),
  });
}

/** @azure/arm-keyvault 5: `properties` kept nested, no renames. */
export function vaultFromRow(row: GraphRow): Vault {
  return defined({ ...tracked(row), properties: row.properties ?? undefined }) as unknown as Vault;
}

/** @azure/arm-operationalinsights 11: `properties` flattened, no renames. */
export function workspaceFromRow(row: GraphRow): Workspace {
  const { createdDate, modifiedDate, ...rest } = row.properties ?? {};
  return defined({ ...tracked(row), ...rest, createdDate, modifiedDate, identity: row.identity ?? undefined }) as Workspace;
}

/** @azure/arm-authorization 9: `properties` flattened, createdOn/updatedOn as dates. */
export function roleAssignmentFromRow(row: GraphRow): RoleAssignment {
  const { createdOn, updatedOn, ...rest } = row.properties ?? {};
  return defined({ id: row.id, name: row.name ?? undefined, type: row.type ?? undefined, ...rest, createdOn: asDate(createdOn), updatedOn: asDate(updatedOn) }) as RoleAssignment;
}
