/**
 * An alert's lifecycle state and the port that keeps it. One record per (resource, control):
 * repeats while it is open are folded into it (a counter, not a new page); it is resolved when
 * the resource is compliant again or gone. The record is also the outbox: deliveries a sink
 * did not take stay on it until they go through, so a failed delivery is never lost.
 */
import { z } from 'zod';

export const SEVERITIES = ['low', 'medium', 'high'] as const;
export type Severity = (typeof SEVERITIES)[number];

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** What a sink is told: a finding was opened, or it is resolved. */
export type AlertTransition = 'opened' | 'resolved';

const pendingDeliverySchema = z
  .object({
    transition: z.enum(['opened', 'resolved']),
    sink: z.string().min(1).max(100),
    attempts: z.number().int().min(0),
    lastError: z.string().max(500).optional(),
    lastAttemptAt: z.string().optional(),
  })
  .strict();

const findingSchema = z.object({ property: z.string(), actual: z.unknown(), expected: z.unknown(), message: z.string() }).strict();

export const alertRecordSchema = z
  .object({
    /** `<resource id, lower case>|<control id>`. */
    key: z.string().min(1).max(2200),
    /** Stable for the alert's life: the opened and the resolved notification carry it. */
    alertId: z.string().uuid(),
    state: z.enum(['open', 'resolved']),
    resourceId: z.string().min(1).max(2048),
    subscriptionId: z.string(),
    resourceGroup: z.string().optional(),
    remediator: z.string(),
    control: z.string(),
    citation: z.string(),
    severity: z.enum(SEVERITIES),
    openedAt: z.string(),
    lastSeenAt: z.string(),
    /** How many times the finding was reported while open (1 when opened). */
    occurrences: z.number().int().min(1),
    reason: z.string(),
    findings: z.array(findingSchema),
    plannedChanges: z.array(z.unknown()),
    /** Who made the change that opened it (object/app ids only, never names). */
    actor: z.object({ objectId: z.string().optional(), appId: z.string().optional(), principalType: z.string().optional() }).strict().optional(),
    /** The audit record of the decision that opened it. */
    auditSeq: z.number().int().optional(),
    resolvedAt: z.string().optional(),
    resolution: z.string().optional(),
    /** Sinks chosen when it opened (by severity): the resolved notification goes to the same ones. */
    sinks: z.array(z.string()),
    pending: z.array(pendingDeliverySchema),
  })
  .strict();

export type AlertRecord = z.infer<typeof alertRecordSchema>;
export type PendingDelivery = AlertRecord['pending'][number];

export interface VersionedAlert {
  record: AlertRecord;
  /** Opaque version for conditional writes. */
  etag: string;
}

/** A conditional write lost a race: another instance changed the record first. Read again. */
export class AlertConflictError extends Error {
  override readonly name = 'AlertConflictError';
}

export function alertKey(resourceId: string, control: string): string {
  return `${resourceId.toLowerCase()}|${control}`;
}

/**
 * Where alert state lives: a JSON file under `--home` locally, Azure Table Storage in Azure.
 * Writes are conditional so two instances folding or resolving one alert lose nothing.
 */
export interface AlertStore {
  /** Human-readable location for messages (file path, table URL without credentials). */
  readonly location: string;
  get(key: string): Promise<VersionedAlert | undefined>;
  /** Records of the resource with this lower-case id and of everything under it (`<id>/...`). */
  listUnder(resourceKey: string): Promise<VersionedAlert[]>;
  /** Every record (the sweep: resolve what is gone, retry what is pending). */
  listAll(): Promise<VersionedAlert[]>;
  /** `etag` null: create, AlertConflictError if it exists; otherwise replace if unchanged. Returns the new etag. */
  put(record: AlertRecord, etag: string | null): Promise<string>;
  /** Removes the record if unchanged since `etag`; AlertConflictError otherwise. */
  delete(key: string, etag: string): Promise<void>;
}
