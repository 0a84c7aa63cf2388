import type { Decision } from './audit/record.js';

/** A change as applied (or planned): what `--json` and the audit show. */
export interface ChangeView {
  operation: string;
  method: string;
  resourceId: string;
  apiVersion: string;
  body: unknown;
  /** The etag the write is conditional on (If-Match), where the operation takes one. */
  ifMatch?: string;
  /** Where the body's properties live in the judged resource (a sub-resource read with its parent). */
  target?: string;
  /** Within a listed sub-resource (`target` names the list), the field the body writes (a key's `rotationPolicy`). */
  targetField?: string;
}

/** One result per (event, remediator); an event no remediator handles gets one with remediator null. */
export interface ChangeResult {
  eventId: string | null;
  resourceId: string | null;
  /** The subscription of `resourceId` (lower case), when it names one. */
  subscriptionId?: string;
  remediator: string | null;
  control: string | null;
  citation: string | null;
  decision: Decision;
  changes: ChangeView[];
  auditSeq: number | null;
  reason?: string;
  mode?: string;
  findings?: { property: string; actual: unknown; expected: unknown; controls: string[]; citations: string[]; message: string }[];
  /** A failure Event Grid redelivery could fix (throttling, outage, audit store down). */
  retryable?: boolean;
}

export type BatchSummary = {
  events: number;
  results: number;
  retryable: boolean;
  /** Why the batch as a whole must be redelivered (its audit records could not be made durable). */
  reason?: string;
} & Record<Decision, number>;

export function summarize(events: number, results: readonly ChangeResult[]): BatchSummary {
  const summary: BatchSummary = {
    events,
    results: results.length,
    remediated: 0,
    alerted: 0,
    compliant: 0,
    skipped: 0,
    rejected: 0,
    failed: 0,
    retryable: results.some((r) => r.retryable === true),
  };
  for (const result of results) summary[result.decision] += 1;
  return summary;
}
