/**
 * The one place that wires real adapters to the pipeline's ports. Everything else receives
 * its dependencies; nothing reaches for a global client.
 */
import { join } from 'node:path';
import { REMEDIATORS } from '../remediators/index.js';
import type { Alerter } from './alerts/alerter.js';
import { FileAlertStore } from './alerts/fileStore.js';
import type { AlertStore } from './alerts/record.js';
import { AlertService } from './alerts/service.js';
import { configuredSinks } from './alerts/sinks/configured.js';
import type { AlertSink } from './alerts/sinks/sink.js';
import { SdkArmGateway, type ArmConnection, type ArmGateway } from './arm/gateway.js';
import { openLocalAudit } from './audit/local.js';
import type { AuditStore } from './audit/record.js';
import type { ServiceConfig } from './config.js';
import type { Logger } from './log.js';
import { FileModeStore } from './modes/fileStore.js';
import { StoreModeResolver, type ModeResolver } from './modes/resolver.js';
import type { ModeStore } from './modes/store.js';
import { Pipeline } from './pipeline.js';
import { ListedScope, ManagementGroupScope, type SubscriptionScope } from './scope.js';
import type { ChangeResult } from './result.js';

export interface RuntimeOptions {
  home: string;
  config: ServiceConfig;
  arm: ArmConnection;
  log: Logger;
  /** Subscriptions to watch when the config names none (the sandbox's state, or the environment's). */
  subscriptions?: ReadonlySet<string>;
  clock?: () => Date;
  onResult?: (result: ChangeResult) => void;
  /** The audit store; default: the embedded one under `home`. */
  audit?: AuditStore & { location: string };
  /** Operators' mode settings; default: `<home>/modes.json`. */
  modeStore?: ModeStore;
  /** How long mode settings are cached (other instances' changes apply within it). */
  modeCacheTtlMs?: number;
  /** Evaluate time-based rules as of this instant (`--now`); audit records keep the real time. */
  now?: Date;
  /** Alert lifecycle state; default: `<home>/alerts.json`. */
  alertStore?: AlertStore;
  /** Alert sinks; default: the log plus the sinks the config names. */
  alertSinks?: readonly AlertSink[];
  /** Where sink secrets are read from (default: process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface Runtime {
  config: ServiceConfig;
  arm: ArmGateway;
  pipeline: Pipeline;
  audit: AuditStore & { location: string };
  modeStore: ModeStore;
  modes: ModeResolver;
  alerts: Alerter;
  alertStore: AlertStore;
  log: Logger;
}

export async function createRuntime(options: RuntimeOptions): Promise<Runtime> {
  const audit =
    options.audit ??
    (await openLocalAudit(options.home, {
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      onCheckpointError: (error) => options.log.error({ err: error }, 'audit head could not be signed; retrying at the next sync'),
    }));
  const modeStore = options.modeStore ?? FileModeStore.inHome(options.home);
  const modes = StoreModeResolver.validated(modeStore, options.config, REMEDIATORS, {
    ...(options.modeCacheTtlMs === undefined ? {} : { ttlMs: options.modeCacheTtlMs }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  const arm = new SdkArmGateway({ ...options.arm, maxRetries: options.arm.maxRetries ?? options.config.arm.maxRetries }, { auditTables: options.config.policy.logRetention.tables });
  const alertStore = options.alertStore ?? FileAlertStore.inHome(options.home);
  const alerts = new AlertService({
    store: alertStore,
    sinks:
      options.alertSinks ??
      configuredSinks(options.config.alerts.sinks, {
        env: options.env ?? process.env,
        log: options.log,
        credential: () => options.arm.credential,
        ...(options.arm.ca === undefined ? {} : { ca: options.arm.ca }),
      }),
    audit,
    log: options.log,
    severity: options.config.alerts.severity,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  const pipeline = new Pipeline({
    arm,
    audit,
    modes,
    alerter: alerts,
    log: options.log,
    remediators: REMEDIATORS,
    config: options.config,
    ...watchScope(options, arm),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.now === undefined ? {} : { evaluateAt: () => options.now! }),
    ...(options.onResult === undefined ? {} : { onResult: options.onResult }),
  });
  return { config: options.config, arm, pipeline, audit, modeStore, modes, alerts, alertStore, log: options.log };
}

/** The config's subscriptions (else the runtime's), plus management groups resolved through Resource Graph. */
function watchScope(options: RuntimeOptions, arm: ArmGateway): { scope?: SubscriptionScope } {
  const configured = options.config.scope;
  const listed = configured.subscriptions.length > 0 ? configured.subscriptions : [...(options.subscriptions ?? [])];
  if (configured.managementGroups.length > 0) {
    return { scope: new ManagementGroupScope(listed, configured.managementGroups, (groups, signal) => arm.subscriptionsUnder(groups, signal)) };
  }
  return listed.length === 0 ? {} : { scope: new ListedScope(listed) };
}

/** `--home`, else HIPAA_REMEDIATOR_HOME, else `.hipaa-remediator/` in the working directory. */
export function resolveHome(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? env['HIPAA_REMEDIATOR_HOME'] ?? join(process.cwd(), '.hipaa-remediator');
}
