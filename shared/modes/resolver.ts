/**
 * Which mode applies to a (remediator, resource in subscription S, resource group R), from the
 * ModeStore: `sub:S/rg:R` > `rg:R` > `sub:S` > `*`; then the deployment's config file, then the
 * remediator's `defaultMode` (see scopesFor). `dryRun` turns every remediation into an alert. An
 * unreadable store fails safe to `alert`: never `off` (silence), never `remediate` (wider than
 * intended).
 */
import type { ArmResourceId } from '../arm/resourceId.js';
import { ConfigError, type ServiceConfig } from '../config.js';
import type { Mode, Remediator } from '../remediator.js';
import { scopesFor } from './scopes.js';
import type { ModeSetting, ModeStore } from './store.js';

export interface ModeResolution {
  mode: Mode;
  /**
   * Where the mode came from, for the audit and `modes explain`: 'resource-group' for `rg:R` and
   * `sub:S/rg:R`, 'subscription' for `sub:S` and `*` (the strings predate per-subscription modes;
   * `setting.scope` says exactly which scope decided).
   */
  source: 'resource-group' | 'subscription' | 'config' | 'default' | 'fail-safe';
  dryRun: boolean;
  /** The stored setting that decided, when one did (who set it, when, why). */
  setting?: ModeSetting;
  /** For 'fail-safe': why the store could not be read. */
  error?: string;
}

export interface ModeResolver {
  resolve(remediator: Pick<Remediator, 'id' | 'defaultMode'>, resource: ArmResourceId): Promise<ModeResolution>;
  /** Drops cached settings, so a change made in this process applies to the very next event. */
  invalidate(): void;
}

/** How long settings are cached: a change made on another instance applies within this. */
export const MODE_CACHE_TTL_MS = 5_000;

export class StoreModeResolver implements ModeResolver {
  private cache: { at: number; settings: ModeSetting[] } | undefined;

  constructor(
    private readonly store: ModeStore,
    private readonly config: Pick<ServiceConfig, 'modes' | 'dryRun'>,
    private readonly options: { ttlMs?: number; clock?: () => Date } = {},
  ) {}

  /** Refuses a config that names remediators that do not exist: a typo must not pass for a setting. */
  static validated(store: ModeStore, config: Pick<ServiceConfig, 'modes' | 'dryRun'>, known: readonly Pick<Remediator, 'id'>[], options: { ttlMs?: number; clock?: () => Date } = {}): StoreModeResolver {
    for (const id of Object.keys(config.modes)) {
      if (!known.some((r) => r.id === id)) throw new ConfigError(`config modes: unknown remediator "${id}"`);
    }
    return new StoreModeResolver(store, config, options);
  }

  invalidate(): void {
    this.cache = undefined;
  }

  async resolve(remediator: Pick<Remediator, 'id' | 'defaultMode'>, resource: ArmResourceId): Promise<ModeResolution> {
    const dryRun = this.config.dryRun;
    let settings: ModeSetting[];
    try {
      settings = await this.settings();
    } catch (error) {
      return { mode: 'alert', source: 'fail-safe', dryRun, error: error instanceof Error ? error.message : String(error) };
    }
    const mine = settings.filter((s) => s.remediator === remediator.id);
    for (const { scope, level } of scopesFor(resource.subscriptionId, resource.resourceGroup)) {
      const setting = mine.find((s) => s.scope === scope);
      if (setting !== undefined) return { mode: setting.mode, source: level, dryRun, setting };
    }
    const configured = this.config.modes[remediator.id];
    if (configured !== undefined) return { mode: configured, source: 'config', dryRun };
    return { mode: remediator.defaultMode, source: 'default', dryRun };
  }

  private async settings(): Promise<ModeSetting[]> {
    const now = (this.options.clock ?? (() => new Date()))().getTime();
    const ttl = this.options.ttlMs ?? MODE_CACHE_TTL_MS;
    if (this.cache !== undefined && now - this.cache.at < ttl) return this.cache.settings;
    // Past the TTL a failed read is not answered from the stale cache: fail safe instead.
    this.cache = undefined;
    const settings = await this.store.list();
    this.cache = { at: now, settings };
    return settings;
  }
}
