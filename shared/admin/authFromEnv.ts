/**
 * Who may call the admin API, from app settings: Microsoft Entra ID bearer tokens with an app
 * role when HIPAA_REMEDIATOR_ADMIN_TENANT_ID is set (in Azure behind the function key too);
 * otherwise the local token under the home directory — except in Azure, where an unconfigured
 * admin API refuses everyone (fail closed).
 */
import { azureSubscriptionId } from '../arm/azure.js';
import type { Authenticator } from './api.js';
import { ensureLocalAdminToken, localTokenAuthenticator } from './localToken.js';

function list(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

export async function authenticatorFromEnv(env: NodeJS.ProcessEnv, home: string): Promise<Authenticator> {
  const tenantId = env['HIPAA_REMEDIATOR_ADMIN_TENANT_ID'];
  if (tenantId !== undefined) {
    const issuers = list(env['HIPAA_REMEDIATOR_ADMIN_ISSUERS']);
    const { createEntraAuthenticator } = await import('./entra.js');
    return createEntraAuthenticator({
      tenantId,
      audience: list(env['HIPAA_REMEDIATOR_ADMIN_AUDIENCE']),
      operatorRole: env['HIPAA_REMEDIATOR_ADMIN_OPERATOR_ROLE'] ?? 'Remediator.Operator',
      readerRole: env['HIPAA_REMEDIATOR_ADMIN_READER_ROLE'] ?? 'Remediator.Reader',
      ...(env['HIPAA_REMEDIATOR_ADMIN_JWKS_URL'] === undefined ? {} : { jwksUri: env['HIPAA_REMEDIATOR_ADMIN_JWKS_URL'] }),
      ...(issuers.length === 0 ? {} : { issuers }),
    });
  }
  if (azureSubscriptionId(env) !== undefined) {
    return () => Promise.resolve({ ok: false, status: 401, reason: 'admin API not configured (HIPAA_REMEDIATOR_ADMIN_TENANT_ID)' });
  }
  return localTokenAuthenticator((await ensureLocalAdminToken(home)).token);
}

