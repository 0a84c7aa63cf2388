/**
 * What a custom topic accepts in a publish request: the body read as the schema its content
 * type names, each event checked, and Event Grid's limits applied.
 *
 * Limits (FACTS.md §D "Limits"; azure-docs articles/event-grid/post-to-custom-topic.md at
 * commit beb5e192): "the array can have a total size of up to 1 MB. The maximum allowed size
 * for an event is also 1 MB", 5,000 events per publish; "Array or event exceeds size limits"
 * answers 413. Whether "1 MB" means 1,000,000 or 1,048,576 bytes is not documented; the
 * sandbox takes 1,048,576. The status for more than 5,000 small events is not documented
 * either; the sandbox answers 413 like the size limits.
 *
 * Messages: Event Grid's own wording where a recording or a live answer shows it; the
 * schema-validation messages are those of the AzureEventGridSimulator
 * (pm7y/AzureEventGridSimulator, SchemaErrorMessages.cs), which models them on Azure's
 * answers; not checked live here.
 */

/** A CloudEvents 1.0 event as a publisher sent it (structured JSON). */
export interface PublishedCloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time?: string;
  subject?: string;
  datacontenttype?: string;
  dataschema?: string;
  data?: unknown;
  data_base64?: string;
  /** Extension attributes (`traceparent`, …). */
  [attribute: string]: unknown;
}

/** An Event Grid schema event as a publisher sent it (`topic` and `metadataVersion` are stamped by the service). */
export interface PublishedEventGridEvent {
  id: string;
  subject: string;
  eventType: string;
  eventTime: string;
  dataVersion: string;
  data?: unknown;
  topic?: string;
  metadataVersion?: string;
}

/** Input schemas, named as Event Grid names them on a topic (`inputSchema`). */
export type TopicInputSchema = 'CloudEventSchemaV1_0' | 'EventGridSchema';

export type ParsedPublish =
  | { schema: 'CloudEventSchemaV1_0'; events: PublishedCloudEvent[] }
  | { schema: 'EventGridSchema'; events: PublishedEventGridEvent[] };

export interface TopicLimits {
  /** Largest single event, as serialised JSON (bytes). */
  maxEventBytes: number;
  /** Largest request body (bytes). */
  maxBatchBytes: number;
  /** Most events in one publish request. */
  maxEventsPerPublish: number;
}

export const EVENT_GRID_TOPIC_LIMITS: Readonly<TopicLimits> = {
  maxEventBytes: 1_048_576,
  maxBatchBytes: 1_048_576,
  maxEventsPerPublish: 5_000,
};

/** A publish the topic refuses; the topic answers it in Event Grid's error shape. */
export class PublishRejected extends Error {
  override readonly name = 'PublishRejected';
  constructor(
    readonly status: 400 | 413 | 415,
    /** `details[0].code` of the answer. */
    readonly detailCode: string,
    message: string,
  ) {
    super(message);
  }
}

/** How a content type says the body is laid out. */
interface BodyMode {
  schema: TopicInputSchema;
  /** A JSON array of events, or one event (CloudEvents structured mode). */
  batch: boolean;
}

/**
 * A real topic has one input schema; the sandbox's accepts both and tells them apart as the
 * publisher client labels them (generated/models/parameters.js: `application/json` for the
 * EventGrid schema, `application/cloudevents-batch+json; charset=utf-8` for CloudEvents).
 * `application/cloudevents+json` is CloudEvents' structured mode for one event.
 */
export function bodyModeOf(contentType: string | undefined): BodyMode | undefined {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (mediaType === 'application/cloudevents-batch+json') return { schema: 'CloudEventSchemaV1_0', batch: true };
  if (mediaType === 'application/cloudevents+json') return { schema: 'CloudEventSchemaV1_0', batch: false };
  if (mediaType === 'application/json') return { schema: 'EventGridSchema', batch: true };
  return undefined;
}

export function unsupportedContentType(): PublishRejected {
  return new PublishRejected(
    415,
    'InvalidContentType',
    "The Content-Type header is either missing or it doesn't have a valid value. The content type header must either be application/cloudevents+json; charset=utf-8 or application/cloudevents-batch+json; charset=UTF-8.",
  );
}

function schemaLabel(schema: TopicInputSchema): string {
  return schema === 'CloudEventSchemaV1_0' ? 'CloudEventV10' : 'EventGridEvent';
}

function notConforming(schema: TopicInputSchema, detail = ''): PublishRejected {
  return new PublishRejected(
    400,
    'InputJsonInvalid',
    `This resource is configured to receive event in '${schemaLabel(schema)}' schema. The JSON received does not conform to the expected schema.${detail}`,
  );
}

function requiresProperty(schema: TopicInputSchema, property: string): PublishRejected {
  return new PublishRejected(400, 'InputJsonInvalid', `This resource is configured for '${schemaLabel(schema)}' schema and requires '${property}' property to be set.`);
}

function invalidProperty(schema: TopicInputSchema, property: string, why: string): PublishRejected {
  return new PublishRejected(400, 'InputJsonInvalid', `This resource is configured for '${schemaLabel(schema)}' schema: property '${property}' ${why}.`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requireStrings(schema: TopicInputSchema, event: Record<string, unknown>, names: readonly string[]): void {
  for (const name of names) {
    const value = event[name];
    if (value === undefined || value === null || value === '') throw requiresProperty(schema, name);
    if (typeof value !== 'string') throw invalidProperty(schema, name, 'must be a string');
  }
}

function optionalStrings(schema: TopicInputSchema, event: Record<string, unknown>, names: readonly string[]): void {
  for (const name of names) {
    const value = event[name];
    if (value !== undefined && value !== null && typeof value !== 'string') throw invalidProperty(schema, name, 'must be a string');
  }
}

/** CloudEvents 1.0 required attributes (spec §3.1; the client's validateCloudEventEvent checks the same four). */
function cloudEvent(value: unknown): PublishedCloudEvent {
  const schema = 'CloudEventSchemaV1_0';
  if (!isRecord(value)) throw notConforming(schema);
  requireStrings(schema, value, ['id', 'source', 'type', 'specversion']);
  optionalStrings(schema, value, ['time', 'subject', 'datacontenttype', 'dataschema', 'data_base64']);
  if (value.specversion !== '1.0') {
    throw invalidProperty(schema, 'specversion', `is '${String(value.specversion)}'; this resource accepts CloudEvents 1.0 ('1.0')`);
  }
  if (value.data !== undefined && value.data_base64 !== undefined) {
    throw invalidProperty(schema, 'data_base64', "cannot be set together with 'data'");
  }
  if (typeof value.time === 'string' && !Number.isFinite(Date.parse(value.time))) {
    throw invalidProperty(schema, 'time', 'must be an RFC 3339 timestamp');
  }
  return value as PublishedCloudEvent;
}

/** The publish schema of post-to-custom-topic.md: id, eventType, subject, eventTime, data, dataVersion. */
function eventGridEvent(value: unknown): PublishedEventGridEvent {
  const schema = 'EventGridSchema';
  if (!isRecord(value)) throw notConforming(schema);
  requireStrings(schema, value, ['id', 'subject', 'eventType', 'eventTime', 'dataVersion']);
  optionalStrings(schema, value, ['topic', 'metadataVersion']);
  if (!Number.isFinite(Date.parse(value.eventTime as string))) {
    throw invalidProperty(schema, 'eventTime', 'must be a date-time');
  }
  return value as unknown as PublishedEventGridEvent;
}

/** Reads a publish body (already within `maxBatchBytes`) as `mode` says, or throws PublishRejected. */
export function parsePublish(body: string, mode: BodyMode, limits: TopicLimits): ParsedPublish {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw notConforming(mode.schema, ' The body is not valid JSON.');
  }
  if (mode.batch && !Array.isArray(json)) throw notConforming(mode.schema, ' Token Expected: StartArray, Actual Token Received: StartObject.');
  if (!mode.batch && Array.isArray(json)) throw notConforming(mode.schema, ' Token Expected: StartObject, Actual Token Received: StartArray.');
  const items: unknown[] = Array.isArray(json) ? json : [json];
  if (items.length === 0) throw notConforming(mode.schema);
  if (items.length > limits.maxEventsPerPublish) {
    throw new PublishRejected(413, 'PayloadTooLarge', `The number of events (${items.length}) exceeds the maximum of ${limits.maxEventsPerPublish} events per publish request.`);
  }
  for (const item of items) {
    const size = Buffer.byteLength(JSON.stringify(item));
    if (size > limits.maxEventBytes) {
      throw new PublishRejected(413, 'PayloadTooLarge', `The maximum size (${limits.maxEventBytes}) has been exceeded by an event of ${size} bytes.`);
    }
  }
  if (mode.schema === 'CloudEventSchemaV1_0') return { schema: mode.schema, events: items.map(cloudEvent) };
  return { schema: mode.schema, events: items.map(eventGridEvent) };
}
