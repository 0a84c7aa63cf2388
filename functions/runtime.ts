/**
 * Composition for the Azure Functions host: built once per worker process from app settings.
 * AZURE_SUBSCRIPTION_ID selects Azure (managed identity via DefaultAzureCredential);
 * otherwise HIPAA_REMEDIATOR_SANDBOX_URL (+ _SANDBOX_CA, a PEM file) points a locally run
 * Functions host at a running sandbox.
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { azureConnection, azureSubscriptionId, azureSubscriptions } from '../shared/arm/azure.js';
import type { ArmConnection } from '../shared/arm/gateway.js';
import { sandboxConnection } from '../shared/arm/sandboxConnection.js';
import { openAzureAudit, verifyAzureAudit } from '../shared/audit/azure.js';
import { verifyLocalAudit } from '../shared/audit/local.js';
import type { VerifyReport } from '../shared/audit/verify.js';
import { containerClientFromUrl } from '../shared/audit/blobSegments.js';
import type { Logger } from '../shared/log.js';
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
  const containerUrl = env['HIPAA_REMEDIATOR_AUDIT_CONTAINER_URL'];
  const keyId = env['HIPAA_REMEDIATOR_AUDIT_KEY_ID'];
  if (containerUrl === undefined || keyId === undefined) return () => verifyLocalAudit(functionsHome(env));
  const { credential } = connection(env);
  return () => verifyAzureAudit({ container: containerClientFromUrl(containerUrl, credential), keyId, credential });
}

async function build(env: NodeJS.ProcessEnv): Promise<Runtime> {
  const config = buildConfig(env['HIPAA_REMEDIATOR_CONFIG'] === undefined ? {} : (JSON.parse(env['HIPAA_REMEDIATOR_CONFIG']) as unknown), env);
  const log = createLogger();
  const home = functionsHome(env);
  const subscriptions = azureSubscriptions(env);
  const arm = connection(env);
  const audit = azureAudit(env, arm, log);
  return createRuntime({ home, config, arm, log, ...(subscriptions === undefined ? {} : { subscriptions }), ...(audit === undefined ? {} : { audit }) });
}

/**
 * HIPAA_REMEDIATOR_AUDIT_CONTAINER_URL (the WORM container) and HIPAA_REMEDIATOR_AUDIT_KEY_ID (a
 * versioned Key Vault key id) select the Azure audit store, authenticated with the service's
 * identity. Without them in Azure the audit stays in local files: said loudly, never silently.
 */
function azureAudit(env: NodeJS.ProcessEnv, arm: ArmConnection, log: Logger): ReturnType<typeof openAzureAudit> | undefined {
  const containerUrl = env['HIPAA_REMEDIATOR_AUDIT_CONTAINER_URL'];
  const keyId = env['HIPAA_REMEDIATOR_AUDIT_KEY_ID'];
  if (containerUrl === undefined || keyId === undefined) {
    if (azureSubscriptionId(env) !== undefined) log.error('HIPAA_REMEDIATOR_AUDIT_CONTAINER_URL / _KEY_ID not set: the audit is written to local files, which are not immutable');
    return undefined;
  }
  return openAzureAudit(
    { container: containerClientFromUrl(containerUrl, arm.credential), keyId, credential: arm.credential },
    { onCheckpointError: (error) => log.error({ err: error }, 'audit head could not be signed in Key Vault; retrying at the next sync') },
  );
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
