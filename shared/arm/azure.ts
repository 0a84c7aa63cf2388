/** Real Azure: DefaultAzureCredential (managed identity in Functions) and the public ARM endpoint unless overridden. */
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import type { ArmConnection } from './gateway.js';

/**
 * DefaultAzureCredential, loaded on first use: @azure/identity (and MSAL behind it) is the
 * heaviest import of all, and the embedded mode never needs it. Cold start pays only when
 * a token is actually requested.
 */
export function lazyDefaultCredential(): TokenCredential {
  let credential: Promise<TokenCredential> | undefined;
  return {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      credential ??= import('@azure/identity').then(({ DefaultAzureCredential }) => new DefaultAzureCredential());
      return (await credential).getToken(scopes, options);
    },
  };
}

/** The subscription to serve in Azure; unset or empty means "no Azure: use the sandbox". */
export function azureSubscriptionId(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const id = env['AZURE_SUBSCRIPTION_ID']?.trim();
  return id === undefined || id.length === 0 ? undefined : id.toLowerCase();
}

export function azureConnection(env: NodeJS.ProcessEnv = process.env): ArmConnection {
  const endpoint = env['HIPAA_REMEDIATOR_ARM_ENDPOINT'];
  return { credential: lazyDefaultCredential(), ...(endpoint === undefined || endpoint.length === 0 ? {} : { endpoint }) };
}
