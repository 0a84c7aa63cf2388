/** Real Azure: DefaultAzureCredential (managed identity in Functions) and the public ARM endpoint unless overridden. */
import { DefaultAzureCredential } from '@azure/identity';
import type { ArmConnection } from './gateway.js';

/** The subscription to serve in Azure; unset or empty means "no Azure: use the sandbox". */
export function azureSubscriptionId(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const id = env['AZURE_SUBSCRIPTION_ID']?.trim();
  return id === undefined || id.length === 0 ? undefined : id.toLowerCase();
}

export function azureConnection(env: NodeJS.ProcessEnv = process.env): ArmConnection {
  const endpoint = env['HIPAA_REMEDIATOR_ARM_ENDPOINT'];
  return { credential: new DefaultAzureCredential(), ...(endpoint === undefined || endpoint.length === 0 ? {} : { endpoint }) };
}

export function azureSubscriptions(env: NodeJS.ProcessEnv = process.env): ReadonlySet<string> | undefined {
  const id = azureSubscriptionId(env);
  return id === undefined ? undefined : new Set([id]);
}
