/**
 * Which role assignments Privileged Identity Management made: PIM lists an active assignment
 * it made (activated from an eligibility, or assigned for a time window) as a role assignment
 * schedule instance whose `originRoleAssignmentId` is the role assignment's id (azure-rest-api-specs
 * `Microsoft.Authorization/stable/2020-10-01/RoleAssignmentScheduleInstance.json`).
 */
import type { AuthorizationManagementClient, RoleAssignment, RoleAssignmentScheduleInstance } from '@azure/arm-authorization';
import { classifyArmError, TransientError } from '../errors.js';
import type { PimSchedule } from './snapshot.js';

type Options = { abortSignal?: AbortSignal };

/** Role assignment id (lower-case) → what PIM says of it; assignments not in the map are `none`. */
export type PimIndex = { known: true; byAssignment: Map<string, PimSchedule> } | { known: false; reason: string };

/** The event path: the instances of one principal around the assignment's scope (one paged GET). */
export async function pimScheduleOf(client: AuthorizationManagementClient, assignment: RoleAssignment, options: Options): Promise<PimSchedule> {
  if (assignment.id === undefined || assignment.scope === undefined || assignment.principalId === undefined) return { state: 'none' };
  const index = await indexInstances(() => client.roleAssignmentScheduleInstances.listForScope(assignment.scope ?? '', { ...options, filter: `principalId eq '${assignment.principalId}'` }), assignment.id);
  return lookup(index, assignment.id);
}

/** The sweep: every instance at or below the subscription, paged, once per sweep. */
export function pimSchedulesIn(client: AuthorizationManagementClient, subscriptionId: string, options: Options): Promise<PimIndex> {
  return indexInstances(() => client.roleAssignmentScheduleInstances.listForScope(`/subscriptions/${subscriptionId}`, options), `/subscriptions/${subscriptionId}`);
}

export function lookup(index: PimIndex, assignmentId: string): PimSchedule {
  if (!index.known) return { state: 'unknown', reason: index.reason };
  return index.byAssignment.get(assignmentId.toLowerCase()) ?? { state: 'none' };
}

/**
 * A transient failure propagates (the event is redelivered, the sweep fails); a permanent one
 * (no permission, a tenant without PIM) leaves PIM's view unknown, and the remediator then
 * decides as if PIM had made nothing: the common case, and a revocation is restorable.
 */
async function indexInstances(list: () => AsyncIterable<RoleAssignmentScheduleInstance>, scopeForErrors: string): Promise<PimIndex> {
  const byAssignment = new Map<string, PimSchedule>();
  try {
    for await (const instance of list()) {
      const origin = instance.originRoleAssignmentId?.toLowerCase();
      if (origin === undefined || instance.id === undefined) continue;
      byAssignment.set(origin, {
        state: 'managed',
        instanceId: instance.id,
        ...(instance.assignmentType === undefined ? {} : { assignmentType: instance.assignmentType }),
        ...(instance.endDateTime === undefined ? {} : { endDateTime: instance.endDateTime }),
      });
    }
  } catch (error) {
    const classified = classifyArmError(error, scopeForErrors);
    if (classified instanceof TransientError) throw classified;
    return { known: false, reason: `PIM schedule instances unavailable: ${classified.message}` };
  }
  return { known: true, byAssignment };
}
