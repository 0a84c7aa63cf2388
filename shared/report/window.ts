/**
 * The report's time window. `--since` and `--until` are ISO 8601 times, checked strictly:
 * `Date.parse` alone would take "March 7" or "2026-02-30" and quietly report the wrong days.
 * A date alone is midnight UTC; a date-time without a zone is read as UTC (never the local
 * zone of whoever runs the report). The window is half-open: since ≤ time < until.
 */

export interface ReportWindow {
  /** Epoch ms, inclusive; undefined: from the first record. */
  since?: number;
  /** Epoch ms, exclusive; undefined: up to now. */
  until?: number;
}

/** Bad `--since`/`--until` (CLI exit 2, HTTP 400). */
export class ReportInputError extends Error {
  override readonly name = 'ReportInputError';
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}:?\d{2})?)?$/;

/** Epoch ms of a strict ISO 8601 date or date-time, or undefined when `text` is not one. */
export function parseIsoTime(text: string): number | undefined {
  const match = ISO_TIME.exec(text.trim());
  if (match === null) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zone] = match;
  const parts = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)] as const;
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3));
  const utc = Date.UTC(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5], ms);
  const back = new Date(utc);
  // Date.UTC rolls 2026-02-30 over to March 2nd and 25:00 to the next day: refuse instead.
  if (back.getUTCFullYear() !== parts[0] || back.getUTCMonth() !== parts[1] || back.getUTCDate() !== parts[2] || back.getUTCHours() !== parts[3] || back.getUTCMinutes() !== parts[4] || back.getUTCSeconds() !== parts[5]) {
    return undefined;
  }
  if (zone === undefined || zone.toUpperCase() === 'Z') return utc;
  const offset = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (offset === null || Number(offset[2]) > 23 || Number(offset[3]) > 59) return undefined;
  const minutes = (Number(offset[2]) * 60 + Number(offset[3])) * (offset[1] === '-' ? -1 : 1);
  return utc - minutes * 60_000;
}

/** The window from the raw `since`/`until` strings (CLI flags or query parameters); throws ReportInputError. */
export function reportWindow(raw: { since?: string | undefined; until?: string | undefined }): ReportWindow {
  const window: ReportWindow = {};
  for (const key of ['since', 'until'] as const) {
    const text = raw[key];
    if (text === undefined) continue;
    const value = parseIsoTime(text);
    if (value === undefined) throw new ReportInputError(`--${key} is not an ISO 8601 date or date-time (e.g. 2026-11-01 or 2026-11-01T08:00:00Z): ${text.slice(0, 60)}`);
    window[key] = value;
  }
  if (window.since !== undefined && window.until !== undefined && window.since >= window.until) {
    throw new ReportInputError(`--since (${new Date(window.since).toISOString()}) must be before --until (${new Date(window.until).toISOString()})`);
  }
  return window;
}
