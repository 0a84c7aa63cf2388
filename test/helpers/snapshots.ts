import type { RoleAssignment } from '@azure/arm-authorization';
import type { Table, Workspace } from '@azure/arm-operationalinsights';
import type { BlobContainer, BlobServiceProperties, StorageAccount } from '@azure/arm-storage';
import { parseResourceId } from '../../shared/arm/resourceId.js';
import { BLOB_CONTAINER, BLOB_SERVICE, KEY_VAULT, LOG_TABLE, LOG_WORKSPACE, ROLE_ASSIGNMENT, STORAGE_ACCOUNT } from '../../shared/arm/resourceTypes.js';
import type { PrincipalStatus, ResourceSnapshot, SnapshotOf } from '../../shared/arm/snapshot.js';
import type { Change, EvalContext } from '../../shared/remediator.js';

const SUB = '11111111-2222-4333-8444-555555555555';
export const ACCOUNT_ID = `/subscriptions/${SUB}/resourceGroups/rg-clinical/providers/Microsoft.Storage/storageAccounts/stclinical01`;
export const CONTAINER_ID = `${ACCOUNT_ID}/blobServices/default/containers/lab-results`;

export const ROLE_ASSIGNMENT_ID = `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleAssignments/e7c1d2a3-b4c5-4d6e-8f7a-9b0c1d2e3f4a`;
export const OWNER = '8e3af657-a8ff-443c-a75c-2fe8c4bcb635';
export const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';

export const CTX: EvalContext = {
  now: new Date('2026-11-23T00:00:00Z'),
  policy: {
    minimumTlsVersion: 'TLS1_2',
    roleAssignments: {
      privilegedRoleIds: [OWNER, '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9', 'f58310d9-a9f6-439a-9e8d-f62e7b41a168'],
      maxAgeDays: { User: 90 },
      protectedPrincipalIds: ['00000000-0000-4000-8000-00000000b6a5'],
    },
    dataProtection: { blobSoftDeleteDays: 7, containerSoftDeleteDays: 7, versioning: true },
    auditRetention: { days: 2190, containers: ['insights-activity-logs', 'insights-logs-*', 'hipaa-audit'] },
    logRetention: { workspaceRetentionDays: 90, tableTotalRetentionDays: 2190, tables: ['AzureActivity', 'StorageBlobLogs', 'AZKVAuditLogs'] },
    diagnosticSettings: {
      name: 'hipaa-audit',
      workspaceId: `/subscriptions/${SUB}/resourceGroups/rg-shared-logs/providers/Microsoft.OperationalInsights/workspaces/law-hipaa-audit`,
      logs: { [BLOB_SERVICE]: { categories: ['StorageRead', 'StorageWrite', 'StorageDelete'], categoryGroups: [] }, [KEY_VAULT]: { categories: ['AuditEvent'], categoryGroups: [] } },
    },
    keyVault: {
      rotation: { expiresIn: 'P1Y', lifetimeActions: [{ action: 'Rotate', timeAfterCreate: 'P11M' }, { action: 'Notify', timeBeforeExpiry: 'P30D' }] },
      remediatePurgeProtection: false,
      requireRbacAuthorization: true,
      softDeleteRetentionDays: 90,
    },
    // (more policy sections: insert above this line)
  },
};

export function roleAssignment(resource: Partial<RoleAssignment>, principal: PrincipalStatus = 'exists', otherOwnersAtScope = 1): SnapshotOf<typeof ROLE_ASSIGNMENT> {
  return {
    type: ROLE_ASSIGNMENT,
    id: parseResourceId(ROLE_ASSIGNMENT_ID),
    principal,
    otherOwnersAtScope,
    resource: {
      id: ROLE_ASSIGNMENT_ID,
      scope: `/subscriptions/${SUB}`,
      roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${READER}`,
      principalId: '3c9d2a71-5e4f-4b8a-9d1c-7e6f5a4b3c2d',
      principalType: 'User',
      createdOn: new Date('2026-11-01T00:00:00Z'),
      ...resource,
    },
  };
}

export function account(resource: Partial<StorageAccount>): SnapshotOf<typeof STORAGE_ACCOUNT> {
  return { type: STORAGE_ACCOUNT, id: parseResourceId(ACCOUNT_ID), resource: { id: ACCOUNT_ID, name: 'stclinical01', type: STORAGE_ACCOUNT, ...resource, location: resource.location ?? 'eastus2' } };
}

export function container(resource: BlobContainer, name = 'lab-results'): SnapshotOf<typeof BLOB_CONTAINER> {
  const id = `${ACCOUNT_ID}/blobServices/default/containers/${name}`;
  return { type: BLOB_CONTAINER, id: parseResourceId(id), resource: { id, name, type: BLOB_CONTAINER, ...resource } };
}

export const WORKSPACE_ID = `/subscriptions/${SUB}/resourceGroups/rg-shared-logs/providers/Microsoft.OperationalInsights/workspaces/law-hipaa-audit`;

export function logWorkspace(resource: Partial<Workspace>): SnapshotOf<typeof LOG_WORKSPACE> {
  return { type: LOG_WORKSPACE, id: parseResourceId(WORKSPACE_ID), resource: { id: WORKSPACE_ID, name: 'law-hipaa-audit', type: LOG_WORKSPACE, location: 'eastus2', ...resource } };
}

export function logTable(resource: Partial<Table>, name = 'AzureActivity'): SnapshotOf<typeof LOG_TABLE> {
  const id = `${WORKSPACE_ID}/tables/${name}`;
  return { type: LOG_TABLE, id: parseResourceId(id), resource: { id, name, type: LOG_TABLE, ...resource } };
}

export const BLOB_SERVICE_ID = `${ACCOUNT_ID}/blobServices/default`;

export function blobService(resource: BlobServiceProperties, accountProperties: Partial<StorageAccount> = {}): SnapshotOf<typeof BLOB_SERVICE> {
  return {
    type: BLOB_SERVICE,
    id: parseResourceId(BLOB_SERVICE_ID),
    resource: { id: BLOB_SERVICE_ID, name: 'default', type: BLOB_SERVICE, ...resource },
    account: { id: ACCOUNT_ID, name: 'stclinical01', type: STORAGE_ACCOUNT, location: 'eastus2', ...accountProperties },
  };
}

/** What ARM would hold after the change: the SDK parameter fields land on the same SDK model fields. */
export function applied<S extends ResourceSnapshot>(snapshot: S, changes: readonly Change[]): S | undefined {
  let resource: Record<string, unknown> = { ...snapshot.resource };
  let beside: Record<string, unknown> = {};
  for (const change of changes) {
    if (change.method === 'DELETE') return undefined;
    const listed = 'target' in change ? (beside[change.target] ?? (snapshot as unknown as Record<string, unknown>)[change.target]) : undefined;
    if ('target' in change && Array.isArray(listed)) {
      // A sub-resource listed beside the resource (a diagnostic setting, a vault's key), by name:
      // the body is one field of it (`targetField`), or the whole item, replacing or joining.
      const name = change.resourceId.split('/').at(-1) ?? '';
      const items = listed as { name?: string }[];
      const same = (item: { name?: string }): boolean => item.name?.toLowerCase() === name.toLowerCase();
      const field = 'targetField' in change ? change.targetField : undefined;
      const written = field === undefined ? { id: change.resourceId, name, ...change.body } : undefined;
      beside = {
        ...beside,
        [change.target]:
          written === undefined
            ? items.map((item) => (same(item) ? { ...item, [field ?? '']: change.body } : item))
            : items.some(same)
              ? items.map((item) => (same(item) ? written : item))
              : [...items, written],
      };
    }
    // A sub-resource read with its parent (a container's immutability policy) lands where it was read from.
    else if ('target' in change) resource = { ...resource, [change.target]: { ...(resource[change.target] as object | undefined), ...change.body }, hasImmutabilityPolicy: true };
    // PATCH merges one level down too (a vault's `properties`); PUT bodies replace what they name.
    else resource = change.method === 'PATCH' ? patched(resource, change.body as Record<string, unknown>) : { ...resource, ...change.body };
  }
  return { ...snapshot, ...beside, resource } as S;
}

function patched(resource: Record<string, unknown>, body: Record<string, unknown>): Record<string, unknown> {
  const plain = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
  return { ...resource, ...Object.fromEntries(Object.entries(body).map(([key, value]) => [key, plain(value) && plain(resource[key]) ? { ...resource[key], ...value } : value])) };
}
