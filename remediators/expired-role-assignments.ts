import type { SnapshotOf } from '../shared/arm/snapshot.js';
import { ROLE_ASSIGNMENT } from '../shared/arm/resourceTypes.js';
import { OWNER_ROLE_ID, roleGuid } from '../shared/arm/roles.js';
import type { Change, EvalContext, Finding, Remediator } from '../shared/remediator.js';

type Snapshot = SnapshotOf<typeof ROLE_ASSIGNMENT>;

/**
 * Azure RBAC has no expiry on ordinary role assignments, so we supply one: the token
 * `expires=<ISO 8601 date or date-time>` anywhere in the assignment's description (UTC when no
 * zone is given; a date alone means 00:00 UTC that day). Updating the token renews the grant.
 */
export const EXPIRY_MARKER = /(^|[\s;,(\[])expires=([^\s;,)\]]+)/i;
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

export type ExpiryMarker = { kind: 'none' } | { kind: 'invalid'; text: string } | { kind: 'valid'; at: Date };

export function parseExpiryMarker(description: string | undefined): ExpiryMarker {
  const text = EXPIRY_MARKER.exec(description ?? '')?.[2];
  if (text === undefined) return { kind: 'none' };
  const parts = ISO.exec(text);
  if (parts === null) return { kind: 'invalid', text };
  const [, year, month, day, hour, minute, , zone] = parts;
  const iso = hour === undefined ? `${year}-${month}-${day}T00:00:00Z` : zone === undefined ? `${text}Z` : text;
  const at = new Date(iso);
  // Date accepts 2026-02-30 (it rolls over to March): a marker that names no real day is invalid.
  const sameDay = zone !== undefined && zone.toUpperCase() !== 'Z' ? true : at.getUTCFullYear() === Number(year) && at.getUTCMonth() + 1 === Number(month) && at.getUTCDate() === Number(day);
  if (Number.isNaN(at.getTime()) || !sameDay || Number(hour ?? 0) > 23 || Number(minute ?? 0) > 59) return { kind: 'invalid', text };
  return { kind: 'valid', at };
}

const DAY_MS = 86_400_000;

/**
 * Access must end when it should (164.308(a)(3)(ii)(C), 164.308(a)(4)): assignments past their
 * expiry, privileged ones older than policy allows, and grants to principals that no longer
 * exist are revoked; privileged grants with no expiry, and unparseable markers, are alerted.
 * Protected principals (break-glass, the service itself), the last Owner of a subscription and
 * assignments PIM manages are never revoked. PIM's time-bound assignments are left to PIM.
 */
export const expiredRoleAssignments: Remediator<Snapshot> = {
  id: 'expired-role-assignments',
  title: 'Role assignments past their expiry, too old for their privilege, or orphaned',
  controls: ['termination-procedures', 'access-authorization', 'access-establishment'],
  resourceTypes: [ROLE_ASSIGNMENT],
  armActions: ['Microsoft.Authorization/roleAssignments/delete'],
  defaultMode: 'remediate',

  // PIM ends its own time-bound assignments; revoking one early would fight PIM, not fix anything.
  exemption(snapshot, ctx: EvalContext) {
    const pim = snapshot.pim;
    if (pim?.state !== 'managed' || pim.endDateTime === undefined || pim.endDateTime.getTime() <= ctx.now.getTime()) return undefined;
    return `managed by PIM (${pim.assignmentType ?? 'scheduled'} until ${pim.endDateTime.toISOString()}): PIM removes it at its end`;
  },

  evaluate(snapshot, ctx: EvalContext) {
    const assignment = snapshot.resource;
    const policy = ctx.policy.roleAssignments;
    const findings: Finding[] = [];
    const marker = parseExpiryMarker(assignment.description);
    const privileged = policy.privilegedRoleIds.includes(roleGuid(assignment.roleDefinitionId));
    // Break-glass accounts and the service itself are reported like everyone else, never revoked;
    // nor is the last Owner of a subscription (or an Owner whose co-owners are unknown): that would lock everyone out.
    const isProtected = policy.protectedPrincipalIds.includes((assignment.principalId ?? '').toLowerCase());
    const isOwner = roleGuid(assignment.roleDefinitionId) === OWNER_ROLE_ID;
    const lastOwner = isOwner && /^\/subscriptions\/[^/]+$/i.test(assignment.scope ?? '') && (snapshot.otherOwnersAtScope ?? 0) === 0;
    const pim = snapshot.pim?.state === 'managed' ? snapshot.pim : undefined;
    const spared = isProtected
      ? 'protected principal: alert only'
      : lastOwner
        ? 'last Owner of the subscription: alert only'
        : pim !== undefined
          ? 'managed by PIM: alert only, change it in PIM'
          : undefined;
    // Decided as if PIM made nothing (the common case; a revocation is restorable), and said so.
    const pimUnknown = snapshot.pim?.state === 'unknown' ? ` (${snapshot.pim.reason})` : '';
    const revocable = (finding: Omit<Finding, 'controls'> & { controls?: Finding['controls'] }): Finding => ({
      controls: ['termination-procedures', 'access-authorization'],
      ...finding,
      ...(spared === undefined ? { message: `${finding.message}${pimUnknown}` } : { remediable: false, message: `${finding.message} (${spared})` }),
    });

    if (pim?.endDateTime !== undefined) {
      // Only reached once the end has passed (before that the assignment is exempt): PIM should have removed it.
      findings.push(revocable({ property: 'roleAssignmentScheduleInstances.properties.endDateTime', actual: pim.endDateTime.toISOString(), expected: 'removed by PIM at its end', message: `PIM schedule ended at ${pim.endDateTime.toISOString()} but the assignment still exists` }));
    }
    if (marker.kind === 'invalid') {
      findings.push({ controls: ['access-authorization'], property: 'properties.description', actual: marker.text, expected: 'expires=<ISO 8601 date or date-time>', message: `unparseable expiry marker "${marker.text.slice(0, 60)}": not revoked, please correct it` });
    } else if (marker.kind === 'valid' && marker.at.getTime() <= ctx.now.getTime()) {
      findings.push(revocable({ property: 'properties.description', actual: marker.at.toISOString(), expected: `after ${ctx.now.toISOString()}`, message: `assignment expired at ${marker.at.toISOString()}` }));
    }
    if (snapshot.principal === 'deleted') {
      findings.push(revocable({ property: 'properties.principalId', actual: assignment.principalId ?? null, expected: 'an existing principal', message: 'the principal no longer exists in the directory (orphaned assignment)' }));
    }
    if (privileged && marker.kind !== 'valid') {
      const maxAge = policy.maxAgeDays[assignment.principalType ?? ''];
      const created = assignment.createdOn?.getTime();
      if (maxAge !== undefined && created !== undefined && ctx.now.getTime() - created > maxAge * DAY_MS) {
        findings.push(
          revocable({
            controls: ['access-establishment', 'termination-procedures'],
            property: 'properties.createdOn',
            actual: new Date(created).toISOString(),
            expected: `at most ${maxAge} days old without a renewed expires= marker`,
            message: `privileged ${assignment.principalType ?? ''} assignment is older than ${maxAge} days`,
          }),
        );
      } else if (marker.kind === 'none') {
        findings.push({ controls: ['access-authorization'], property: 'properties.description', actual: null, expected: 'expires=<ISO 8601 date>', message: 'privileged assignment without an expiry' });
      }
    }
    return findings;
  },

  plan(snapshot, findings): Change[] {
    const revoke = findings.some((f) => f.controls.includes('termination-procedures') && f.remediable !== false);
    return revoke ? [{ operation: 'roleAssignments.deleteById', method: 'DELETE', resourceId: snapshot.id.id }] : [];
  },
};
