/**
 * The report's two charts as inline SVG, written by hand: no library, no script, no external
 * font, so the page stays one self-contained file that prints the same everywhere. Every text
 * that reaches the markup goes through `escapeHtml`.
 */
import { escapeHtml } from './escape.js';

/** Distinguishable on screen and on paper (Tableau 10, then two more), assigned in catalog order. */
export const SERIES_COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#7f7f7f', '#1f77b4', '#8c564b'] as const;

export function seriesColor(index: number): string {
  return SERIES_COLORS[index % SERIES_COLORS.length]!;
}

const WIDTH = 960;
const MARGIN = { top: 16, right: 12, bottom: 44, left: 44 };

/** 1, 2, 5, 10, 20, 50…: a tick step giving at most `maxTicks` ticks up to `max`. */
function niceStep(max: number, maxTicks: number): number {
  const raw = Math.max(1, max / maxTicks);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const factor of [1, 2, 5, 10]) if (factor * magnitude >= raw) return factor * magnitude;
  return 10 * magnitude;
}

function yAxis(max: number, plotHeight: number): { top: number; svg: string } {
  const step = niceStep(max, 5);
  const top = Math.max(step, Math.ceil(max / step) * step);
  const lines: string[] = [];
  for (let value = 0; value <= top; value += step) {
    const y = MARGIN.top + plotHeight - (value / top) * plotHeight;
    lines.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" class="grid"/>`);
    lines.push(`<text x="${MARGIN.left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end" class="tick">${value}</text>`);
  }
  return { top, svg: lines.join('') };
}

export interface StackedSeries {
  label: string;
  color: string;
  values: readonly number[];
}

/** Stacked bars, one per day: findings per control. */
export function stackedBarChart(options: { title: string; days: readonly string[]; series: readonly StackedSeries[]; height?: number }): string {
  const height = options.height ?? 280;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = height - MARGIN.top - MARGIN.bottom;
  const totals = options.days.map((_, i) => options.series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const axis = yAxis(Math.max(1, ...totals), plotHeight);
  const slot = plotWidth / Math.max(1, options.days.length);
  const barWidth = Math.max(1, Math.min(48, slot * 0.8));
  const bars: string[] = [];
  options.days.forEach((day, i) => {
    let base = 0;
    for (const s of options.series) {
      const value = s.values[i] ?? 0;
      if (value === 0) continue;
      const y = MARGIN.top + plotHeight - ((base + value) / axis.top) * plotHeight;
      const h = (value / axis.top) * plotHeight;
      const x = MARGIN.left + i * slot + (slot - barWidth) / 2;
      bars.push(`<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${h.toFixed(1)}" fill="${s.color}"><title>${escapeHtml(`${day} · ${s.label}: ${value}`)}</title></rect>`);
      base += value;
    }
  });
  // At most ~12 day labels, so they never overlap.
  const every = Math.max(1, Math.ceil(options.days.length / 12));
  const labels = options.days
    .map((day, i) => (i % every === 0 || i === options.days.length - 1 ? `<text x="${(MARGIN.left + i * slot + slot / 2).toFixed(1)}" y="${height - MARGIN.bottom + 18}" text-anchor="middle" class="tick">${escapeHtml(day.slice(5))}</text>` : ''))
    .join('');
  const year = options.days[0]?.slice(0, 4) ?? '';
  const lastYear = options.days.at(-1)?.slice(0, 4) ?? '';
  return [
    `<svg class="chart" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${escapeHtml(options.title)}">`,
    `<title>${escapeHtml(options.title)}</title>`,
    axis.svg,
    bars.join(''),
    `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${MARGIN.top + plotHeight}" y2="${MARGIN.top + plotHeight}" class="axis"/>`,
    labels,
    `<text x="${MARGIN.left + plotWidth / 2}" y="${height - 6}" text-anchor="middle" class="axis-label">${escapeHtml(`day (UTC, month-day${year === '' ? '' : `, ${year === lastYear ? year : `${year}–${lastYear}`}`})`)}</text>`,
    `<text x="12" y="${MARGIN.top + plotHeight / 2}" text-anchor="middle" class="axis-label" transform="rotate(-90 12 ${MARGIN.top + plotHeight / 2})">findings</text>`,
    '</svg>',
  ].join('');
}

/** Vertical bars with their count above: the time-to-remediate distribution. */
export function histogramChart(options: { title: string; bins: readonly { label: string; count: number }[]; height?: number }): string {
  const height = options.height ?? 260;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = height - MARGIN.top - MARGIN.bottom;
  const axis = yAxis(Math.max(1, ...options.bins.map((b) => b.count)), plotHeight);
  const slot = plotWidth / Math.max(1, options.bins.length);
  const bars = options.bins
    .map((bin, i) => {
      const h = (bin.count / axis.top) * plotHeight;
      const x = MARGIN.left + i * slot + slot * 0.1;
      const y = MARGIN.top + plotHeight - h;
      const cx = (MARGIN.left + i * slot + slot / 2).toFixed(1);
      return [
        bin.count === 0 ? '' : `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(slot * 0.8).toFixed(1)}" height="${h.toFixed(1)}" class="bar"><title>${escapeHtml(`${bin.label}: ${bin.count}`)}</title></rect>`,
        `<text x="${cx}" y="${(y - 5).toFixed(1)}" text-anchor="middle" class="count">${bin.count}</text>`,
        `<text x="${cx}" y="${height - MARGIN.bottom + 18}" text-anchor="middle" class="tick">${escapeHtml(bin.label)}</text>`,
      ].join('');
    })
    .join('');
  return [
    `<svg class="chart" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${escapeHtml(options.title)}">`,
    `<title>${escapeHtml(options.title)}</title>`,
    axis.svg,
    bars,
    `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${MARGIN.top + plotHeight}" y2="${MARGIN.top + plotHeight}" class="axis"/>`,
    `<text x="${MARGIN.left + plotWidth / 2}" y="${height - 6}" text-anchor="middle" class="axis-label">time from decision to confirmed remediation</text>`,
    `<text x="12" y="${MARGIN.top + plotHeight / 2}" text-anchor="middle" class="axis-label" transform="rotate(-90 12 ${MARGIN.top + plotHeight / 2})">remediations</text>`,
    '</svg>',
  ].join('');
}
