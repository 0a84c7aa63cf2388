/**
 * Event intake: Event Grid schema and CloudEvents 1.0, single or batch. The payload is
 * untrusted; it only tells the pipeline *what to look at*. Everything is validated, the
 * caller's personal data (name, upn, ip address) is dropped here and never travels further.
 */
import type { KnownSystemEventTypes, ResourceWriteSuccessEventData } from '@azure/eventgrid';
import { judgedResource } from './arm/resourceTypes.js';
import { z } from 'zod';
import { tryParseResourceId, type ArmResourceId } from './arm/resourceId.js';

export type ChangeKind = 'write' | 'delete' | 'action';

/** Who made the change: identifiers only, never names or UPNs. */
export interface Caller {
  objectId?: string;
  appId?: string;
  principalType?: string;
}

/** A validated ARM resource change, normalised from either schema. */
export interface ResourceChangeEvent {
  eventId: string;
  /** 'sweep': not an event at all, but the timer sweep looking at a resource it listed. */
  schema: 'EventGridSchema' | 'CloudEventSchemaV1_0' | 'sweep';
  eventType: string;
  kind: ChangeKind;
  /** False for ResourceWriteFailure & co: nothing changed, nothing to look at. */
  succeeded: boolean;
  eventTime?: string;
  resource: ArmResourceId;
  operationName: string;
  caller: Caller;
  correlationId?: string;
}

export type ParsedEvent =
  | { ok: true; event: ResourceChangeEvent }
  | { ok: false; eventId?: string; resourceId?: string; reason: string };

/** The body is not an event batch at all (not JSON events): the whole batch is bad input. */
export class BadBatchError extends Error {
  override readonly name = 'BadBatchError';
}

type ArmEventType = Extract<
  KnownSystemEventTypes,
  `Microsoft.Resources.Resource${'Write' | 'Delete' | 'Action'}${'Success' | 'Failure' | 'Cancel'}`
>;

const ARM_EVENT_KINDS: Record<ArmEventType, { kind: ChangeKind; succeeded: boolean }> = {
  'Microsoft.Resources.ResourceWriteSuccess': { kind: 'write', succeeded: true },
  'Microsoft.Resources.ResourceWriteFailure': { kind: 'write', succeeded: false },
  'Microsoft.Resources.ResourceWriteCancel': { kind: 'write', succeeded: false },
  'Microsoft.Resources.ResourceDeleteSuccess': { kind: 'delete', succeeded: true },
  'Microsoft.Resources.ResourceDeleteFailure': { kind: 'delete', succeeded: false },
  'Microsoft.Resources.ResourceDeleteCancel': { kind: 'delete', succeeded: false },
  'Microsoft.Resources.ResourceActionSuccess': { kind: 'action', succeeded: true },
  'Microsoft.Resources.ResourceActionFailure': { kind: 'action', succeeded: false },
  'Microsoft.Resources.ResourceActionCancel': { kind: 'action', succeeded: false },
};

export const SUBSCRIPTION_VALIDATION_EVENT = 'Microsoft.EventGrid.SubscriptionValidationEvent';

const MAX_FIELD = 4096;
const text = z.string().min(1).max(MAX_FIELD);

const eventGridEnvelope = z.object({
  id: text,
  topic: z.string().max(MAX_FIELD).optional(),
  subject: z.string().max(MAX_FIELD),
  eventType: text,
  eventTime: text,
  data: z.unknown(),
  dataVersion: z.string().max(64),
  metadataVersion: z.string().max(64).optional(),
});

const cloudEventEnvelope = z.object({
  specversion: z.literal('1.0'),
  id: text,
  source: text,
  type: text,
  subject: z.string().max(MAX_FIELD).optional(),
  time: z.string().max(64).optional(),
  data: z.unknown(),
});

/** The parts of ResourceWriteSuccessEventData (and siblings) the service relies on. */
const armEventData = z.object({
  resourceUri: text,
  operationName: text,
  status: z.string().max(64).optional(),
  subscriptionId: z.string().max(64).optional(),
  correlationId: z.string().max(256).optional(),
  claims: z.record(z.string(), z.string().max(MAX_FIELD)).optional(),
  authorization: z
    .object({
      evidence: z
        .object({ principalId: z.string().max(64).optional(), principalType: z.string().max(64).optional() })
        .partial()
        .optional(),
    })
    .partial()
    .optional(),
}) satisfies z.ZodType<Partial<Pick<ResourceWriteSuccessEventData, 'resourceUri' | 'operationName'>>>;

const OID_CLAIM = 'http://schemas.microsoft.com/identity/claims/objectidentifier';

/** GUIDs appear with and without dashes (authorization evidence drops them): one form. */
export function normalizeGuid(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const hex = value.trim().toLowerCase().replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/.test(hex)) return undefined;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function callerFrom(data: z.infer<typeof armEventData>): Caller {
  const claims = data.claims ?? {};
  const evidence = data.authorization?.evidence ?? {};
  const objectId = normalizeGuid(claims[OID_CLAIM]) ?? normalizeGuid(evidence.principalId);
  const appId = normalizeGuid(claims['appid']);
  const principalType = evidence.principalType ?? (claims['idtyp'] === 'app' ? 'ServicePrincipal' : claims['idtyp'] === 'user' ? 'User' : undefined);
  return {
    ...(objectId === undefined ? {} : { objectId }),
    ...(appId === undefined ? {} : { appId }),
    ...(principalType === undefined ? {} : { principalType }),
  };
}

function describeZodError(error: z.ZodError, prefix: string): string {
  const first = error.issues[0];
  if (first === undefined) return `${prefix}: invalid`;
  const path = first.path.length > 0 ? first.path.join('.') : '(root)';
  return `${prefix}: ${path}: ${first.message}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function looksLikeEvent(value: unknown): boolean {
  return isObject(value) && ('eventType' in value || 'type' in value || 'specversion' in value);
}

function stringField(value: Record<string, unknown>, key: string): string | undefined {
  const field = value[key];
  return typeof field === 'string' && field.length <= MAX_FIELD ? field : undefined;
}

/**
 * ARM action events name the action after the resource (`.../storageAccounts/x/listKeys`,
 * operation `Microsoft.Storage/storageAccounts/listKeys/action`): the resource is the prefix.
 */
function withoutActionName(uri: string, operationName: string): string {
  const action = /\/([^/]+)\/action$/i.exec(operationName)?.[1];
  if (action === undefined) return uri;
  const suffix = `/${action}`;
  return uri.toLowerCase().endsWith(suffix.toLowerCase()) ? uri.slice(0, -suffix.length) : uri;
}

/**
 * Splits a webhook body (or a CLI events file) into events. Throws BadBatchError when the
 * body holds no events at all; otherwise every element gets a ParsedEvent, so one bad event
 * never costs the others their processing.
 */
export function parseEventBatch(body: unknown): ParsedEvent[] {
  const items = Array.isArray(body) ? body : [body];
  if (!Array.isArray(body) && !looksLikeEvent(body)) {
    throw new BadBatchError('input is not an Event Grid or CloudEvents event or array of events');
  }
  if (items.length > 0 && !items.some(looksLikeEvent)) {
    throw new BadBatchError('input array holds no Event Grid or CloudEvents events');
  }
  return items.map(parseEvent);
}

/** Validates one event of either schema. Never throws. */
export function parseEvent(item: unknown): ParsedEvent {
  if (!isObject(item)) return { ok: false, reason: 'not an event object' };
  const eventId = stringField(item, 'id');
  const subject = stringField(item, 'subject');
  const rejected = (reason: string): ParsedEvent => ({
    ok: false,
    ...(eventId === undefined ? {} : { eventId }),
    ...(subject === undefined || subject.length === 0 ? {} : { resourceId: subject }),
    reason,
  });

  const isCloudEvent = 'specversion' in item || ('source' in item && 'type' in item && !('eventType' in item));
  let envelope: { id: string; eventType: string; subject?: string; time?: string; data: unknown };
  let schema: ResourceChangeEvent['schema'];
  if (isCloudEvent) {
    const parsed = cloudEventEnvelope.safeParse(item);
    if (!parsed.success) return rejected(describeZodError(parsed.error, 'invalid CloudEvent'));
    const { id, type, subject: ceSubject, time, data } = parsed.data;
    envelope = { id, eventType: type, data, ...(ceSubject === undefined ? {} : { subject: ceSubject }), ...(time === undefined ? {} : { time }) };
    schema = 'CloudEventSchemaV1_0';
  } else {
    const parsed = eventGridEnvelope.safeParse(item);
    if (!parsed.success) return rejected(describeZodError(parsed.error, 'invalid Event Grid event'));
    const { id, eventType, subject: egSubject, eventTime, data } = parsed.data;
    envelope = { id, eventType, subject: egSubject, time: eventTime, data };
    schema = 'EventGridSchema';
  }

  if (envelope.eventType === SUBSCRIPTION_VALIDATION_EVENT) {
    return rejected('subscription validation event outside the validation handshake');
  }
  const kind = (ARM_EVENT_KINDS as Record<string, { kind: ChangeKind; succeeded: boolean } | undefined>)[envelope.eventType];
  if (kind === undefined) return rejected(`unsupported event type "${envelope.eventType.slice(0, 100)}": not an ARM resource event`);

  const data = armEventData.safeParse(envelope.data);
  if (!data.success) return rejected(describeZodError(data.error, 'invalid ARM event data'));

  const resourceUri = kind.kind === 'action' ? withoutActionName(data.data.resourceUri, data.data.operationName) : data.data.resourceUri;
  const named = tryParseResourceId(resourceUri);
  if (!named.ok) return rejected(named.reason);
  const subjectId = envelope.subject === undefined || kind.kind !== 'action' ? envelope.subject : withoutActionName(envelope.subject, data.data.operationName);
  if (subjectId !== undefined && subjectId.toLowerCase() !== named.value.key) {
    return rejected('subject and data.resourceUri name different resources');
  }
  const resource = { ok: true as const, value: judgedResource(named.value) };
  if (data.data.subscriptionId !== undefined && data.data.subscriptionId.toLowerCase() !== resource.value.subscriptionId) {
    return rejected('data.subscriptionId does not match the resource id');
  }
  if (data.data.status !== undefined && data.data.status !== 'Succeeded' && kind.succeeded) {
    return rejected(`event type ${envelope.eventType} carries status "${data.data.status.slice(0, 40)}"`);
  }

  return {
    ok: true,
    event: {
      eventId: envelope.id,
      schema,
      eventType: envelope.eventType,
      kind: kind.kind,
      succeeded: kind.succeeded,
      ...(envelope.time === undefined ? {} : { eventTime: envelope.time }),
      resource: resource.value,
      operationName: data.data.operationName,
      caller: callerFrom(data.data),
      ...(data.data.correlationId === undefined ? {} : { correlationId: data.data.correlationId }),
    },
  };
}
