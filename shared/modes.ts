/**
 * Which mode applies to a (remediator, resource). The port lets the per-resource-group store
 * (Table Storage / JSON file) slot in; here the configured subscription-wide modes and each
 * remediator's default answer.
 */
import type { ArmResourceId } from './arm/resourceId.js';
import { ConfigError, type ServiceConfig } from './config.js';
import type { Mode, Remediator } from './remediator.js';

export interface ModeResolution {
  mode: Mode;
  /** Where the mode came from, for the audit and `modes explain`. */
  source: 'resource-group' | 'subscription' | 'config' | 'default' | 'fail-safe';
  dryRun: boolean;
}

export interface ModeResolver {
  resolve(remediator: Pick<Remediator, 'id' | 'defaultMode'>, resource: ArmResourceId): Promise<ModeResolution>;
}

export class ConfiguredModes implements ModeResolver {
  constructor(private readonly config: Pick<ServiceConfig, 'modes' | 'dryRun'>) {}

  static validated(config: Pick<ServiceConfig, 'modes' | 'dryRun'>, known: readonly Pick<Remediator, 'id'>[]): ConfiguredModes {
    for (const id of Object.keys(config.modes)) {
      if (!known.some((r) => r.id === id)) throw new ConfigError(`config modes: unknown remediator "${id}"`);
    }
    return new ConfiguredModes(config);
  }

  resolve(remediator: Pick<Remediator, 'id' | 'defaultMode'>): Promise<ModeResolution> {
    const configured = this.config.modes[remediator.id];
    return Promise.resolve(
      configured === undefined
        ? { mode: remediator.defaultMode, source: 'default', dryRun: this.config.dryRun }
        : { mode: configured, source: 'config', dryRun: this.config.dryRun },
    );
  }
}
