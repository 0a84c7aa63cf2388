/**
 * The Remediator contract (DESIGN §3). A remediator is a pure decision over a resource
 * snapshot: it never calls ARM, the audit store or the alerter. The pipeline does the I/O.
 */
import type { RoleAssignmentCreateParameters } from '@azure/arm-authorization';
import type { Table, WorkspacePatch } from '@azure/arm-operationalinsights';
import type { BlobContainer, BlobServiceProperties, StorageAccountUpdateParameters } from '@azure/arm-storage';
import type { ArmResourceId } from './arm/resourceId.js';
import type { ResourceSnapshot } from './arm/snapshot.js';
import type { ControlId } from './controls.js';
import type { ChangeKind } from './events.js';

export type Mode = 'off' | 'alert' | 'remediate';
export const MODES: readonly Mode[] = ['off', 'alert', 'remediate'];

/** Policy knobs remediators read; defaults in shared/config.ts. */
export interface Policy {
  minimumTlsVersion: 'TLS1_2' | 'TLS1_3';
  roleAssignments: {
    /** Built-in role definition GUIDs (not names) whose assignments must expire. */
    privilegedRoleIds: readonly string[];
    /** Maximum age in days of a privileged assignment, per principal type (e.g. User: 90). */
    maxAgeDays: Readonly<Record<string, number>>;
    /** Principals never revoked (break-glass accounts, the service itself): alert instead. */
    protectedPrincipalIds: readonly string[];
  };
  dataProtection: {
    blobSoftDeleteDays: number;
    containerSoftDeleteDays: number;
    versioning: boolean;
  };
  auditRetention: {
    /** Minimum time-based retention of audit-log containers, in days. */
    days: number;
    /** Container names holding audit logs; `prefix*` matches by prefix. */
    containers: readonly string[];
  };
  logRetention: {
    /** Interactive retention of every workspace, days (Azure allows 30-730). */
    workspaceRetentionDays: number;
    /** Total retention (interactive + archive) of the audit tables, days. */
    tableTotalRetentionDays: number;
    /** Tables holding audit evidence (compared case-insensitively). */
    tables: readonly string[];
  };
  diagnosticSettings: {
    /** Name of the diagnostic setting every monitored resource must have. */
    name: string;
    /** ARM id of the Log Analytics workspace audit logs go to; undefined: none configured (alert, never guess). */
    workspaceId: string | undefined;
    /** Per monitored ARM type (resourceTypes.ts): the log categories and category groups it must send. */
    logs: Readonly<Record<string, { categories: readonly string[]; categoryGroups: readonly string[] }>>;
  };
  keyVault: {
    /** Set on keys without a rotation policy that rotates and expires (a Key Vault KeyRotationPolicy). */
    rotation: {
      expiresIn: string;
      lifetimeActions: readonly { action: 'Rotate' | 'Notify'; timeAfterCreate?: string; timeBeforeExpiry?: string }[];
    };
    /** Enabling purge protection is irreversible: reported only, unless this is true. */
    remediatePurgeProtection: boolean;
    /** Report vaults whose data access is authorized by access policies instead of Azure RBAC. */
    requireRbacAuthorization: boolean;
    /** Minimum soft-delete retention in days (Key Vault: 7-90, fixed once set). */
    softDeleteRetentionDays: number;
  };
  // (more policy sections: insert above this line)
}

export interface EvalContext {
  /** Every time-based rule evaluates as of this instant (`--now`). */
  now: Date;
  policy: Policy;
}

/** One way a resource falls short of a control. */
export interface Finding {
  /** The controls this finding violates, most specific first. */
  controls: readonly [ControlId, ...ControlId[]];
  /** Property path as ARM names it, e.g. `properties.allowBlobPublicAccess`. */
  property: string;
  actual: unknown;
  expected: unknown;
  message: string;
  /** false: report only (alert) — e.g. a protected principal, or something only a person can decide. */
  remediable?: boolean;
}

/**
 * A planned write, as data: the pipeline applies it with the SDK operation it names, and the
 * audit records it before (intent) and after (outcome). `body` is the SDK's parameter shape.
 */
export type Change =
  | {
      operation: 'storageAccounts.update';
      method: 'PATCH';
      resourceId: string;
      body: StorageAccountUpdateParameters;
    }
  | {
      operation: 'blobContainers.update';
      method: 'PATCH';
      resourceId: string;
      body: BlobContainer;
    }
  | {
      /** Set Blob Service Properties: only the properties given change (the others stay as they are). */
      operation: 'blobServices.setServiceProperties';
      method: 'PUT';
      resourceId: string;
      body: Pick<BlobServiceProperties, 'deleteRetentionPolicy' | 'containerDeleteRetentionPolicy' | 'isVersioningEnabled'>;
    }
  | {
      /** Create an (unlocked) policy, or update an unlocked one: If-Match with the policy's etag when it exists. */
      operation: 'immutabilityPolicies.createOrUpdate';
      method: 'PUT';
      /** `<container id>/immutabilityPolicies/default`. */
      resourceId: string;
      body: { immutabilityPeriodSinceCreationInDays: number; allowProtectedAppendWrites?: boolean; allowProtectedAppendWritesAll?: boolean };
      ifMatch?: string;
      /** The container's snapshot carries the policy under `immutabilityPolicy`. */
      target: 'immutabilityPolicy';
    }
  | {
      /** A locked policy can only be extended (never shortened), a limited number of times. */
      operation: 'immutabilityPolicies.extend';
      method: 'POST';
      resourceId: string;
      /** The append-write flags cannot change on extend: they are sent as they are. */
      body: { immutabilityPeriodSinceCreationInDays: number; allowProtectedAppendWrites?: boolean; allowProtectedAppendWritesAll?: boolean };
      ifMatch: string;
      target: 'immutabilityPolicy';
    }
  | {
      /** Workspace retention (interactive, days): PATCH changes only what it names. */
      operation: 'workspaces.update';
      method: 'PATCH';
      resourceId: string;
      body: Pick<WorkspacePatch, 'retentionInDays'>;
    }
  | {
      /** Table total retention (interactive + archive): PATCH changes only what it names. */
      operation: 'tables.update';
      method: 'PATCH';
      resourceId: string;
      body: Pick<Table, 'totalRetentionInDays'>;
    }
  | {
      /**
       * Create or replace a diagnostic setting (a PUT is the whole setting: what it leaves out is
       * gone, so a restored setting carries the destinations and entries it keeps).
       */
      operation: 'diagnosticSettings.createOrUpdate';
      method: 'PUT';
      /** `<monitored resource id>/providers/Microsoft.Insights/diagnosticSettings/<name>`. */
      resourceId: string;
      body: Omit<import('@azure/arm-monitor').DiagnosticSettingsResource, 'id' | 'name' | 'type' | 'systemData'>;
      /** The monitored resource's snapshot lists its settings under `diagnosticSettings`. */
      target: 'diagnosticSettings';
    }
  | {
      /** Vault properties (soft delete, purge protection): PATCH changes only what it names. */
      operation: 'vaults.update';
      method: 'PATCH';
      resourceId: string;
      body: import('@azure/arm-keyvault').VaultPatchParameters;
    }
  | {
      /**
       * A key's rotation policy, on the vault's data plane (no ARM event; a PUT replaces the whole
       * policy). Authorized by the RBAC data action it names, not by an ARM action.
       */
      operation: 'keys.updateRotationPolicy';
      method: 'PUT';
      /** `<vault id>/keys/<key name>`. */
      resourceId: string;
      body: import('@azure/keyvault-keys').KeyRotationPolicyProperties;
      dataAction: 'Microsoft.KeyVault/vaults/keyrotationpolicies/write';
      /** The vault's snapshot lists its keys under `keys`; the body is the key's `rotationPolicy`. */
      target: 'keys';
      targetField: 'rotationPolicy';
    }
  // (more Change variants: insert above this line)
  | {
      /** Revocation: the audit keeps the assignment's full snapshot so `restore` can re-create it. */
      operation: 'roleAssignments.deleteById';
      method: 'DELETE';
      resourceId: string;
      body?: undefined;
    }
  | {
      /** `restore`: a new assignment carrying the grant a revocation removed (never planned by a remediator). */
      operation: 'roleAssignments.create';
      method: 'PUT';
      resourceId: string;
      body: RoleAssignmentCreateParameters;
    };

export interface Remediator<S extends ResourceSnapshot = ResourceSnapshot> {
  /** kebab-case, stable: used in modes, audit and alerts. */
  id: string;
  title: string;
  controls: readonly ControlId[];
  resourceTypes: readonly S['type'][];
  /** ARM actions it may perform: the deployment's least-privilege role is built from these. */
  armActions: readonly string[];
  /** Event kinds that can make a resource non-compliant for this remediator (default: write). */
  triggers?: readonly ChangeKind[];
  /** 'alert' for anything that can break a workload. */
  defaultMode: Mode;
  /**
   * Whether the resource is one this remediator judges at all, from its id alone (no ARM call):
   * audit-retention judges only audit-log containers. Resources it does not apply to get no
   * result from it, rather than a "compliant" that means "not applicable".
   */
  appliesTo?(id: ArmResourceId, policy: Policy): boolean;
  /**
   * Why this resource is not this remediator's to judge right now — another system owns its
   * lifecycle (PIM removes its own assignments at their end) — or undefined. The pipeline records
   * the reason as a `skipped` decision: reported in the audit, never acted on.
   */
  exemption?(snapshot: S, ctx: EvalContext): string | undefined;
  evaluate(snapshot: S, ctx: EvalContext): Finding[];
  /** [] when compliant; plan(applied(plan(x))) must be []. */
  plan(snapshot: S, findings: readonly Finding[]): Change[];
}
