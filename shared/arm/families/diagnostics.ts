/**
 * Microsoft.Insights diagnostic settings through `@azure/arm-monitor` 8 (api 2021-05-01-preview):
 * the extension resources that route a resource's logs to a workspace. They are read with the
 * resources they are on (a decorator around every family attaches them to snapshots of the
 * monitored types) and written when a required one is restored.
 */
import type { DiagnosticSettingsResource, MonitorClient } from '@azure/arm-monitor';
import { mapAhead } from '../../concurrency.js';
import { classifyArmError, ResourceGoneError, TransientError } from '../../errors.js';
import type { Change } from '../../remediator.js';
import { parseResourceId, type ArmResourceId } from '../resourceId.js';
import { BLOB_SERVICE, isDiagnosticsMonitored, KEY_VAULT } from '../resourceTypes.js';
import type { ResourceSnapshot } from '../snapshot.js';
import { armClientOptions, type AppliedChange, type CallOptions, type ClientSettings, type ResourceFamily, type SweepItem } from './family.js';

/** What @azure/arm-monitor 8.0.0 sends for diagnosticSettings (its operations pin it; there is no newer version). */
export const DIAGNOSTIC_SETTINGS_API_VERSION = '2021-05-01-preview';

/** Settings listings a sweep keeps in flight at once, ahead of the snapshot it yields. */
const LIST_LOOKAHEAD = 16;

/**
 * The modular client builds `/{+resourceUri}/providers/...`: an id with its leading slash would
 * go out as `//subscriptions/...`, which ARM need not accept. The URI goes without it.
 */
function resourceUri(id: string): string {
  return id.replace(/^\/+/, '');
}

/** Lists and writes diagnostic settings; one MonitorClient (it needs no subscription), loaded on first use. */
export class DiagnosticsReader {
  private client: Promise<MonitorClient> | undefined;

  constructor(private readonly settings: ClientSettings) {}

  /** Every diagnostic setting on a resource: one list call (the spec's list has no paging). Raw SDK errors. */
  async list(resourceId: string, options: CallOptions): Promise<DiagnosticSettingsResource[]> {
    const monitor = await this.monitor();
    const settings: DiagnosticSettingsResource[] = [];
    for await (const setting of monitor.diagnosticSettings.list(resourceUri(resourceId), options)) settings.push(setting);
    return settings;
  }

  async createOrUpdate(resourceId: string, name: string, body: DiagnosticSettingsResource, options: CallOptions): Promise<DiagnosticSettingsResource> {
    const monitor = await this.monitor();
    return monitor.diagnosticSettings.createOrUpdate(resourceUri(resourceId), name, body, options);
  }

  /** Loaded on first use: cold start pays for every import, and most events never need it. */
  private monitor(): Promise<MonitorClient> {
    this.client ??= import('@azure/arm-monitor').then(
      ({ MonitorClient: Client }) =>
        new Client(this.settings.credential, armClientOptions(this.settings)),
    );
    return this.client;
  }
}

/**
 * Applies `diagnosticSettings.*` changes. It reads nothing on its own (`types` is empty): settings
 * come with the resources they are on, and an event about one is judged as that resource.
 */
export class DiagnosticSettingsFamily implements ResourceFamily {
  readonly types: readonly string[] = [];
  readonly operationPrefixes = ['diagnosticSettings'];

  constructor(private readonly reader: DiagnosticsReader) {}

  read(id: ArmResourceId): Promise<ResourceSnapshot> {
    return Promise.reject(new Error(`diagnostic settings are read with the resource they are on, not as ${id.id}`));
  }

  async apply(change: Change, options: CallOptions): Promise<AppliedChange> {
    if (change.operation !== 'diagnosticSettings.createOrUpdate') throw new Error(`no diagnostic settings writer for ${change.operation}`);
    const id = parseResourceId(change.resourceId);
    if (id.parent === undefined) throw new Error(`diagnostic setting id names no resource: ${id.id}`);
    // The answer is the setting, not the resource judged: the pipeline re-reads that, settings included.
    await this.reader.createOrUpdate(id.parent.id, id.name, change.body, options);
    return { apiVersion: DIAGNOSTIC_SETTINGS_API_VERSION };
  }

  async *list(): AsyncIterable<ResourceSnapshot> {
    // Settings are listed per monitored resource, by the decorator around the family that lists it.
  }

  apiVersionOf(): string {
    return DIAGNOSTIC_SETTINGS_API_VERSION;
  }
}

/**
 * The diagnostic settings of a monitored resource: undefined when ARM refuses to show them
 * (403 and other permanent answers: the remediator says it could not read them); a transient
 * failure or the resource being gone (404) is thrown.
 */
async function settingsOf(reader: DiagnosticsReader, id: ArmResourceId, options: CallOptions): Promise<DiagnosticSettingsResource[] | undefined> {
  try {
    return await reader.list(id.id, options);
  } catch (error) {
    const classified = classifyArmError(error, id.id);
    if (classified instanceof TransientError || classified instanceof ResourceGoneError) throw error;
    return undefined;
  }
}

function withSettings(snapshot: ResourceSnapshot, settings: readonly DiagnosticSettingsResource[] | undefined): ResourceSnapshot {
  // The snapshot variants that carry `diagnosticSettings` (DIAGNOSTICS_MONITORED_TYPES).
  if (snapshot.type !== BLOB_SERVICE && snapshot.type !== KEY_VAULT) return snapshot;
  return { ...snapshot, diagnosticSettings: settings };
}

function monitored(snapshot: ResourceSnapshot): boolean {
  return isDiagnosticsMonitored(snapshot.type);
}

/**
 * A family whose snapshots of monitored types carry their diagnostic settings: read alongside
 * the resource, listed once per resource a sweep lists, and re-listed after a write that
 * answered with the resource. Everything else passes through unchanged.
 */
export function withDiagnosticSettings(family: ResourceFamily, reader: DiagnosticsReader): ResourceFamily {
  const graph = family.graph;
  return {
    types: family.types,
    operationPrefixes: family.operationPrefixes,
    apiVersionOf: (change) => family.apiVersionOf(change),

    async read(id, options) {
      if (!isDiagnosticsMonitored(id.resourceType)) return family.read(id, options);
      const [snapshot, settings] = await Promise.all([family.read(id, options), settingsOf(reader, id, options)]);
      return withSettings(snapshot, settings);
    },

    async refresh(indexed, options) {
      const fresh = family.refresh === undefined ? await family.read(indexed.id, options) : await family.refresh(indexed, options);
      if (!monitored(fresh)) return fresh;
      // The settings were listed from ARM during this sweep; only Resource Graph's copy is in doubt.
      const listed = indexed.type === BLOB_SERVICE || indexed.type === KEY_VAULT ? indexed.diagnosticSettings : undefined;
      return withSettings(fresh, listed ?? (await settingsOf(reader, fresh.id, options)));
    },

    async apply(change, options) {
      const applied = await family.apply(change, options);
      const after = applied.after;
      if (after === undefined || !monitored(after)) return applied;
      return { ...applied, after: withSettings(after, await settingsOf(reader, after.id, options)) };
    },

    list: (subscriptionId, options) => mapAhead(family.list(subscriptionId, options), LIST_LOOKAHEAD, (snapshot) => (monitored(snapshot) ? listedWithSettings(reader, snapshot, options) : Promise.resolve(snapshot))),

    ...(graph === undefined
      ? {}
      : {
          graph: {
            query: graph.query,
            expand: (rows, options) =>
              mapAhead(graph.expand(rows, options), LIST_LOOKAHEAD, async (item: SweepItem) => {
                if (!monitored(item.snapshot)) return item;
                const snapshot = await listedWithSettings(reader, item.snapshot, options);
                return snapshot === undefined ? undefined : { ...item, snapshot };
              }),
          },
        }),
  };
}


/** A listed resource deleted before its settings were listed (404) is left out, as the next listing would. */
async function listedWithSettings(reader: DiagnosticsReader, snapshot: ResourceSnapshot, options: CallOptions): Promise<ResourceSnapshot | undefined> {
  try {
    return withSettings(snapshot, await settingsOf(reader, snapshot.id, options));
  } catch (error) {
    if (classifyArmError(error, snapshot.id.id) instanceof ResourceGoneError) return undefined;
    throw error;
  }
}
