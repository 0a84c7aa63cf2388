/** The repository root, whether this runs as TypeScript (scripts/, vitest) or compiled (dist/scripts/). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function repoRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'hipaa-remediator') return dir;
    if (dirname(dir) === dir) throw new Error(`no hipaa-remediator package.json above ${from}`);
  }
}
