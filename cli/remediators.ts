/** `hipaa-remediator remediators`: the catalog with controls, citations and effective modes. */
import { REMEDIATORS } from '../remediators/index.js';
import { loadConfig } from '../shared/config.js';
import { CONTROLS } from '../shared/controls.js';
import { COMMON_OPTIONS, EXIT, parse, UsageError } from './usage.js';

export async function remediatorsCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, COMMON_OPTIONS);
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`);
  const config = await loadConfig(values.config);
  const catalog = REMEDIATORS.map((r) => ({
    id: r.id,
    title: r.title,
    controls: r.controls.map((c) => ({ id: c, citation: CONTROLS[c].citation, title: CONTROLS[c].title })),
    resourceTypes: [...r.resourceTypes],
    armActions: [...r.armActions],
    defaultMode: r.defaultMode,
    mode: config.modes[r.id] ?? r.defaultMode,
  }));
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ remediators: catalog, dryRun: config.dryRun }, null, 2)}\n`);
  } else {
    for (const r of catalog) {
      process.stdout.write(`${r.id.padEnd(26)} ${r.mode.padEnd(9)} ${r.controls.map((c) => c.citation).join(', ')}\n  ${r.title}\n`);
    }
  }
  return EXIT.ok;
}
