/**
 * Which alert store app settings select: HIPAA_REMEDIATOR_ALERTS_TABLE_URL (the storage
 * account's table endpoint, with the service's Entra identity) and optionally
 * HIPAA_REMEDIATOR_ALERTS_TABLE (default `remediatoralerts`) select Table Storage; otherwise
 * `<home>/alerts.json`.
 */
import type { TokenCredential } from '@azure/core-auth';
import { FileAlertStore } from './fileStore.js';
import type { AlertStore } from './record.js';

/** The Table SDK is loaded only when a table is configured. */
export async function configuredAlertStore(env: NodeJS.ProcessEnv, home: string, credential: () => TokenCredential): Promise<AlertStore> {
  const url = env['HIPAA_REMEDIATOR_ALERTS_TABLE_URL'];
  if (url === undefined || url.length === 0) return FileAlertStore.inHome(home);
  const [{ TableAlertStore }, { tableClientFromUrl }] = await Promise.all([import('./tableStore.js'), import('../tables.js')]);
  const table = env['HIPAA_REMEDIATOR_ALERTS_TABLE'];
  return new TableAlertStore(tableClientFromUrl(url, table === undefined || table.length === 0 ? 'remediatoralerts' : table, credential()));
}
