/**
 * Port: where operators' mode choices live. Not in resource-group tags: an RG owner must not
 * be able to switch off the controls that watch their own resources.
 */
import { z } from 'zod';
import type { Mode } from '../remediator.js';
import { MODE_SCOPE_PATTERN, type ModeScope } from './scopes.js';

// Callers have always found the scope type and its builder here; the grammar lives in scopes.ts.
export { resourceGroupScope, type ModeScope } from './scopes.js';

export interface ModeSetting {
  remediator: string;
  scope: ModeScope;
  mode: Mode;
  /** Who set it: `cli:<os user>`, an Entra object id, or `local-token`. */
  changedBy: string;
  changedAt: string;
  reason?: string;
}

export interface ModeStore {
  /** Human-readable location for messages (file path, table URL without credentials). */
  readonly location: string;
  /** Every setting; throws when the store cannot be read (the resolver then fails safe). */
  list(): Promise<ModeSetting[]>;
  /** Creates or replaces the setting for (remediator, scope); returns the one it replaced. */
  set(setting: ModeSetting): Promise<ModeSetting | undefined>;
  /** Removes the setting for (remediator, scope); returns it, or undefined if there was none. */
  unset(remediator: string, scope: ModeScope): Promise<ModeSetting | undefined>;
}

/** What every store accepts and returns; checked on write as well as on read, so a setting a store took can always be read back. */
export const modeSettingSchema = z
  .object({
    remediator: z.string().min(1).max(100),
    scope: z.string().regex(MODE_SCOPE_PATTERN, 'a mode scope: *, rg:<name>, sub:<guid> or sub:<guid>/rg:<name>'),
    mode: z.enum(['off', 'alert', 'remediate']),
    changedBy: z.string().min(1).max(200),
    changedAt: z.string().min(1).max(64),
    reason: z.string().max(1000).optional(),
  })
  .strict();
