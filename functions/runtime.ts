/**
 * Composition for the Azure Functions host: built once per worker process from app settings.
 * AZURE_SUBSCRIPTION_ID selects Azure (managed identity via DefaultAzureCredential);
 * otherwise HIPAA_REMEDIATOR_SANDBOX_URL (+ _SANDBOX_CA, a PEM file) points a locally run
 * Functions host at a running sandbox.
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { azureConnection, azureSubscriptionId } from '../shared/arm/azure.js';
import type { ArmConnection } from '../shared/arm/gateway.js';
import { sandboxConnection } from '../shared/arm/sandboxConnection.js';
import { configuredAudit, configuredAuditVerifier } from '../shared/audit/configured.js';
import { configuredModeStore } from '../shared/modes/configured.js';
import { configuredAlertStore } from '../shared/alerts/configured.js';
import type { VerifyReport } from '../shared/audit/verify.js';
import { configuredReportSource, type ReportSource } from '../shared/report/source.js';
import { createRuntime, type Runtime } from '../shared/composition.js';
import { buildConfig, ConfigError } from '../shared/config.js';
import { createLogger } from '../shared/log.js';

let runtime: Promise<Runtime> | undefined;

export function functionsRuntime(env: NodeJS.ProcessEnv = process.env): Promise<Runtime> {
  runtime ??= build(env);
  return runtime;
}

/** Local state (the embedded audit and modes when Azure stores are not configured, the local admin token). */
export function functionsHome(env: NodeJS.ProcessEnv = process.env): string {
  return env['HIPAA_REMEDIATOR_HOME'] ?? join(tmpdir(), 'hipaa-remediator');
}

/** `audit verify` for whichever audit store the Functions use. */
export function functionsAuditVerifier(env: NodeJS.ProcessEnv = process.env): () => Promise<VerifyReport> {
  return configuredAuditVerifier(env, functionsHome(env), connection(env).credential);
}

/** The evidence report's source: the same audit store the verifier checks. */
export function functionsReportSource(env: NodeJS.ProcessEnv = process.env): Promise<ReportSource> {
  return configuredReportSource(env, functionsHome(env), connection(env).credential);
}

async function build(env: NodeJS.ProcessEnv): Promise<Runtime> {
  const config = buildConfig(env['HIPAA_REMEDIATOR_CONFIG'] === undefined ? {} : (JSON.parse(env['HIPAA_REMEDIATOR_CONFIG']) as unknown), env);
  const log = createLogger();
  const home = functionsHome(env);
  // The watched subscriptions come with the config (scope, AZURE_SUBSCRIPTION_ID, HIPAA_REMEDIATOR_SUBSCRIPTIONS).
  const arm = connection(env);
  const audit = await configuredAudit(env, arm.credential, log);
  const modeStore = await configuredModeStore(env, home, () => arm.credential);
  const alertStore = await configuredAlertStore(env, home, () => arm.credential);
  return createRuntime({ home, config, arm, log, modeStore, alertStore, env, ...(audit === undefined ? {} : { audit }) });
}

function connection(env: NodeJS.ProcessEnv): ArmConnection {
  if (azureSubscriptionId(env) !== undefined) return azureConnection(env);
  const url = env['HIPAA_REMEDIATOR_SANDBOX_URL'];
  const caFile = env['HIPAA_REMEDIATOR_SANDBOX_CA'];
  if (url === undefined || caFile === undefined) {
    throw new ConfigError('set AZURE_SUBSCRIPTION_ID (Azure) or HIPAA_REMEDIATOR_SANDBOX_URL and HIPAA_REMEDIATOR_SANDBOX_CA (local sandbox)');
  }
  return sandboxConnection(url, readFileSync(caFile, 'utf8'));
}
