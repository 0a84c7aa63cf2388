/**
 * Embedded ModeStore: one JSON file under `--home` (`modes.json`), replaced atomically
 * (write a temp file, then rename) so a reader never sees half a file.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { KeyedMutex } from '../concurrency.js';
import { modeSettingSchema, type ModeScope, type ModeSetting, type ModeStore } from './store.js';

const fileSchema = z.object({ modes: z.array(modeSettingSchema) }).strict();

/** Read-modify-write of one file must not interleave within this process. */
const FILE_LOCKS = new KeyedMutex();

export class FileModeStore implements ModeStore {
  constructor(readonly location: string) {}

  static inHome(home: string): FileModeStore {
    return new FileModeStore(join(home, 'modes.json'));
  }

  async list(): Promise<ModeSetting[]> {
    let text: string;
    try {
      text = await readFile(this.location, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const parsed = fileSchema.safeParse(JSON.parse(text) as unknown);
    if (!parsed.success) throw new Error(`mode store ${this.location} is corrupt: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return parsed.data.modes.map((m) => ({ ...m, scope: m.scope as ModeScope }));
  }

  set(setting: ModeSetting): Promise<ModeSetting | undefined> {
    // Checked before writing: one setting the schema refuses would make the whole file unreadable
    // (and every remediator fail safe to alert) on the next read.
    const checked = modeSettingSchema.safeParse(setting);
    if (!checked.success) return Promise.reject(new Error(`mode store ${this.location}: refusing to store an invalid setting: ${checked.error.issues[0]?.message ?? 'invalid'}`));
    return this.update((modes) => {
      const index = modes.findIndex((m) => m.remediator === setting.remediator && m.scope === setting.scope);
      const previous = index >= 0 ? modes[index] : undefined;
      if (index >= 0) modes[index] = setting;
      else modes.push(setting);
      return previous;
    });
  }

  unset(remediator: string, scope: ModeScope): Promise<ModeSetting | undefined> {
    return this.update((modes) => {
      const index = modes.findIndex((m) => m.remediator === remediator && m.scope === scope);
      return index >= 0 ? modes.splice(index, 1)[0] : undefined;
    });
  }

  private update(change: (modes: ModeSetting[]) => ModeSetting | undefined): Promise<ModeSetting | undefined> {
    return FILE_LOCKS.run(this.location, async () => {
      const modes = await this.list();
      const previous = change(modes);
      modes.sort((a, b) => a.remediator.localeCompare(b.remediator) || a.scope.localeCompare(b.scope));
      await mkdir(dirname(this.location), { recursive: true, mode: 0o700 });
      const temp = `${this.location}.${process.pid}.tmp`;
      await writeFile(temp, `${JSON.stringify({ modes }, null, 2)}\n`, { mode: 0o600 });
      await rename(temp, this.location);
      return previous;
    });
  }
}
