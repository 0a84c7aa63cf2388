/**
 * Which audit store app settings select: HIPAA_REMEDIATOR_AUDIT_CONTAINER_URL (the WORM
 * container) and HIPAA_REMEDIATOR_AUDIT_KEY_ID (a versioned Key Vault key id) select the Azure
 * store, authenticated with the service's identity; otherwise the embedded one under the home.
 * In Azure without them the audit stays in local files: said loudly, never silently.
 */
import type { TokenCredential } from '@azure/core-auth';
import { azureSubscriptionId } from '../arm/azure.js';
import type { Logger } from '../log.js';
import type { AuditChain } from './chain.js';
import { verifyLocalAudit } from './local.js';
import type { VerifyReport } from './verify.js';

function azureSettings(env: NodeJS.ProcessEnv): { containerUrl: string; keyId: string } | undefined {
  const containerUrl = env['HIPAA_REMEDIATOR_AUDIT_CONTAINER_URL'];
  const keyId = env['HIPAA_REMEDIATOR_AUDIT_KEY_ID'];
  return containerUrl === undefined || keyId === undefined ? undefined : { containerUrl, keyId };
}

/** The Azure audit store when configured (its SDKs loaded only then); undefined means "use the embedded one". */
export async function configuredAudit(env: NodeJS.ProcessEnv, credential: TokenCredential, log: Logger): Promise<AuditChain | undefined> {
  const settings = azureSettings(env);
  if (settings === undefined) {
    if (azureSubscriptionId(env) !== undefined) log.error('HIPAA_REMEDIATOR_AUDIT_CONTAINER_URL / _KEY_ID not set: the audit is written to local files, which are not immutable');
    return undefined;
  }
  const [{ openAzureAudit }, { containerClientFromUrl }] = await Promise.all([import('./azure.js'), import('./blobSegments.js')]);
  return openAzureAudit(
    { container: containerClientFromUrl(settings.containerUrl, credential), keyId: settings.keyId, credential },
    { onCheckpointError: (error) => log.error({ err: error }, 'audit head could not be signed in Key Vault; retrying at the next sync') },
  );
}

export function configuredAuditVerifier(env: NodeJS.ProcessEnv, home: string, credential: TokenCredential): () => Promise<VerifyReport> {
  const settings = azureSettings(env);
  if (settings === undefined) return () => verifyLocalAudit(home);
  return async () => {
    const [{ verifyAzureAudit }, { containerClientFromUrl }] = await Promise.all([import('./azure.js'), import('./blobSegments.js')]);
    return verifyAzureAudit({ container: containerClientFromUrl(settings.containerUrl, credential), keyId: settings.keyId, credential });
  };
}
