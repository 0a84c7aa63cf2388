/**
 * Everything the report prints from the audit — resource ids, reasons, operator names, sink
 * errors — is attacker-influenced text (a resource id is whatever someone named a resource;
 * a reason can quote an ARM error). It goes into the page only through here.
 */
const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Text content and attribute values (always double-quoted) alike. */
export function escapeHtml(value: unknown): string {
  const text = typeof value === 'string' ? value : value === null || value === undefined ? '' : String(value);
  // Control characters other than tab/newline have no business on an evidence page: shown as U+FFFD.
  // eslint-disable-next-line no-control-regex
  return text.replace(/[&<>"'`]/g, (c) => ENTITIES[c]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '\ufffd');
}
