/**
 * How urgent a finding is, from its control: public exposure of PHI, ex-staff still holding
 * access and lost audit evidence page someone now; the rest can wait for working hours.
 * Operators override per control id or per remediator id (`alerts.severity` in the config).
 * A remediation that failed is high whatever its control: the automation did not hold the line.
 */
import type { ControlId } from '../controls.js';
import { severityRank, type Severity } from './record.js';

export const DEFAULT_SEVERITY: Readonly<Record<ControlId, Severity>> = {
  'access-control': 'high',
  'termination-procedures': 'high',
  'audit-controls': 'high',
  'documentation-retention': 'high',
  'access-authorization': 'medium',
  'access-establishment': 'medium',
  'activity-review': 'medium',
  integrity: 'medium',
  'data-backup': 'medium',
  'transmission-security': 'medium',
  'encryption-in-transit': 'medium',
  'encryption-at-rest': 'medium',
};

export function severityOf(input: { control: string; remediator: string; failed: boolean }, overrides: Readonly<Record<string, Severity>>): Severity {
  const configured = overrides[input.remediator] ?? overrides[input.control] ?? (DEFAULT_SEVERITY as Readonly<Record<string, Severity>>)[input.control] ?? 'medium';
  return input.failed && severityRank(configured) < severityRank('high') ? 'high' : configured;
}
