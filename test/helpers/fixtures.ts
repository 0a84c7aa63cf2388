import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The team's reference material beside the repo (DESIGN.md, fixtures/, examples/). */
export const SHARED_DIR = process.env['HIPAA_SHARED_DIR'] ?? resolve(REPO_ROOT, '..', 'shared');

export function sharedPath(...parts: string[]): string {
  return join(SHARED_DIR, ...parts);
}

export function readSharedJson(...parts: string[]): unknown {
  return JSON.parse(readFileSync(sharedPath(...parts), 'utf8')) as unknown;
}
