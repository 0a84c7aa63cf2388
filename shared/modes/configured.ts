/**
 * Which mode store app settings select: HIPAA_REMEDIATOR_MODES_TABLE_URL (the storage account's
 * table endpoint, with the service's or operator's Entra identity) and optionally
 * HIPAA_REMEDIATOR_MODES_TABLE (default `remediatormodes`) select Table Storage; otherwise
 * `<home>/modes.json`.
 */
import type { TokenCredential } from '@azure/core-auth';
import { FileModeStore } from './fileStore.js';
import type { ModeStore } from './store.js';

/** The Table SDK is loaded only when a table is configured. */
export async function configuredModeStore(env: NodeJS.ProcessEnv, home: string, credential: () => TokenCredential): Promise<ModeStore> {
  const url = env['HIPAA_REMEDIATOR_MODES_TABLE_URL'];
  if (url === undefined || url.length === 0) return FileModeStore.inHome(home);
  const { tableClientFromUrl, TableModeStore } = await import('./tableStore.js');
  return new TableModeStore(tableClientFromUrl(url, env['HIPAA_REMEDIATOR_MODES_TABLE'] ?? 'remediatormodes', credential()));
}
