/**
 * Microsoft.Authorization through `@azure/arm-authorization`: role assignments, with what the
 * remediator must know around each one — does its principal still exist (Microsoft Graph), did
 * PIM make it, and is it the last Owner of its scope.
 */
import type { AuthorizationManagementClient, RoleAssignment } from '@azure/arm-authorization';
import { mapWithConcurrency } from '../../concurrency.js';
import type { Change } from '../../remediator.js';
import type { DirectoryLookup } from '../directory.js';
import { lookup, pimScheduleOf, pimSchedulesIn } from '../pim.js';
import { ROLE_ASSIGNMENTS_QUERY } from '../resourceGraph/queries.js';
import { roleAssignmentFromRow, type GraphRow } from '../resourceGraph/rows.js';
import { parseResourceId, type ArmResourceId } from '../resourceId.js';
import { ROLE_ASSIGNMENT } from '../resourceTypes.js';
import { OWNER_ROLE_ID, roleGuid } from '../roles.js';
import type { ResourceSnapshot } from '../snapshot.js';
import { armClientOptions, LazyClientCache, type AppliedChange, type CallOptions, type ClientSettings, type GraphListing, type ResourceFamily, type SweepItem } from './family.js';

/** What @azure/arm-authorization 9 sends for role assignments (the current stable version). */
export const ROLE_ASSIGNMENTS_API_VERSION = '2022-04-01';

/** PIM listings a sweep keeps in flight (one per subscription). */
const PIM_LISTINGS_IN_FLIGHT = 8;

export class AuthorizationFamily implements ResourceFamily {
  readonly types = [ROLE_ASSIGNMENT];
  readonly operationPrefixes = ['roleAssignments'];
  private readonly clients: LazyClientCache<AuthorizationManagementClient>;

  constructor(
    settings: ClientSettings,
    private readonly directory: DirectoryLookup,
  ) {
    this.clients = new LazyClientCache(async (subscriptionId) => {
      const { AuthorizationManagementClient: Client } = await import('@azure/arm-authorization');
      return new Client(settings.credential, subscriptionId, armClientOptions(settings));
    });
  }

  async read(id: ArmResourceId, options: CallOptions): Promise<ResourceSnapshot> {
    const authorization = await this.clients.for(id.subscriptionId);
    const resource = await authorization.roleAssignments.getById(id.id, options);
    // Three independent questions about the assignment, asked at once.
    const [principal, pim, otherOwnersAtScope] = await Promise.all([
      resource.principalId === undefined ? ('unknown' as const) : this.directory.status(resource.principalId, options.abortSignal),
      pimScheduleOf(authorization, resource, options),
      otherOwners(authorization, id, resource, options),
    ]);
    return { type: ROLE_ASSIGNMENT, id, resource, principal, pim, ...(otherOwnersAtScope === undefined ? {} : { otherOwnersAtScope }) };
  }

  async apply(change: Change, options: CallOptions): Promise<AppliedChange> {
    const id = parseResourceId(change.resourceId);
    const authorization = await this.clients.for(id.subscriptionId);
    switch (change.operation) {
      case 'roleAssignments.deleteById':
        await authorization.roleAssignments.deleteById(id.id, options);
        return { apiVersion: ROLE_ASSIGNMENTS_API_VERSION, deleted: true };
      case 'roleAssignments.create': {
        const scope = id.parent?.id ?? `/subscriptions/${id.subscriptionId}`;
        const resource = await authorization.roleAssignments.create(scope, id.name, change.body, options);
        return { apiVersion: ROLE_ASSIGNMENTS_API_VERSION, after: { type: ROLE_ASSIGNMENT, id, resource, principal: 'unknown' } };
      }
      default:
        throw new Error(`no authorization writer for ${change.operation}`);
    }
  }

  async *list(subscriptionId: string, options: CallOptions): AsyncIterable<ResourceSnapshot> {
    const authorization = await this.clients.for(subscriptionId);
    const assignments: RoleAssignment[] = [];
    for await (const assignment of authorization.roleAssignments.listForSubscription(options)) {
      // The listing includes grants inherited from management groups and the root: those are
      // the management group's to govern (and to revoke, with rights there), not this subscription's.
      if (inSubscription(assignment.id, subscriptionId)) assignments.push(assignment);
    }
    const [statuses, pim] = await Promise.all([
      this.directory.statuses([...new Set(assignments.map((a) => a.principalId).filter((p): p is string => p !== undefined))], options.abortSignal),
      pimSchedulesIn(authorization, subscriptionId, options),
    ]);
    const ownersByScope = new Map<string, number>();
    for (const a of assignments) {
      if (roleGuid(a.roleDefinitionId) === OWNER_ROLE_ID && a.scope !== undefined) ownersByScope.set(a.scope.toLowerCase(), (ownersByScope.get(a.scope.toLowerCase()) ?? 0) + 1);
    }
    for (const resource of assignments) {
      if (resource.id === undefined) continue;
      const owners = roleGuid(resource.roleDefinitionId) === OWNER_ROLE_ID && resource.scope !== undefined ? ownersByScope.get(resource.scope.toLowerCase()) : undefined;
      yield {
        type: ROLE_ASSIGNMENT,
        id: parseResourceId(resource.id),
        resource,
        principal: statuses.get((resource.principalId ?? '').toLowerCase()) ?? 'unknown',
        pim: lookup(pim, resource.id),
        ...(owners === undefined ? {} : { otherOwnersAtScope: owners - 1 }),
      };
    }
  }

  readonly graph: GraphListing = {
    query: ROLE_ASSIGNMENTS_QUERY,
    expand: (rows, options) => this.expandRows(rows, options),
  };

  /**
   * Resource Graph's copies of role assignments, completed as the list path completes them:
   * the directory's word on each principal (Graph, batched) and PIM's schedules, read once per
   * subscription. The Owner count is left unknown: only an assignment that may be revoked
   * needs it, and that one is refreshed from ARM, where it is counted.
   */
  private async *expandRows(rows: readonly GraphRow[], options: CallOptions): AsyncIterable<SweepItem> {
    const assignments = rows.filter((row) => /^\/subscriptions\/[^/]+\//i.test(row.id)).map((row) => ({ id: parseResourceId(row.id), resource: roleAssignmentFromRow(row) }));
    const subscriptions = [...new Set(assignments.map((a) => a.id.subscriptionId))];
    const [statuses, pimIndexes] = await Promise.all([
      this.directory.statuses([...new Set(assignments.map((a) => a.resource.principalId).filter((p): p is string => p !== undefined))], options.abortSignal),
      mapWithConcurrency(subscriptions, PIM_LISTINGS_IN_FLIGHT, async (subscriptionId) => pimSchedulesIn(await this.clients.for(subscriptionId), subscriptionId, options)),
    ]);
    const pimOf = new Map(subscriptions.map((subscriptionId, i) => [subscriptionId, pimIndexes[i]!]));
    for (const { id, resource } of assignments) {
      yield {
        snapshot: { type: ROLE_ASSIGNMENT, id, resource, principal: statuses.get((resource.principalId ?? '').toLowerCase()) ?? 'unknown', pim: lookup(pimOf.get(id.subscriptionId)!, id.id) },
        fromGraph: true,
      };
    }
  }

  /** The assignment as ARM has it now, with the directory's and PIM's answers this sweep already read. */
  async refresh(indexed: ResourceSnapshot, options: CallOptions): Promise<ResourceSnapshot> {
    if (indexed.type !== ROLE_ASSIGNMENT || indexed.pim === undefined) return this.read(indexed.id, options);
    const authorization = await this.clients.for(indexed.id.subscriptionId);
    const resource = await authorization.roleAssignments.getById(indexed.id.id, options);
    if ((resource.principalId ?? '').toLowerCase() !== (indexed.resource.principalId ?? '').toLowerCase()) return this.read(indexed.id, options);
    const otherOwnersAtScope = await otherOwners(authorization, indexed.id, resource, options);
    return { type: ROLE_ASSIGNMENT, id: indexed.id, resource, principal: indexed.principal, pim: indexed.pim, ...(otherOwnersAtScope === undefined ? {} : { otherOwnersAtScope }) };
  }

  apiVersionOf(): string {
    return ROLE_ASSIGNMENTS_API_VERSION;
  }

}

/** Revoking the last Owner would lock everyone out of the scope: count the others first. Undefined: not an Owner. */
async function otherOwners(authorization: AuthorizationManagementClient, id: ArmResourceId, resource: RoleAssignment, options: CallOptions): Promise<number | undefined> {
  const scope = resource.scope;
  if (roleGuid(resource.roleDefinitionId) !== OWNER_ROLE_ID || scope === undefined) return undefined;
  let others = 0;
  for await (const other of authorization.roleAssignments.listForScope(scope, { ...options, filter: 'atScope()' })) {
    if (other.id?.toLowerCase() !== id.key && roleGuid(other.roleDefinitionId) === OWNER_ROLE_ID && other.scope?.toLowerCase() === scope.toLowerCase()) others += 1;
  }
  return others;
}

function inSubscription(id: string | undefined, subscriptionId: string): boolean {
  return id !== undefined && id.toLowerCase().startsWith(`/subscriptions/${subscriptionId.toLowerCase()}/`);
}
