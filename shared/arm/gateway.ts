/**
 * The pipeline's only door to ARM: read a live resource, apply a planned change, list a
 * subscription. Backed by the real Azure SDK clients, one family of resource types per Azure
 * service (families/); the sandbox and Azure differ only in the endpoint and credential.
 */
import type { TokenCredential } from '@azure/core-auth';
import { classifyArmError } from '../errors.js';
import type { Change } from '../remediator.js';
import { GraphDirectory } from './directory.js';
import { AuthorizationFamily } from './families/authorization.js';
import { DiagnosticSettingsFamily, DiagnosticsReader, withDiagnosticSettings } from './families/diagnostics.js';
import type { AppliedChange, ClientSettings, ResourceFamily } from './families/family.js';
import { KeyVaultFamily } from './families/keyVault.js';
import { LogAnalyticsFamily } from './families/logAnalytics.js';
import { StorageFamily } from './families/storage.js';
import { parseResourceId, type ArmResourceId } from './resourceId.js';
import type { ResourceSnapshot } from './snapshot.js';

export type { AppliedChange } from './families/family.js';

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
   * call per page, and one child listing per parent, never one GET per resource).
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

export class SdkArmGateway implements ArmGateway {
  private readonly families: readonly ResourceFamily[];

  /** @param scope - what the sweep lists beyond whole resource types: the audit tables of each workspace. */
  constructor(connection: ArmConnection, scope: { auditTables?: readonly string[] } = {}) {
    const settings: ClientSettings = {
      credential: connection.credential,
      maxRetries: connection.maxRetries ?? 3,
      ...(connection.endpoint === undefined ? {} : { endpoint: connection.endpoint }),
      ...(connection.ca === undefined ? {} : { ca: connection.ca }),
    };
    // Snapshots of monitored types (resourceTypes.ts) carry their diagnostic settings, whichever family reads them.
    const diagnostics = new DiagnosticsReader(settings);
    this.families = [
      new StorageFamily(settings),
      new AuthorizationFamily(settings, new GraphDirectory(connection.credential, connection.graphEndpoint, connection.ca)),
      new LogAnalyticsFamily(settings, scope.auditTables ?? []),
      new DiagnosticSettingsFamily(diagnostics),
      new KeyVaultFamily(settings),
      // (more families: insert above this line)
    ].map((family) => withDiagnosticSettings(family, diagnostics));
  }

  canRead(id: ArmResourceId): boolean {
    return this.familyOfType(id.resourceType) !== undefined;
  }

  async read(id: ArmResourceId, signal?: AbortSignal): Promise<ResourceSnapshot> {
    try {
      const family = this.familyOfType(id.resourceType);
      if (family === undefined) throw new Error(`no reader for resource type ${id.resourceType}`);
      return await family.read(id, signal === undefined ? {} : { abortSignal: signal });
    } catch (error) {
      throw classifyArmError(error, id.id);
    }
  }

  async apply(change: Change, signal?: AbortSignal): Promise<AppliedChange> {
    try {
      return await this.familyOfChange(change).apply(change, signal === undefined ? {} : { abortSignal: signal });
    } catch (error) {
      throw classifyArmError(error, parseResourceId(change.resourceId).id);
    }
  }

  apiVersionOf(change: Change): string {
    return this.familyOfChange(change).apiVersionOf(change);
  }

  async *list(subscriptionId: string, signal?: AbortSignal): AsyncIterable<ResourceSnapshot> {
    try {
      for (const family of this.families) yield* family.list(subscriptionId, signal === undefined ? {} : { abortSignal: signal });
    } catch (error) {
      throw classifyArmError(error, `/subscriptions/${subscriptionId}`);
    }
  }

  private familyOfType(type: string): ResourceFamily | undefined {
    const key = type.toLowerCase();
    return this.families.find((family) => family.types.some((t) => t.toLowerCase() === key));
  }

  private familyOfChange(change: Change): ResourceFamily {
    const prefix = change.operation.split('.')[0] ?? '';
    const family = this.families.find((f) => f.operationPrefixes.includes(prefix));
    if (family === undefined) throw new Error(`no family applies ${change.operation}`);
    return family;
  }
}
