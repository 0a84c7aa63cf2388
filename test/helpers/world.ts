/**
 * A small world for integration tests: the sandbox ARM over HTTPS, the real SDK clients, a
 * file audit in a temp home and the pipeline wired exactly as the CLI wires it.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startSandbox, type Sandbox, type SandboxOptions, type SandboxState } from '../../sandbox/index.js';
import { SANDBOX_SERVICE_IDENTITY, sandboxConnection } from '../../shared/arm/sandboxConnection.js';
import { readLocalAuditRecords, verifyLocalAudit } from '../../shared/audit/local.js';
import type { AuditRecord } from '../../shared/audit/record.js';
import { createRuntime, type Runtime } from '../../shared/composition.js';
import { buildConfig, type ServiceConfig } from '../../shared/config.js';
import { createLogger } from '../../shared/log.js';
import { LogSink } from '../../shared/alerts/sinks/log.js';
import type { AlertSink } from '../../shared/alerts/sinks/sink.js';

export interface World {
  sandbox: Sandbox;
  /** Moves the service's clock forward (time-based rules, dangling intents). */
  advance(ms: number): void;
  runtime: Runtime;
  home: string;
  logLines: string[];
  audit(): Promise<AuditRecord[]>;
  /** ARM requests the service made (not the test's own), optionally only one method. */
  serviceRequests(method?: string): { method: string; path: string }[];
  close(): Promise<void>;
}

export async function startWorld(
  state: SandboxState,
  configJson: Record<string, unknown> = {},
  extra: Pick<Parameters<typeof createRuntime>[0], 'modeStore' | 'modeCacheTtlMs' | 'alertStore'> & {
    /** Sinks built against this world's sandbox (its Event Grid topic, its CA). */
    alertSinks?: (sandbox: Sandbox) => readonly AlertSink[];
    /** Sandbox options beyond the state (Resource Graph's quota, page size). */
    sandbox?: Omit<SandboxOptions, 'state'>;
  } = {},
): Promise<World> {
  let offsetMs = 0;
  const clock = (): Date => new Date(Date.now() + offsetMs);
  const sandbox = await startSandbox({ ...extra.sandbox, state });
  const home = await mkdtemp(join(tmpdir(), 'hipaa-home-'));
  const logLines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  });
  const base: ServiceConfig = buildConfig({ ...configJson, arm: { maxRetries: 2, eventBudgetMs: 10_000, ...(configJson['arm'] as object | undefined) } }, {});
  const config: ServiceConfig = { ...base, selfIds: new Set([...base.selfIds, SANDBOX_SERVICE_IDENTITY.objectId, SANDBOX_SERVICE_IDENTITY.appId]) };
  const log = createLogger({ level: 'debug', destination });
  const runtime = await createRuntime({
    home,
    config,
    arm: sandboxConnection(sandbox.url, sandbox.ca),
    log,
    subscriptions: new Set(['11111111-2222-4333-8444-555555555555']),
    clock,
    ...(extra.modeStore === undefined ? {} : { modeStore: extra.modeStore }),
    ...(extra.modeCacheTtlMs === undefined ? {} : { modeCacheTtlMs: extra.modeCacheTtlMs }),
    ...(extra.alertStore === undefined ? {} : { alertStore: extra.alertStore }),
    ...(extra.alertSinks === undefined ? {} : { alertSinks: [new LogSink(log), ...extra.alertSinks(sandbox)] }),
  });
  return {
    sandbox,
    runtime,
    home,
    logLines,
    advance(ms) {
      offsetMs += ms;
    },
    async audit() {
      await runtime.audit.sync();
      const report = await verifyLocalAudit(home);
      if (!report.ok) throw new Error(`audit chain broken: ${JSON.stringify(report.problem)}`);
      return readAuditRecords(home);
    },
    serviceRequests(method) {
      return sandbox.requests
        .filter((r) => r.callerObjectId === SANDBOX_SERVICE_IDENTITY.objectId && (method === undefined || r.method === method))
        .map((r) => ({ method: r.method, path: r.path }));
    },
    async close() {
      await runtime.audit.close();
      await sandbox.close();
    },
  };
}

/** Every record of the embedded audit under `home`, in chain order. */
export const readAuditRecords = readLocalAuditRecords;
