import { createHash, randomUUID } from 'node:crypto';
import { armTimestamp } from './armTime.js';
import { subscriptionOf } from './armPath.js';
import type { SandboxCaller } from './credential.js';

/** An event in the Event Grid schema. */
export interface EventGridEvent<TData = unknown> {
  id: string;
  topic: string;
  subject: string;
  eventType: string;
  eventTime: string;
  dataVersion: string;
  metadataVersion: string;
  data: TData;
}

/** `data` of an ARM (`Microsoft.Resources.*`) event, data version 2. */
export interface ArmEventData {
  authorization: { scope: string; action: string; evidence: Record<string, string> };
  /** The caller's token claims with ARM's long claim URIs; carries personal data for users. */
  claims: Record<string, string>;
  correlationId: string;
  /** Only when an existing resource was updated or deleted. */
  httpRequest?: { clientRequestId: string; clientIpAddress: string; method: string; url: string };
  resourceProvider: string;
  resourceUri: string;
  operationName: string;
  status: string;
  subscriptionId: string;
  tenantId: string;
  [key: string]: unknown;
}

/** An ARM event as Event Grid delivers it from a subscription's system topic. */
export type ArmEvent = EventGridEvent<ArmEventData>;

/** What ARM knows about the request that changed a resource. */
export interface ArmRequestInfo {
  readonly method: string;
  /** The full URL as the caller sent it. */
  readonly url: string;
  readonly clientRequestId: string;
  readonly correlationId: string;
  readonly clientIpAddress: string;
}

export interface ArmEventInput {
  readonly operation: 'write' | 'delete';
  /** A POST action's name (`lock`): the event is then `ResourceActionSuccess` for `{type}/{action}/action`. */
  readonly action?: string;
  /** The resource id as the request named it (ARM builds subject and resourceUri from the request). */
  readonly resourceId: string;
  readonly resourceType: string;
  readonly resourceProvider: string;
  /** True when a write created the resource: ARM then omits `httpRequest`. */
  readonly created: boolean;
  readonly caller: SandboxCaller;
  readonly request: ArmRequestInfo;
  readonly now: Date;
}

const CONTRIBUTOR_ROLE_ID = 'b24988ac-6180-42a0-ab88-20f7382dd24c';

// How ARM renames Entra ID token claims in event payloads.
const CLAIM_URIS: Readonly<Record<string, string>> = {
  oid: 'http://schemas.microsoft.com/identity/claims/objectidentifier',
  tid: 'http://schemas.microsoft.com/identity/claims/tenantid',
  scp: 'http://schemas.microsoft.com/identity/claims/scope',
  upn: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn',
  unique_name: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name',
  given_name: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname',
  family_name: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname',
  sub: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier',
  acr: 'http://schemas.microsoft.com/claims/authnclassreference',
  amr: 'http://schemas.microsoft.com/claims/authnmethodsreferences',
};

// JOSE header fields never appear among event claims.
const NOT_CLAIMS = new Set(['alg', 'typ', 'kid']);

/** The caller's claims the way ARM puts them into `data.claims`: long URIs, string values. */
export function eventClaims(caller: SandboxCaller): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const [name, value] of Object.entries(caller.claims)) {
    if (NOT_CLAIMS.has(name) || value === undefined || value === null) continue;
    claims[CLAIM_URIS[name] ?? name] = Array.isArray(value) ? value.map(String).join(',') : typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return claims;
}

function withoutDashes(guid: string): string {
  return guid.replace(/-/g, '');
}

/**
 * The RBAC evidence ARM attaches. The sandbox has no role assignments to consult yet, so
 * every caller is shown as a Contributor at subscription scope (with a stable assignment id).
 */
function evidenceFor(caller: SandboxCaller, subscriptionId: string): Record<string, string> {
  const assignmentId = createHash('sha256').update(`${subscriptionId}:${caller.objectId}`).digest('hex').slice(0, 32);
  return {
    role: 'Contributor',
    roleAssignmentScope: `/subscriptions/${subscriptionId}`,
    roleAssignmentId: assignmentId,
    roleDefinitionId: withoutDashes(CONTRIBUTOR_ROLE_ID),
    principalId: withoutDashes(caller.objectId),
    principalType: caller.principalType,
  };
}

function eventTypeOf(input: ArmEventInput): string {
  if (input.action !== undefined) return 'Microsoft.Resources.ResourceActionSuccess';
  return input.operation === 'write' ? 'Microsoft.Resources.ResourceWriteSuccess' : 'Microsoft.Resources.ResourceDeleteSuccess';
}

/** Builds the `ResourceWriteSuccess` / `ResourceDeleteSuccess` / `ResourceActionSuccess` event ARM publishes for a change. */
export function buildArmEvent(input: ArmEventInput): ArmEvent {
  const subscriptionId = subscriptionOf(input.resourceId) ?? '';
  const operationName = input.action !== undefined ? `${input.resourceType}/${input.action}/action` : `${input.resourceType}/${input.operation}`;
  const { request } = input;
  return {
    id: randomUUID(),
    topic: `/subscriptions/${subscriptionId}`,
    subject: input.resourceId,
    eventType: eventTypeOf(input),
    eventTime: armTimestamp(input.now),
    dataVersion: '2',
    metadataVersion: '1',
    data: {
      authorization: { scope: input.resourceId, action: operationName, evidence: evidenceFor(input.caller, subscriptionId) },
      claims: eventClaims(input.caller),
      correlationId: request.correlationId,
      ...(input.created
        ? {}
        : {
            httpRequest: {
              clientRequestId: request.clientRequestId,
              clientIpAddress: request.clientIpAddress,
              method: request.method,
              url: request.url,
            },
          }),
      resourceProvider: input.resourceProvider,
      resourceUri: input.resourceId,
      operationName,
      status: 'Succeeded',
      subscriptionId,
      tenantId: input.caller.tenantId,
    },
  };
}
