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
import { createRuntime, type Runtime } from '../shared/composition.js';
import { buildConfig, ConfigError } from '../shared/config.js';
import { createLogger } from '../shared/log.js';

let runtime: Promise<Runtime> | undefined;

export function functionsRuntime(env: NodeJS.ProcessEnv = process.env): Promise<Runtime> {
  runtime ??= build(env);
  return runtime;
}

async function build(env: NodeJS.ProcessEnv): Promise<Runtime> {
  const config = buildConfig(env['HIPAA_REMEDIATOR_CONFIG'] === undefined ? {} : (JSON.parse(env['HIPAA_REMEDIATOR_CONFIG']) as unknown), env);
  const log = createLogger();
  // Until the blob audit store lands, Functions keep the local file format under this directory.
  const home = env['HIPAA_REMEDIATOR_HOME'] ?? join(tmpdir(), 'hipaa-remediator');
  const subscriptions = azureSubscriptions(env);
  return createRuntime({ home, config, arm: connection(env), log, ...(subscriptions === undefined ? {} : { subscriptions }) });
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
