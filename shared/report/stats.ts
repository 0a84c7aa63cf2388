/**
 * The figures' arithmetic, defined once so the report, its JSON and its tests agree.
 *   median: the middle value of the sorted sample; for an even count, the mean of the two middle ones.
 *   p95: nearest rank — the smallest sample value such that at least 95 % of the sample is ≤ it
 *        (sorted[ceil(0.95·n) − 1]); always a value that was measured, never an interpolation.
 */

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Nearest-rank percentile, `percent` an integer 1..100. */
export function percentile(values: readonly number[], percent: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  // Integer arithmetic: 95·n/100 is exact whenever it is a whole number, so ceil never over-counts.
  const rank = Math.max(1, Math.ceil((percent * sorted.length) / 100));
  return sorted[rank - 1]!;
}

export interface DurationStats {
  count: number;
  medianMs: number | null;
  p95Ms: number | null;
  minMs: number | null;
  maxMs: number | null;
}

export function durationStats(values: readonly number[]): DurationStats {
  return {
    count: values.length,
    medianMs: median(values),
    p95Ms: percentile(values, 95),
    minMs: values.length === 0 ? null : Math.min(...values),
    maxMs: values.length === 0 ? null : Math.max(...values),
  };
}

/** Histogram bins for time to remediate: decades that mean something to a person, from a PATCH to a day. */
export const DURATION_BINS: readonly { label: string; fromMs: number; toMs: number | null }[] = [
  { label: '< 100 ms', fromMs: 0, toMs: 100 },
  { label: '100 ms – 1 s', fromMs: 100, toMs: 1_000 },
  { label: '1 – 10 s', fromMs: 1_000, toMs: 10_000 },
  { label: '10 s – 1 min', fromMs: 10_000, toMs: 60_000 },
  { label: '1 – 10 min', fromMs: 60_000, toMs: 600_000 },
  { label: '10 min – 1 h', fromMs: 600_000, toMs: 3_600_000 },
  { label: '1 h – 1 d', fromMs: 3_600_000, toMs: 86_400_000 },
  { label: '≥ 1 d', fromMs: 86_400_000, toMs: null },
];

export function histogram(values: readonly number[]): { label: string; fromMs: number; toMs: number | null; count: number }[] {
  return DURATION_BINS.map((bin) => ({ ...bin, count: values.filter((v) => v >= bin.fromMs && (bin.toMs === null || v < bin.toMs)).length }));
}

/** `850 ms`, `12.4 s`, `3 min 20 s`, `2 h 5 min`, `3 d 4 h`. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min ${Math.floor((ms % 60_000) / 1_000)} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}
