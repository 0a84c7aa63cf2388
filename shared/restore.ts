/**
 * `restore <audit seq>`: re-creates what a revocation removed — a new role assignment with the
 * same scope, role, principal, condition and description — from the full snapshot the
 * revocation's intent record holds. Only a revocation that succeeded can be restored; the
 * restore itself is write-ahead audited like any other change.
 */
import { randomUUID } from 'node:crypto';
import type { ArmGateway } from './arm/gateway.js';
import type { AuditRecord, AuditStore } from './audit/record.js';
import { EXPIRY_MARKER } from '../remediators/expired-role-assignments.js';
import type { Change } from './remediator.js';

export class RestoreRefused extends Error {
  override readonly name = 'RestoreRefused';
}

interface RevokedAssignment {
  scope: string;
  roleDefinitionId: string;
  principalId: string;
  principalType?: string;
  description?: string;
  condition?: string;
  conditionVersion?: string;
}

function revokedAssignment(intent: AuditRecord | undefined, outcome: AuditRecord | undefined, seq: number): RevokedAssignment {
  const change = intent?.change as { operation?: unknown } | undefined;
  if (intent?.kind !== 'intent' || change?.operation !== 'roleAssignments.deleteById') {
    throw new RestoreRefused(`audit record ${seq} is not a role assignment revocation: only revocations can be restored`);
  }
  if (outcome?.outcome !== 'succeeded') throw new RestoreRefused(`revocation ${seq} has no succeeded outcome: nothing was removed`);
  const before = (intent.before ?? {}) as Record<string, unknown>;
  const text = (key: string): string | undefined => (typeof before[key] === 'string' ? (before[key] as string) : undefined);
  const scope = text('scope');
  const roleDefinitionId = text('roleDefinitionId');
  const principalId = text('principalId');
  if (scope === undefined || roleDefinitionId === undefined || principalId === undefined) {
    throw new RestoreRefused(`revocation ${seq} does not hold the assignment's scope, role and principal`);
  }
  const optional = (key: 'principalType' | 'description' | 'condition' | 'conditionVersion') => (text(key) === undefined ? {} : { [key]: text(key) });
  return { scope, roleDefinitionId, principalId, ...optional('principalType'), ...optional('description'), ...optional('condition'), ...optional('conditionVersion') };
}

/** The description with its expiry marker set to `expires` (replaced, or added). */
export function withExpiry(description: string | undefined, expires: string): string {
  const marker = `expires=${expires}`;
  if (description === undefined || description.length === 0) return marker;
  return EXPIRY_MARKER.test(description) ? description.replace(EXPIRY_MARKER, `$1${marker}`) : `${description}; ${marker}`;
}

export async function restoreRevocation(
  seq: number,
  options: { expires?: string; operator: string },
  deps: { records: readonly AuditRecord[]; audit: AuditStore; arm: ArmGateway },
): Promise<{ assignmentId: string; auditSeq: number }> {
  const intent = deps.records.find((r) => r.seq === seq);
  const outcome = deps.records.find((r) => r.kind === 'outcome' && r.intentSeq === seq);
  const revoked = revokedAssignment(intent, outcome, seq);
  const assignmentId = `${revoked.scope}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}`;
  const description = options.expires === undefined ? revoked.description : withExpiry(revoked.description, options.expires);
  const change: Change = {
    operation: 'roleAssignments.create',
    method: 'PUT',
    resourceId: assignmentId,
    body: {
      roleDefinitionId: revoked.roleDefinitionId,
      principalId: revoked.principalId,
      ...(revoked.principalType === undefined ? {} : { principalType: revoked.principalType }),
      ...(description === undefined ? {} : { description }),
      ...(revoked.condition === undefined ? {} : { condition: revoked.condition }),
      ...(revoked.conditionVersion === undefined ? {} : { conditionVersion: revoked.conditionVersion }),
    },
  };
  const view = { operation: change.operation, method: change.method, resourceId: assignmentId, apiVersion: deps.arm.apiVersionOf(change), body: change.body };
  const restoreIntent = await deps.audit.append({ kind: 'intent', resourceId: assignmentId, remediator: 'expired-role-assignments', change: view, reason: `restore of revocation ${seq}`, operator: options.operator });
  await deps.audit.sync();
  try {
    await deps.arm.apply(change);
  } catch (error) {
    await deps.audit.append({ kind: 'outcome', resourceId: assignmentId, intentSeq: restoreIntent.seq, outcome: 'failed', reason: error instanceof Error ? error.message : String(error), operator: options.operator });
    await deps.audit.sync();
    throw error;
  }
  const done = await deps.audit.append({ kind: 'outcome', resourceId: assignmentId, intentSeq: restoreIntent.seq, outcome: 'succeeded', change: view, operator: options.operator, reason: `restored revocation ${seq}` });
  await deps.audit.sync();
  return { assignmentId, auditSeq: done.seq };
}
