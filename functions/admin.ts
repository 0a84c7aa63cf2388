/**
 * The admin API as an HTTP-triggered Function, behind the function key (authLevel 'function')
 * and, inside it, Microsoft Entra ID bearer tokens with an app role:
 *   HIPAA_REMEDIATOR_ADMIN_TENANT_ID, HIPAA_REMEDIATOR_ADMIN_AUDIENCE (comma-separated),
 *   HIPAA_REMEDIATOR_ADMIN_OPERATOR_ROLE (default Remediator.Operator),
 *   HIPAA_REMEDIATOR_ADMIN_READER_ROLE (default Remediator.Reader),
 *   HIPAA_REMEDIATOR_ADMIN_JWKS_URL / _ISSUERS (sovereign clouds).
 * Without a tenant: the local token under HIPAA_REMEDIATOR_HOME when not in Azure, and every
 * call refused in Azure (fail closed).
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { Authenticator } from '../shared/admin/api.js';
import { adminApi } from '../shared/admin/host.js';
import { createEntraAuthenticator } from '../shared/admin/entra.js';
import { ensureLocalAdminToken, localTokenAuthenticator } from '../shared/admin/localToken.js';
import { azureSubscriptionId } from '../shared/arm/azure.js';
import { functionsAuditVerifier, functionsHome, functionsRuntime } from './runtime.js';

let authenticator: Promise<Authenticator> | undefined;

function list(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

async function buildAuthenticator(env: NodeJS.ProcessEnv): Promise<Authenticator> {
  const tenantId = env['HIPAA_REMEDIATOR_ADMIN_TENANT_ID'];
  if (tenantId !== undefined) {
    const issuers = list(env['HIPAA_REMEDIATOR_ADMIN_ISSUERS']);
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
  return localTokenAuthenticator((await ensureLocalAdminToken(functionsHome(env))).token);
}

export async function admin(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  authenticator ??= buildAuthenticator(process.env);
  const runtime = await functionsRuntime();
  const url = new URL(request.url);
  const authorization = request.headers.get('authorization');
  const reply = await adminApi(runtime, await authenticator, functionsAuditVerifier())({
    method: request.method,
    path: url.pathname,
    query: url.searchParams,
    body: await request.text(),
    ...(authorization === null ? {} : { authorization }),
  });
  context.log(`admin ${request.method} ${url.pathname} → ${reply.status}`);
  return { status: reply.status, jsonBody: reply.body };
}

app.http('admin', { route: 'admin/{*path}', methods: ['GET', 'PUT', 'DELETE'], authLevel: 'function', handler: admin });
