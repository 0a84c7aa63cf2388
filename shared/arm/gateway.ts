/**
 * The pipeline's only door to ARM: read a live resource, apply a planned change. Backed by
 * the real Azure SDK clients (one per subscription, created once per process); the sandbox
 * and Azure differ only in the endpoint and credential handed to them.
 */
import { KnownVersions, StorageManagementClient, type StorageManagementClientOptionalParams } from '@azure/arm-storage';
import type { TokenCredential } from '@azure/core-auth';
import { classifyArmError } from '../errors.js';
import type { Change } from '../remediator.js';
import { parseResourceId, type ArmResourceId } from './resourceId.js';
import { BLOB_CONTAINER, STORAGE_ACCOUNT } from './resourceTypes.js';
import type { ResourceSnapshot } from './snapshot.js';

export interface AppliedChange {
  apiVersion: string;
  /** The resource as ARM returned it from the write; undefined when the response cannot tell. */
  after?: ResourceSnapshot;
}

export interface ArmGateway {
  /** Types this gateway can read: the router skips events for anything else (0 ARM calls). */
  canRead(id: ArmResourceId): boolean;
  /** Throws ResourceGoneError (404), TransientError or PermanentError. */
  read(id: ArmResourceId, signal?: AbortSignal): Promise<ResourceSnapshot>;
  apply(change: Change, signal?: AbortSignal): Promise<AppliedChange>;
  /** The api-version the SDK sends for a change; recorded in the audit intent before the write. */
  apiVersionOf(change: Change): string;
}

export interface ArmConnection {
  credential: TokenCredential;
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

export class SdkArmGateway implements ArmGateway {
  private readonly storageClients = new Map<string, StorageManagementClient>();

  constructor(private readonly connection: ArmConnection) {}

  canRead(id: ArmResourceId): boolean {
    const type = id.resourceType.toLowerCase();
    return type === STORAGE_ACCOUNT.toLowerCase() || type === BLOB_CONTAINER.toLowerCase();
  }

  async read(id: ArmResourceId, signal?: AbortSignal): Promise<ResourceSnapshot> {
    const options = signal === undefined ? {} : { abortSignal: signal };
    try {
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
    switch (change.operation) {
      case 'storageAccounts.update':
      case 'blobContainers.update':
        return STORAGE_API_VERSION;
    }
  }

  private storage(subscriptionId: string): StorageManagementClient {
    let client = this.storageClients.get(subscriptionId);
    if (client === undefined) {
      client = new StorageManagementClient(this.connection.credential, subscriptionId, this.clientOptions());
      this.storageClients.set(subscriptionId, client);
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

function requireResourceGroup(id: ArmResourceId): string {
  if (id.resourceGroup === undefined) throw new Error(`resource id has no resource group: ${id.id}`);
  return id.resourceGroup;
}
