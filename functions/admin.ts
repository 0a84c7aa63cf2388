/**
 * The admin API as an HTTP-triggered Function, behind the function key (authLevel 'function')
 * and, inside it, Microsoft Entra ID bearer tokens with an app role:
 *   HIPAA_REMEDIATOR_ADMIN_TENANT_ID, HIPAA_REMEDIATOR_ADMIN_AUDIENCE (comma-separated),
 *   HIPAA_REMEDIATOR_ADMIN_OPERATOR_ROLE (default Remediator.Operator),
 *   HIPAA_REMEDIATOR_ADMIN_READER_ROLE (default Remediator.Reader),
 *   HIPAA_REMEDIATOR_ADMIN_JWKS_URL / _ISSUERS (sovereign clouds).
 * Without a tenant: the local token under HIPAA_REMEDIATOR_HOME when not in Azure, and every
 * call refused in Azure (fail closed). See shared/admin/authFromEnv.ts.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { AdminRequest, AdminResponse } from '../shared/admin/api.js';
import { adminApi } from '../shared/admin/host.js';
import { authenticatorFromEnv } from '../shared/admin/authFromEnv.js';
import { functionsAuditVerifier, functionsHome, functionsReportSource, functionsRuntime } from './runtime.js';

let handler: Promise<(request: AdminRequest) => Promise<AdminResponse>> | undefined;

/** One handler per instance: the console's sessions and CSRF key live in it. */
async function adminHandler(): Promise<(request: AdminRequest) => Promise<AdminResponse>> {
  const authenticator = await authenticatorFromEnv(process.env, functionsHome());
  return adminApi(await functionsRuntime(), authenticator, functionsAuditVerifier(), () => functionsReportSource());
}

export async function admin(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  handler ??= adminHandler();
  const url = new URL(request.url);
  const authorization = request.headers.get('authorization');
  const headers: Record<string, string> = {};
  for (const [name, value] of request.headers.entries()) headers[name.toLowerCase()] = value;
  const reply = await (await handler)({
    method: request.method,
    path: url.pathname,
    query: url.searchParams,
    body: await request.text(),
    headers,
    protocol: url.protocol === 'https:' ? 'https' : 'http',
    ...(authorization === null ? {} : { authorization }),
  });
  context.log(`admin ${request.method} ${url.pathname} → ${reply.status}`);
  return reply.contentType === undefined
    ? { status: reply.status, jsonBody: reply.body, ...(reply.headers === undefined ? {} : { headers: reply.headers }) }
    : { status: reply.status, body: String(reply.body), headers: { ...reply.headers, 'content-type': reply.contentType } };
}

app.http('admin', { route: 'admin/{*path}', methods: ['GET', 'POST', 'PUT', 'DELETE'], authLevel: 'function', handler: admin });
