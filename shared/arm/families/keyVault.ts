/**
 * Microsoft.KeyVault vaults through `@azure/arm-keyvault` 5 (the management plane), with their
 * keys and the keys' rotation policies through `@azure/keyvault-keys` (each vault's own data
 * plane, at its `vaultUri`).
 *
 * The data plane is another door than ARM: a vault's network rules or its authorization model
 * (RBAC or access policies) can shut the service out while ARM still answers. Such a refusal
 * (401/403 and other 4xx) or a data plane the service cannot reach (DNS, connection refused,
 * TLS) leaves the keys unknown with the reason on the snapshot — never "no rotation policy";
 * 408/429/5xx and timeouts propagate as transient (the event is redelivered).
 *
 * What the service's identity needs to read (beyond the writes the remediator declares):
 * `Microsoft.KeyVault/vaults/read` (ARM) and, on the data plane, the data actions
 * `Microsoft.KeyVault/vaults/keys/read` and `Microsoft.KeyVault/vaults/keyrotationpolicies/read`
 * (RBAC vaults); on access-policy vaults the key permissions `list` and `getrotationpolicy`
 * (and `setrotationpolicy` to remediate).
 */
import type { KeyVaultManagementClient, Vault } from '@azure/arm-keyvault';
import { isRestError } from '@azure/core-rest-pipeline';
import type { KeyClient, KeyProperties, KeyRotationPolicy } from '@azure/keyvault-keys';
import { mapWithConcurrency } from '../../concurrency.js';
import { PermanentError } from '../../errors.js';
import type { Change } from '../../remediator.js';
import type { KeyStateRead, KeyVaultSnapshot } from '../keyVault.js';
import { resourcesOfType } from '../resourceGraph/queries.js';
import { vaultFromRow, type GraphRow } from '../resourceGraph/rows.js';
import { parseResourceId, type ArmResourceId } from '../resourceId.js';
import { KEY_VAULT } from '../resourceTypes.js';
import type { ResourceSnapshot } from '../snapshot.js';
import { armClientOptions, LazyClientCache, requireResourceGroup, type AppliedChange, type CallOptions, type ClientSettings, type GraphListing, type ResourceFamily, type SweepItem } from './family.js';

/** What @azure/arm-keyvault 5.0.0 sends by default (KnownVersions.V20260201), pinned so the audit records exactly what goes out. */
export const KEY_VAULT_API_VERSION = '2026-02-01';

/** The Key Vault service version @azure/keyvault-keys 4.10 sends by default (LATEST_API_VERSION), pinned likewise. */
export const KEY_VAULT_SERVICE_VERSION = '2025-07-01';

/** Rotation policies of one vault read at once: Key Vault throttles per vault (and there is no list API for policies). */
const POLICY_READS_IN_FLIGHT = 4;

/** Network failures that mean "cannot get there from here" (DNS, firewall, TLS), not weather. */
const UNREACHABLE = new Set([
  'ENOTFOUND',
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export class KeyVaultFamily implements ResourceFamily {
  readonly types = [KEY_VAULT];
  readonly operationPrefixes = ['vaults', 'keys'];
  private readonly clients: LazyClientCache<KeyVaultManagementClient>;
  /** One KeyClient per vault URI, kept for the process (its pipeline caches the vault's token). */
  private readonly keyClients = new Map<string, Promise<KeyClient>>();
  /** Vault id (lower case) → vaultUri, learnt from reads and listings: where data-plane writes go. */
  private readonly vaultUris = new Map<string, string>();

  constructor(private readonly settings: ClientSettings) {
    this.clients = new LazyClientCache(async (subscriptionId) => {
      const { KeyVaultManagementClient: Client } = await import('@azure/arm-keyvault');
      return new Client(settings.credential, subscriptionId, { apiVersion: KEY_VAULT_API_VERSION, ...armClientOptions(settings) });
    });
  }

  async read(id: ArmResourceId, options: CallOptions): Promise<ResourceSnapshot> {
    const client = await this.clients.for(id.subscriptionId);
    const vault = await client.vaults.get(requireResourceGroup(id), id.name, options);
    return this.withKeys(id, vault, options);
  }

  /** The vault as ARM has it now; its keys as the data plane showed them moments ago in this sweep. */
  async refresh(indexed: ResourceSnapshot, options: CallOptions): Promise<ResourceSnapshot> {
    if (indexed.type !== KEY_VAULT) return this.read(indexed.id, options);
    const client = await this.clients.for(indexed.id.subscriptionId);
    const vault = await client.vaults.get(requireResourceGroup(indexed.id), indexed.id.name, options);
    return { ...indexed, resource: vault };
  }

  async apply(change: Change, options: CallOptions): Promise<AppliedChange> {
    const id = parseResourceId(change.resourceId);
    switch (change.operation) {
      case 'vaults.update': {
        const client = await this.clients.for(id.subscriptionId);
        await client.vaults.update(requireResourceGroup(id), id.name, change.body, options);
        // The answer carries the vault but not its keys: the pipeline re-reads the whole snapshot.
        return { apiVersion: KEY_VAULT_API_VERSION };
      }
      case 'keys.updateRotationPolicy': {
        const vaultId = id.parent;
        if (vaultId === undefined || vaultId.resourceType.toLowerCase() !== KEY_VAULT.toLowerCase()) throw new Error(`not a key of a vault: ${id.id}`);
        const keys = await this.keyClient(await this.vaultUriOf(vaultId, options));
        try {
          await keys.updateKeyRotationPolicy(id.name, change.body, options);
        } catch (error) {
          throw refusedWrite(error);
        }
        return { apiVersion: KEY_VAULT_SERVICE_VERSION };
      }
      default:
        throw new Error(`no Key Vault writer for ${change.operation}`);
    }
  }

  async *list(subscriptionId: string, options: CallOptions): AsyncIterable<ResourceSnapshot> {
    const client = await this.clients.for(subscriptionId);
    for await (const vault of client.vaults.listBySubscription(options)) {
      if (vault.id === undefined) continue;
      yield await this.withKeys(parseResourceId(vault.id), vault, options);
    }
  }

  readonly graph: GraphListing = {
    query: resourcesOfType(KEY_VAULT),
    expand: (rows, options) => this.expandRows(rows, options),
  };

  /** Resource Graph's copy of each vault; its keys and their rotation policies from the data plane, live. */
  private async *expandRows(rows: readonly GraphRow[], options: CallOptions): AsyncIterable<SweepItem> {
    for (const row of rows) yield { snapshot: await this.withKeys(parseResourceId(row.id), vaultFromRow(row), options), fromGraph: true };
  }

  apiVersionOf(change: Change): string {
    return change.operation.startsWith('keys.') ? KEY_VAULT_SERVICE_VERSION : KEY_VAULT_API_VERSION;
  }

  private async withKeys(id: ArmResourceId, vault: Vault, options: CallOptions): Promise<KeyVaultSnapshot> {
    const base = { type: KEY_VAULT, id, resource: vault } as const;
    const vaultUri = vault.properties?.vaultUri;
    if (vaultUri === undefined || vaultUri.length === 0) return { ...base, keysUnknownBecause: 'the vault has no vaultUri (its data plane is not provisioned)' };
    this.vaultUris.set(id.key, vaultUri);
    try {
      return { ...base, keys: await this.readKeys(vaultUri, options) };
    } catch (error) {
      return { ...base, keysUnknownBecause: unreadable(error) };
    }
  }

  private async readKeys(vaultUri: string, options: CallOptions): Promise<KeyStateRead[]> {
    const client = await this.keyClient(vaultUri);
    const listed: KeyProperties[] = [];
    for await (const properties of client.listPropertiesOfKeys(options)) {
      // Keys backing certificates follow their certificate's policy; Key Vault manages them.
      if (properties.managed !== true) listed.push(properties);
    }
    const keys = await mapWithConcurrency(listed, POLICY_READS_IN_FLIGHT, (properties) => keyState(client, vaultUri, properties, options));
    return keys.filter((key): key is KeyStateRead => key !== undefined);
  }

  /** The vault's data-plane URL: from the last read, or from ARM (a change planned by another instance). */
  private async vaultUriOf(vaultId: ArmResourceId, options: CallOptions): Promise<string> {
    const known = this.vaultUris.get(vaultId.key);
    if (known !== undefined) return known;
    const client = await this.clients.for(vaultId.subscriptionId);
    const vaultUri = (await client.vaults.get(requireResourceGroup(vaultId), vaultId.name, options)).properties?.vaultUri;
    if (vaultUri === undefined) throw new Error(`vault ${vaultId.id} has no vaultUri`);
    this.vaultUris.set(vaultId.key, vaultUri);
    return vaultUri;
  }

  private keyClient(vaultUri: string): Promise<KeyClient> {
    const key = vaultUri.toLowerCase().replace(/\/+$/, '');
    let client = this.keyClients.get(key);
    if (client === undefined) {
      client = import('@azure/keyvault-keys').then(
        ({ KeyClient: Client }) =>
          new Client(vaultUri, this.settings.credential, {
            serviceVersion: KEY_VAULT_SERVICE_VERSION,
            ...(this.settings.ca === undefined ? {} : { tlsOptions: { ca: this.settings.ca } }),
            retryOptions: { maxRetries: this.settings.maxRetries, maxRetryDelayInMs: 10_000 },
            // The challenge names https://vault.azure.net, which no loopback vault (the sandbox's) can
            // match; a real vault is never on loopback, so everywhere else the check stays on.
            ...(isLoopback(vaultUri) ? { disableChallengeResourceVerification: true } : {}),
          }),
      );
      this.keyClients.set(key, client);
    }
    return client;
  }
}

async function keyState(client: KeyClient, vaultUri: string, properties: KeyProperties, options: CallOptions): Promise<KeyStateRead | undefined> {
  const state = {
    name: properties.name,
    id: properties.id ?? `${vaultUri.replace(/\/+$/, '')}/keys/${properties.name}`,
    ...(properties.enabled === undefined ? {} : { enabled: properties.enabled }),
    ...(properties.expiresOn === undefined ? {} : { expiresOn: properties.expiresOn }),
  };
  let rotationPolicy: KeyRotationPolicy;
  try {
    rotationPolicy = await client.getKeyRotationPolicy(properties.name, options);
  } catch (error) {
    // Deleted since the listing: nothing left to judge.
    if (isRestError(error) && error.statusCode === 404) return undefined;
    return { ...state, rotationPolicy: 'unknown', rotationPolicyUnknownBecause: unreadable(error) };
  }
  return { ...state, rotationPolicy };
}

/**
 * Why the data plane could not be read, for a refusal or an unreachable vault; anything
 * transient (408, 429, 5xx, timeouts, resets) or unexpected is rethrown for the gateway to classify.
 */
function unreadable(error: unknown): string {
  if (isRestError(error)) {
    const status = error.statusCode;
    if (status !== undefined && status !== 408 && status !== 429 && status < 500) {
      return `Key Vault answered ${status}${error.code === undefined ? '' : ` ${error.code}`}: ${firstLine(error.message)}`;
    }
    if (status === undefined && error.code !== undefined && UNREACHABLE.has(error.code)) {
      return `Key Vault unreachable (${error.code}): ${firstLine(error.message)}`;
    }
  }
  throw error;
}

/** A refused data-plane write says so (not "ARM answered"); 404, 412 and the transient ones go to the gateway's classification as they are. */
function refusedWrite(error: unknown): unknown {
  if (!isRestError(error) || error.statusCode === undefined) return error;
  const status = error.statusCode;
  if (status === 404 || status === 408 || status === 412 || status === 429 || status >= 500) return error;
  const code = error.code ?? `Http${status}`;
  return new PermanentError(`Key Vault answered ${status} ${code}: ${firstLine(error.message)}`, code, { cause: error });
}

function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? '').slice(0, 300);
}
