/**
 * Builders for the results and audit entries the pipeline produces, so that the pipeline
 * itself reads as the data path and nothing else.
 */
import type { AuditEntry } from './audit/record.js';
import { CONTROLS, type ControlId } from './controls.js';
import { PermanentError, ResourceGoneError, TransientError } from './errors.js';
import type { ParsedEvent } from './events.js';
import type { Finding, Remediator } from './remediator.js';
import type { ChangeResult } from './result.js';

export function citeFindings(remediator: Remediator, findings: readonly Finding[]): { control: ControlId | null; citation: string | null } {
  const control = findings[0]?.controls[0] ?? remediator.controls[0] ?? null;
  return { control, citation: control === null ? null : CONTROLS[control].citation };
}

export function describeFindings(findings: readonly Finding[]): NonNullable<ChangeResult['findings']> {
  return findings.map((f) => ({
    property: f.property,
    actual: f.actual,
    expected: f.expected,
    controls: [...f.controls],
    citations: f.controls.map((c) => CONTROLS[c].citation),
    message: f.message,
  }));
}

export function auditFields(result: Partial<ChangeResult>): AuditEntry {
  return {
    kind: 'decision',
    ...(result.eventId == null ? {} : { eventId: result.eventId }),
    ...(result.resourceId == null ? {} : { resourceId: result.resourceId }),
    ...(result.remediator == null ? {} : { remediator: result.remediator }),
    ...(result.control == null ? {} : { control: result.control }),
    ...(result.citation == null ? {} : { citation: result.citation }),
    ...(result.decision === undefined ? {} : { decision: result.decision }),
    ...(result.mode === undefined ? {} : { mode: result.mode }),
    ...(result.reason === undefined ? {} : { reason: result.reason }),
    ...(result.findings === undefined ? {} : { findings: result.findings.map(({ property, actual, expected, controls }) => ({ property, actual, expected, controls })) }),
  };
}

export function skipped(base: { eventId: string; resourceId: string }, remediator: Remediator | null, reason: string): ChangeResult {
  return { ...base, remediator: remediator?.id ?? null, control: null, citation: null, decision: 'skipped', changes: [], auditSeq: null, reason };
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function failure(
  base: Pick<ChangeResult, 'eventId' | 'resourceId'>,
  remediator: Remediator,
  decision: 'skipped' | 'failed',
  error: unknown,
): ChangeResult {
  const transient = error instanceof TransientError;
  const reason = error instanceof ResourceGoneError ? 'resource no longer exists' : describeError(error);
  if (!(error instanceof TransientError) && !(error instanceof PermanentError)) throw error;
  return {
    ...base,
    remediator: remediator.id,
    control: remediator.controls[0] ?? null,
    citation: remediator.controls[0] === undefined ? null : CONTROLS[remediator.controls[0]].citation,
    decision,
    changes: [],
    auditSeq: null,
    reason,
    ...(transient ? { retryable: true } : {}),
  };
}

/** A typed failure that escaped a decision (audit store down, budget spent): one failed result for the event. */
export function unfinished(parsed: ParsedEvent, error: TransientError | PermanentError): ChangeResult {
  return {
    eventId: (parsed.ok ? parsed.event.eventId : parsed.eventId) ?? null,
    resourceId: parsed.ok ? parsed.event.resource.id : null,
    remediator: null,
    control: null,
    citation: null,
    decision: 'failed',
    changes: [],
    auditSeq: null,
    reason: error.message,
    ...(error instanceof TransientError ? { retryable: true } : {}),
  };
}

/** The ids of a rejected event are untrusted text: recorded as given (bounded), never used. */
export function rejected(eventId: string | undefined, resourceId: string | undefined, reason: string): ChangeResult {
  return {
    eventId: eventId === undefined ? null : eventId.slice(0, 256),
    resourceId: resourceId === undefined ? null : resourceId.slice(0, 512),
    remediator: null,
    control: null,
    citation: null,
    decision: 'rejected',
    changes: [],
    auditSeq: null,
    reason,
  };
}
