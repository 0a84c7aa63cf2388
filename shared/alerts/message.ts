/**
 * What on-call staff receive, in every sink: enough to act at 3 a.m. without opening a
 * console — which resource, which HIPAA control and citation, who made the change, what the
 * service did or would do, how to fix it and how to switch the remediator for that group.
 * Ids only (object ids, resource ids): no names, UPNs, IPs or resource contents.
 */
import { CONTROLS, isControlId } from '../controls.js';
import type { AlertRecord, AlertTransition } from './record.js';

/** `schema` is versioned so receivers can evolve with us. */
export interface AlertMessage {
  schema: 'hipaa-remediator.alert/1';
  transition: AlertTransition;
  alertId: string;
  severity: AlertRecord['severity'];
  title: string;
  resourceId: string;
  subscriptionId: string;
  resourceGroup?: string;
  remediator: string;
  control: string;
  controlTitle: string;
  citation: string;
  reason: string;
  findings: AlertRecord['findings'];
  plannedChanges: unknown[];
  actor?: AlertRecord['actor'];
  openedAt: string;
  lastSeenAt: string;
  occurrences: number;
  resolvedAt?: string;
  resolution?: string;
  auditSeq?: number;
  /** What a person should do. */
  action: string;
  /** The command that switches this remediator for the resource group (off, alert or remediate). */
  toggle: string;
}

export function alertMessage(record: AlertRecord, transition: AlertTransition): AlertMessage {
  const controlTitle = isControlId(record.control) ? CONTROLS[record.control].title : record.control;
  const where = record.resourceGroup ?? `subscription ${record.subscriptionId}`;
  const name = record.resourceId.split('/').at(-1) ?? record.resourceId;
  return {
    schema: 'hipaa-remediator.alert/1',
    transition,
    alertId: record.alertId,
    severity: record.severity,
    title: transition === 'opened' ? `${record.severity.toUpperCase()}: ${controlTitle} (${record.citation}) — ${name} in ${where}` : `Resolved: ${controlTitle} — ${name} in ${where}`,
    resourceId: record.resourceId,
    subscriptionId: record.subscriptionId,
    ...(record.resourceGroup === undefined ? {} : { resourceGroup: record.resourceGroup }),
    remediator: record.remediator,
    control: record.control,
    controlTitle,
    citation: record.citation,
    reason: record.reason,
    findings: record.findings,
    plannedChanges: record.plannedChanges,
    ...(record.actor === undefined ? {} : { actor: record.actor }),
    openedAt: record.openedAt,
    lastSeenAt: record.lastSeenAt,
    occurrences: record.occurrences,
    ...(record.resolvedAt === undefined ? {} : { resolvedAt: record.resolvedAt }),
    ...(record.resolution === undefined ? {} : { resolution: record.resolution }),
    ...(record.auditSeq === undefined ? {} : { auditSeq: record.auditSeq }),
    action: transition === 'resolved' ? 'none: the resource is compliant again or gone' : actionFor(record),
    // Qualified by subscription: a resource group name alone is ambiguous once several are watched.
    toggle: `hipaa-remediator modes set ${record.remediator} <off|alert|remediate> --subscription ${record.subscriptionId}${record.resourceGroup === undefined ? '' : ` --resource-group ${record.resourceGroup}`} --reason "<why>"`,
  };
}

function actionFor(record: AlertRecord): string {
  const fixes = record.findings.map((f) => `${f.property}: ${JSON.stringify(f.actual)} → ${JSON.stringify(f.expected)}`).join('; ');
  const planned = record.plannedChanges.length > 0 ? ' The service has the fix planned (see plannedChanges) and applies it in remediate mode.' : '';
  return `Set ${fixes}.${planned} If the change was intended, record the exception by switching the remediator for this resource group (see toggle).`;
}

/** A one-paragraph rendering for chat sinks (Teams, Slack) and the log. */
export function alertText(message: AlertMessage): string {
  const lines = [
    message.title,
    `Resource: ${message.resourceId}`,
    `Control: ${message.controlTitle} — ${message.citation} (remediator ${message.remediator})`,
    `Why: ${message.reason}`,
    ...message.findings.map((f) => `• ${f.message}`),
    ...(message.actor?.objectId === undefined ? [] : [`Changed by object id ${message.actor.objectId}${message.actor.principalType === undefined ? '' : ` (${message.actor.principalType})`}`]),
    message.transition === 'opened' ? `Seen ${message.occurrences}× since ${message.openedAt}` : `Resolved ${message.resolvedAt ?? ''}: ${message.resolution ?? ''}`,
    `Action: ${message.action}`,
    ...(message.transition === 'opened' ? [`Toggle: ${message.toggle}`] : []),
    ...(message.auditSeq === undefined ? [] : [`Audit record #${message.auditSeq}`]),
  ];
  return lines.join('\n');
}
