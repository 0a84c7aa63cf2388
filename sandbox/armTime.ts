/** ARM's timestamp style: seven fractional digits and a Z (`2025-03-14T09:21:44.5120000Z`). */
export function armTimestamp(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}
