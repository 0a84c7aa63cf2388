/**
 * ISO 8601 durations as Key Vault rotation policies use them: `P90D`, `P3M`, `PT48H`, `P1Y10D`
 * (examples in keys.json 7.6, KeyRotationPolicyAttributes.expiryTime). Only the limits the
 * service states need comparing ("at least 28 days", "seven days from creation"), so a duration
 * is reduced to days with a year of 365 and a month of 30 days: how the service counts calendar
 * units is not documented, and for these limits the difference does not matter.
 */

const DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

const DAYS_PER_UNIT = [365, 30, 7, 1, 1 / 24, 1 / 1440, 1 / 86_400] as const;

/** The length in days, or undefined when `text` is not such a duration (`P`, `PT`, fractions, negatives). */
export function durationInDays(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (match === null || text === 'P' || text.endsWith('T')) return undefined;
  const parts = match.slice(1);
  if (parts.every((part) => part === undefined)) return undefined;
  return parts.reduce((days, part, index) => days + (part === undefined ? 0 : Number(part) * (DAYS_PER_UNIT[index] ?? 0)), 0);
}
