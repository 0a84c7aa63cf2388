/** Human-readable lines for results; `--json` prints the documents unchanged instead. */
import type { ChangeResult } from '../shared/result.js';
import type { AlertMessage } from '../shared/alerts/message.js';

const DECISION_LABEL: Record<ChangeResult['decision'], string> = {
  remediated: 'REMEDIATED',
  alerted: 'ALERTED',
  compliant: 'compliant',
  skipped: 'skipped',
  rejected: 'REJECTED',
  failed: 'FAILED',
};

/** `rg/name` or `rg/account/container`: enough to recognise a resource on a terminal. */
export function shortResource(resourceId: string | null): string {
  if (resourceId === null) return '(no resource)';
  const parts = resourceId.split('/');
  const rgIndex = parts.findIndex((p) => p.toLowerCase() === 'resourcegroups');
  const rg = rgIndex >= 0 ? parts[rgIndex + 1] : undefined;
  const providerIndex = parts.findIndex((p) => p.toLowerCase() === 'providers');
  const names = providerIndex >= 0 ? parts.slice(providerIndex + 2).filter((_, i) => i % 2 === 1 && _ !== 'default') : [];
  return [rg, ...names].filter((p) => p !== undefined).join('/');
}

export function formatResult(result: ChangeResult): string {
  const citations = [...new Set((result.findings ?? []).flatMap((f) => f.citations))];
  const cite = citations.length > 0 ? citations.join(' / ') : (result.citation ?? '');
  const changes = result.changes.map((c) => (c.body === undefined ? c.method : `${c.method} ${JSON.stringify(c.body)}`)).join('; ');
  const parts = [
    DECISION_LABEL[result.decision].padEnd(10),
    (result.remediator ?? '-').padEnd(24),
    shortResource(result.resourceId),
    cite,
    changes,
    result.reason ?? '',
    result.auditSeq === null ? '' : `audit #${result.auditSeq}`,
  ];
  return parts.filter((p) => p.length > 0).join('  ');
}

/** One line per alert notification the demo's topic received. */
export function formatAlert(message: AlertMessage): string {
  const label = message.transition === 'opened' ? `OPENED ${message.severity.toUpperCase()}` : 'resolved';
  const detail = message.transition === 'opened' ? `${message.citation}  ${message.reason}` : (message.resolution ?? '');
  return [label.padEnd(12), message.remediator.padEnd(24), shortResource(message.resourceId), detail].join('  ');
}
