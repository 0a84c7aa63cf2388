/**
 * The HIPAA Security Rule catalog (45 CFR Part 164, Subpart C) that every finding cites.
 * Titles follow the regulation's own wording; ids are stable keys used by remediators,
 * audit records and alerts.
 */
export const CONTROLS = {
  'activity-review': {
    citation: '45 CFR 164.308(a)(1)(ii)(D)',
    title: 'Information system activity review',
  },
  'termination-procedures': {
    citation: '45 CFR 164.308(a)(3)(ii)(C)',
    title: 'Termination procedures',
  },
  'data-backup': {
    citation: '45 CFR 164.308(a)(7)(ii)(A)',
    title: 'Data backup plan',
  },
  'access-authorization': {
    citation: '45 CFR 164.308(a)(4)(ii)(B)',
    title: 'Access authorization',
  },
  'access-establishment': {
    citation: '45 CFR 164.308(a)(4)(ii)(C)',
    title: 'Access establishment and modification',
  },
  'access-control': {
    citation: '45 CFR 164.312(a)(1)',
    title: 'Access control',
  },
  'encryption-at-rest': {
    citation: '45 CFR 164.312(a)(2)(iv)',
    title: 'Encryption and decryption',
  },
  'audit-controls': {
    citation: '45 CFR 164.312(b)',
    title: 'Audit controls',
  },
  integrity: {
    citation: '45 CFR 164.312(c)(1)',
    title: 'Integrity',
  },
  'transmission-security': {
    citation: '45 CFR 164.312(e)(1)',
    title: 'Transmission security',
  },
  'encryption-in-transit': {
    citation: '45 CFR 164.312(e)(2)(ii)',
    title: 'Encryption (transmission)',
  },
  'documentation-retention': {
    citation: '45 CFR 164.316(b)(2)(i)',
    title: 'Time limit (retain documentation six years)',
  },
} as const satisfies Record<string, { citation: string; title: string }>;

export type ControlId = keyof typeof CONTROLS;

export function isControlId(value: string): value is ControlId {
  return Object.hasOwn(CONTROLS, value);
}

export function citationOf(control: ControlId): string {
  return CONTROLS[control].citation;
}
