/** Real Azure: DefaultAzureCredential (managed identity in Functions) and the public ARM endpoint unless overridden. */
import { DefaultAzureCredential } from '@azure/identity';
import type { ArmConnection } from './gateway.js';

export function azureConnection(env: NodeJS.ProcessEnv = process.env): ArmConnection {
  const endpoint = env['HIPAA_REMEDIATOR_ARM_ENDPOINT'];
  return { credential: new DefaultAzureCredential(), ...(endpoint === undefined ? {} : { endpoint }) };
}

export function azureSubscriptions(env: NodeJS.ProcessEnv = process.env): ReadonlySet<string> | undefined {
  const id = env['AZURE_SUBSCRIPTION_ID'];
  return id === undefined ? undefined : new Set([id.toLowerCase()]);
}
