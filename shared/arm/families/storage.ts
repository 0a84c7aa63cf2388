/**
 * Microsoft.Storage through `@azure/arm-storage`: accounts, their blob service and containers
 * (a container's immutability policy comes with it, etag included).
 */
import { KnownVersions, StorageManagementClient, type StorageAccount } from '@azure/arm-storage';
import { mapAhead } from '../../concurrency.js';
import type { Change } from '../../remediator.js';
import { childrenUnlessGone } from '../resourceGraph/children.js';
import { resourcesOfType } from '../resourceGraph/queries.js';
import { storageAccountFromRow, type GraphRow } from '../resourceGraph/rows.js';
import { parseResourceId, type ArmResourceId } from '../resourceId.js';
import { BLOB_CONTAINER, BLOB_SERVICE, STORAGE_ACCOUNT } from '../resourceTypes.js';
import type { ResourceSnapshot } from '../snapshot.js';
import { armClientOptions, ClientCache, requireResourceGroup, type AppliedChange, type CallOptions, type ClientSettings, type GraphListing, type ResourceFamily, type SweepItem } from './family.js';

/**
 * Pinned rather than the SDK's default (20.1.0 defaults to 2026-04-01): the version the spec
 * examples and the sandbox are verified against, recorded in every audited change.
 * (20.0.0 dropped account properties from update bodies, so 20.1.0 is the floor.)
 */
export const STORAGE_API_VERSION: string = KnownVersions.V20250801;

/** Subscriptions whose accounts a Resource Graph sweep lists the children of at once (as the list path lists subscriptions). */
const SUBSCRIPTIONS_EXPANDED_AHEAD = 4;

export class StorageFamily implements ResourceFamily {
  readonly types = [STORAGE_ACCOUNT, BLOB_SERVICE, BLOB_CONTAINER];
  readonly operationPrefixes = ['storageAccounts', 'blobServices', 'blobContainers', 'immutabilityPolicies'];
  private readonly clients: ClientCache<StorageManagementClient>;

  constructor(settings: ClientSettings) {
    this.clients = new ClientCache(
      (subscriptionId) =>
        new StorageManagementClient(settings.credential, subscriptionId, { apiVersion: STORAGE_API_VERSION, ...armClientOptions(settings) }),
    );
  }

  async read(id: ArmResourceId, options: CallOptions): Promise<ResourceSnapshot> {
    const client = this.clients.for(id.subscriptionId);
    const resourceGroup = requireResourceGroup(id);
    const [account, , container] = id.names;
    if (account === undefined) throw new Error(`malformed storage id ${id.id}`);
    switch (id.resourceType.toLowerCase()) {
      case STORAGE_ACCOUNT.toLowerCase():
        return { type: STORAGE_ACCOUNT, id, resource: await client.storageAccounts.getProperties(resourceGroup, account, options) };
      case BLOB_SERVICE.toLowerCase(): {
        const [resource, owner] = await Promise.all([client.blobServices.getServiceProperties(resourceGroup, account, options), client.storageAccounts.getProperties(resourceGroup, account, options)]);
        return { type: BLOB_SERVICE, id, resource, account: owner };
      }
      case BLOB_CONTAINER.toLowerCase():
        if (container === undefined) throw new Error(`malformed container id ${id.id}`);
        return { type: BLOB_CONTAINER, id, resource: await client.blobContainers.get(resourceGroup, account, container, options) };
      default:
        throw new Error(`no storage reader for ${id.resourceType}`);
    }
  }

  async apply(change: Change, options: CallOptions): Promise<AppliedChange> {
    const id = parseResourceId(change.resourceId);
    const client = this.clients.for(id.subscriptionId);
    const resourceGroup = requireResourceGroup(id);
    const [account, , container] = id.names;
    if (account === undefined) throw new Error(`malformed storage id ${id.id}`);
    const withContainer = (): string => {
      if (container === undefined) throw new Error(`malformed container id ${id.id}`);
      return container;
    };
    const applied = { apiVersion: STORAGE_API_VERSION };
    switch (change.operation) {
      case 'storageAccounts.update':
        return { ...applied, after: { type: STORAGE_ACCOUNT, id, resource: await client.storageAccounts.update(resourceGroup, account, change.body, options) } };
      case 'blobContainers.update':
        return { ...applied, after: { type: BLOB_CONTAINER, id, resource: await client.blobContainers.update(resourceGroup, account, withContainer(), change.body, options) } };
      case 'blobServices.setServiceProperties':
        // The account is part of the snapshot: the pipeline re-reads both rather than trust half.
        await client.blobServices.setServiceProperties(resourceGroup, account, change.body, options);
        return applied;
      case 'immutabilityPolicies.createOrUpdate':
        // The write answers with the policy, not the container the remediator judges: re-read that.
        await client.blobContainers.createOrUpdateImmutabilityPolicy(resourceGroup, account, withContainer(), {
          ...options,
          parameters: change.body,
          ...(change.ifMatch === undefined ? {} : { ifMatch: change.ifMatch }),
        });
        return applied;
      case 'immutabilityPolicies.extend':
        await client.blobContainers.extendImmutabilityPolicy(resourceGroup, account, withContainer(), change.ifMatch, { ...options, parameters: change.body });
        return applied;
      default:
        throw new Error(`no storage writer for ${change.operation}`);
    }
  }

  async *list(subscriptionId: string, options: CallOptions): AsyncIterable<ResourceSnapshot> {
    const client = this.clients.for(subscriptionId);
    for await (const account of client.storageAccounts.list(options)) {
      if (account.id === undefined) continue;
      yield { type: STORAGE_ACCOUNT, id: parseResourceId(account.id), resource: account };
      yield* this.childrenOf(account, options);
    }
  }

  readonly graph: GraphListing = {
    query: resourcesOfType(STORAGE_ACCOUNT),
    expand: (rows, options) => this.expandRows(rows, options),
  };

  /**
   * As the list path does: the accounts of one subscription one after the other (they share its
   * ARM read budget, which parallel listings drained under load), a few subscriptions at a time.
   * Resource Graph orders rows by id, so each subscription's accounts are contiguous.
   */
  private async *expandRows(rows: readonly GraphRow[], options: CallOptions): AsyncIterable<SweepItem> {
    const bySubscription: { row: GraphRow; id: ArmResourceId }[][] = [];
    for (const row of rows) {
      const id = parseResourceId(row.id);
      const last = bySubscription.at(-1);
      if (last?.[0]?.id.subscriptionId === id.subscriptionId) last.push({ row, id });
      else bySubscription.push([{ row, id }]);
    }
    const expanded = mapAhead(bySubscription, SUBSCRIPTIONS_EXPANDED_AHEAD, async (accounts): Promise<SweepItem[]> => {
      const items: SweepItem[] = [];
      for (const { row, id } of accounts) {
        const account = storageAccountFromRow(row);
        items.push({ snapshot: { type: STORAGE_ACCOUNT, id, resource: account }, fromGraph: true });
        // Blob services and containers are not in Resource Graph: one listing each per account, from ARM.
        for await (const snapshot of childrenUnlessGone(this.childrenOf(account, options), row.id)) items.push({ snapshot, fromGraph: false });
      }
      return items;
    });
    for await (const items of expanded) yield* items;
  }

  /** The account's blob services and containers: one paged listing each, never a GET per container. */
  private async *childrenOf(account: StorageAccount, options: CallOptions): AsyncIterable<ResourceSnapshot> {
    if (account.id === undefined) return;
    const id = parseResourceId(account.id);
    const client = this.clients.for(id.subscriptionId);
    const resourceGroup = requireResourceGroup(id);
    for await (const service of client.blobServices.list(resourceGroup, id.name, options)) {
      if (service.id === undefined) continue;
      yield { type: BLOB_SERVICE, id: parseResourceId(service.id), resource: service, account };
    }
    for await (const item of client.blobContainers.list(resourceGroup, id.name, options)) {
      if (item.id === undefined) continue;
      // The list item carries the container's properties (publicAccess, immutabilityPolicy): no GET needed.
      yield { type: BLOB_CONTAINER, id: parseResourceId(item.id), resource: item };
    }
  }

  apiVersionOf(): string {
    return STORAGE_API_VERSION;
  }
}
