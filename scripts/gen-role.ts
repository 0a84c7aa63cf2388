/**
 * `npm run gen:role`: writes infra/role-actions.json (the custom role's actions and data
 * actions) and infra/event-filters.json (the system topic subscription's operationName
 * filters) from the code, through scripts/role.ts. `--check` writes nothing and exits 1 when
 * either file is out of date (what test/infra/role.test.ts asserts too).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REMEDIATORS } from '../remediators/index.js';
import { repoRoot } from './paths.js';
import { EVENT_FILTERS_FILE, eventFiltersJson, ROLE_FILE, roleJson, serialize } from './role.js';

function current(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function main(argv: readonly string[]): number {
  const check = argv.includes('--check');
  const root = repoRoot();
  const files = [
    { file: ROLE_FILE, text: serialize(roleJson(REMEDIATORS)) },
    { file: EVENT_FILTERS_FILE, text: serialize(eventFiltersJson(REMEDIATORS)) },
  ];
  let stale = 0;
  for (const { file, text } of files) {
    const path = join(root, file);
    if (current(path) === text) {
      process.stdout.write(`${file}: up to date\n`);
      continue;
    }
    if (check) {
      stale += 1;
      process.stderr.write(`${file}: out of date with the remediators (run npm run gen:role)\n`);
    } else {
      writeFileSync(path, text);
      process.stdout.write(`${file}: written\n`);
    }
  }
  const role = JSON.parse(files[0]?.text ?? '{}') as { actions: string[]; dataActions: string[] };
  process.stdout.write(`role: ${role.actions.length} actions, ${role.dataActions.length} data actions (${REMEDIATORS.length} remediators)\n`);
  return stale === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
