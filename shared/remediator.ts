/**
 * The Remediator contract (DESIGN §3). A remediator is a pure decision over a resource
 * snapshot: it never calls ARM, the audit store or the alerter. The pipeline does the I/O.
 */
import type { RoleAssignmentCreateParameters } from '@azure/arm-authorization';
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
