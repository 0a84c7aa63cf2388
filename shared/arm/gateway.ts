/**
 * The pipeline's only door to ARM: read a live resource, apply a planned change. Backed by
 * the real Azure SDK clients (one per subscription, created once per process); the sandbox
 * and Azure differ only in the endpoint and credential handed to them.
 */
import type { AuthorizationManagementClient, RoleAssignment } from '@azure/arm-authorization';
import { KnownVersions, StorageManagementClient, type StorageManagementClientOptionalParams } from '@azure/arm-storage';
import type { TokenCredential } from '@azure/core-auth';
import { classifyArmError } from '../errors.js';
import type { Change } from '../remediator.js';
import { GraphDirectory, type DirectoryLookup } from './directory.js';
import { lookup, pimScheduleOf, pimSchedulesIn } from './pim.js';
import { parseResourceId, type ArmResourceId } from './resourceId.js';
import { OWNER_ROLE_ID, roleGuid } from './roles.js';
import { BLOB_CONTAINER, ROLE_ASSIGNMENT, STORAGE_ACCOUNT } from './resourceTypes.js';
import type { ResourceSnapshot } from './snapshot.js';

export interface AppliedChange {
  apiVersion: string;
  /** The resource as ARM returned it from the write; undefined when the response cannot tell. */
  after?: ResourceSnapshot;
  /** ARM acknowledged a DELETE: there is nothing left to re-read. */
  deleted?: boolean;
}

export interface ArmGateway {
  /** Types this gateway can read: the router skips events for anything else (0 ARM calls). */
  canRead(id: ArmResourceId): boolean;
  /** Throws ResourceGoneError (404), TransientError or PermanentError. */
  read(id: ArmResourceId, signal?: AbortSignal): Promise<ResourceSnapshot>;
  apply(change: Change, signal?: AbortSignal): Promise<AppliedChange>;
  /** The api-version the SDK sends for a change; recorded in the audit intent before the write. */
  apiVersionOf(change: Change): string;
  /**
   * Every resource of the readable types in a subscription, through list APIs with paging (one
   * call per page, and one container listing per account, never one GET per resource).
   */
  list(subscriptionId: string, signal?: AbortSignal): AsyncIterable<ResourceSnapshot>;
}

export interface ArmConnection {
  credential: TokenCredential;
  /** Microsoft Graph, for whether a role assignment's principal still exists; the sandbox serves it too. */
  graphEndpoint?: string;
  /** ARM endpoint; the sandbox's https URL locally. */
  endpoint?: string;
  /** Extra CA to trust (the sandbox's self-signed certificate). */
  ca?: string;
  /** SDK retries for 429/5xx (honouring Retry-After) before the pipeline gives up. */
  maxRetries?: number;
}

/**
 * Pinned rather than the SDK's default (20.1.0 defaults to 2026-04-01): the version the spec
 * examples and the sandbox are verified against, recorded in every audited change.
 * (20.0.0 dropped account properties from update bodies, so 20.1.0 is the floor.)
 */
const STORAGE_API_VERSION: string = KnownVersions.V20250801;
/** What @azure/arm-authorization 9 sends for role assignments (the current stable version). */
const ROLE_ASSIGNMENTS_API_VERSION = '2022-04-01';

const READABLE = new Set([STORAGE_ACCOUNT, BLOB_CONTAINER, ROLE_ASSIGNMENT].map((t) => t.toLowerCase()));

export class SdkArmGateway implements ArmGateway {
  private readonly storageClients = new Map<string, StorageManagementClient>();
  private readonly authorizationClients = new Map<string, Promise<AuthorizationManagementClient>>();
  private readonly directory: DirectoryLookup;

  constructor(private readonly connection: ArmConnection) {
    this.directory = new GraphDirectory(connection.credential, connection.graphEndpoint, connection.ca);
  }

  canRead(id: ArmResourceId): boolean {
    return READABLE.has(id.resourceType.toLowerCase());
  }

  async read(id: ArmResourceId, signal?: AbortSignal): Promise<ResourceSnapshot> {
    const options = signal === undefined ? {} : { abortSignal: signal };
    try {
      if (id.resourceType.toLowerCase() === ROLE_ASSIGNMENT.toLowerCase()) {
        const authorization = await this.authorization(id.subscriptionId);
        const resource = await authorization.roleAssignments.getById(id.id, options);
        // Three independent questions about the assignment, asked at once.
        const [principal, pim, otherOwnersAtScope] = await Promise.all([
          resource.principalId === undefined ? ('unknown' as const) : this.directory.status(resource.principalId, signal),
          pimScheduleOf(authorization, resource, options),
          this.otherOwnersAtScope(authorization, id, resource, options),
        ]);
        return { type: ROLE_ASSIGNMENT, id, resource, principal, pim, ...(otherOwnersAtScope === undefined ? {} : { otherOwnersAtScope }) };
      }
      const client = this.storage(id.subscriptionId);
      const [account, , container] = id.names;
      const resourceGroup = requireResourceGroup(id);
      switch (id.resourceType.toLowerCase()) {
        case STORAGE_ACCOUNT.toLowerCase():
          return { type: STORAGE_ACCOUNT, id, resource: await client.storageAccounts.getProperties(resourceGroup, id.name, options) };
        case BLOB_CONTAINER.toLowerCase():
          if (account === undefined || container === undefined) throw new Error(`malformed container id ${id.id}`);
          return { type: BLOB_CONTAINER, id, resource: await client.blobContainers.get(resourceGroup, account, container, options) };
        default:
          throw new Error(`no reader for resource type ${id.resourceType}`);
      }
    } catch (error) {
      throw classifyArmError(error, id.id);
    }
  }

  async apply(change: Change, signal?: AbortSignal): Promise<AppliedChange> {
    const id = parseResourceId(change.resourceId);
    const options = signal === undefined ? {} : { abortSignal: signal };
    try {
      if (change.operation === 'roleAssignments.deleteById') {
        await (await this.authorization(id.subscriptionId)).roleAssignments.deleteById(id.id, options);
        return { apiVersion: ROLE_ASSIGNMENTS_API_VERSION, deleted: true };
      }
      if (change.operation === 'roleAssignments.create') {
        const scope = id.parent?.id ?? `/subscriptions/${id.subscriptionId}`;
        const resource = await (await this.authorization(id.subscriptionId)).roleAssignments.create(scope, id.name, change.body, options);
        return { apiVersion: ROLE_ASSIGNMENTS_API_VERSION, after: { type: ROLE_ASSIGNMENT, id, resource, principal: 'unknown' } };
      }
      const client = this.storage(id.subscriptionId);
      const resourceGroup = requireResourceGroup(id);
      switch (change.operation) {
        case 'storageAccounts.update': {
          const after = await client.storageAccounts.update(resourceGroup, id.name, change.body, options);
          return { apiVersion: STORAGE_API_VERSION, after: { type: STORAGE_ACCOUNT, id, resource: after } };
        }
        case 'blobContainers.update': {
          const [account, , container] = id.names;
          if (account === undefined || container === undefined) throw new Error(`malformed container id ${id.id}`);
          const after = await client.blobContainers.update(resourceGroup, account, container, change.body, options);
          return { apiVersion: STORAGE_API_VERSION, after: { type: BLOB_CONTAINER, id, resource: after } };
        }
      }
    } catch (error) {
      throw classifyArmError(error, id.id);
    }
  }

  apiVersionOf(change: Change): string {
    return change.operation.startsWith('roleAssignments.') ? ROLE_ASSIGNMENTS_API_VERSION : STORAGE_API_VERSION;
  }

  private storage(subscriptionId: string): StorageManagementClient {
    let client = this.storageClients.get(subscriptionId);
    if (client === undefined) {
      client = new StorageManagementClient(this.connection.credential, subscriptionId, this.clientOptions());
      this.storageClients.set(subscriptionId, client);
    }
    return client;
  }

  async *list(subscriptionId: string, signal?: AbortSignal): AsyncIterable<ResourceSnapshot> {
    const options = signal === undefined ? {} : { abortSignal: signal };
    try {
      const storage = this.storage(subscriptionId);
      for await (const account of storage.storageAccounts.list(options)) {
        if (account.id === undefined) continue;
        const id = parseResourceId(account.id);
        yield { type: STORAGE_ACCOUNT, id, resource: account };
        const resourceGroup = requireResourceGroup(id);
        for await (const item of storage.blobContainers.list(resourceGroup, id.name, options)) {
          if (item.id === undefined) continue;
          // The list item carries the container's properties (publicAccess included): no GET needed.
          yield { type: BLOB_CONTAINER, id: parseResourceId(item.id), resource: item };
        }
      }
      const assignments = [];
      const authorization = await this.authorization(subscriptionId);
      for await (const assignment of authorization.roleAssignments.listForSubscription(options)) {
        // The listing includes grants inherited from management groups and the root: those are
        // the management group's to govern (and to revoke, with rights there), not this subscription's.
        if (inSubscription(assignment.id, subscriptionId)) assignments.push(assignment);
      }
      const [statuses, pim] = await Promise.all([
        this.directory.statuses([...new Set(assignments.map((a) => a.principalId).filter((p): p is string => p !== undefined))], signal),
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
    } catch (error) {
      throw classifyArmError(error, `/subscriptions/${subscriptionId}`);
    }
  }

  /** Revoking the last Owner would lock everyone out of the scope: count the others first. Undefined: not an Owner. */
  private async otherOwnersAtScope(authorization: AuthorizationManagementClient, id: ArmResourceId, resource: RoleAssignment, options: { abortSignal?: AbortSignal }): Promise<number | undefined> {
    const scope = resource.scope;
    if (roleGuid(resource.roleDefinitionId) !== OWNER_ROLE_ID || scope === undefined) return undefined;
    let others = 0;
    for await (const other of authorization.roleAssignments.listForScope(scope, { ...options, filter: 'atScope()' })) {
      if (other.id?.toLowerCase() !== id.key && roleGuid(other.roleDefinitionId) === OWNER_ROLE_ID && other.scope?.toLowerCase() === scope.toLowerCase()) others += 1;
    }
    return others;
  }

  /** Loaded on first use: most events never concern a role assignment, and cold start pays for every import. */
  private authorization(subscriptionId: string): Promise<AuthorizationManagementClient> {
    let client = this.authorizationClients.get(subscriptionId);
    if (client === undefined) {
      client = import('@azure/arm-authorization').then(
        ({ AuthorizationManagementClient: Client }) =>
          new Client(this.connection.credential, subscriptionId, {
            ...(this.connection.endpoint === undefined ? {} : { endpoint: this.connection.endpoint }),
            ...(this.connection.ca === undefined ? {} : { tlsOptions: { ca: this.connection.ca } }),
            retryOptions: { maxRetries: this.connection.maxRetries ?? 3, maxRetryDelayInMs: 10_000 },
          }),
      );
      this.authorizationClients.set(subscriptionId, client);
    }
    return client;
  }

  private clientOptions(): StorageManagementClientOptionalParams {
    return {
      apiVersion: STORAGE_API_VERSION,
      ...(this.connection.endpoint === undefined ? {} : { endpoint: this.connection.endpoint }),
      ...(this.connection.ca === undefined ? {} : { tlsOptions: { ca: this.connection.ca } }),
      retryOptions: { maxRetries: this.connection.maxRetries ?? 3, maxRetryDelayInMs: 10_000 },
    };
  }
}

function inSubscription(id: string | undefined, subscriptionId: string): boolean {
  return id !== undefined && id.toLowerCase().startsWith(`/subscriptions/${subscriptionId.toLowerCase()}/`);
}

function requireResourceGroup(id: ArmResourceId): string {
  if (id.resourceGroup === undefined) throw new Error(`resource id has no resource group: ${id.id}`);
  return id.resourceGroup;
}
