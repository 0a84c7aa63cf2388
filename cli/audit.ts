/** `hipaa-remediator audit verify | show`: the local audit chain. */
import { FileAuditStore } from '../shared/audit/fileStore.js';
import { verifyChain } from '../shared/audit/record.js';
import { resolveHome } from '../shared/composition.js';
import { COMMON_OPTIONS, EXIT, parse, UsageError } from './usage.js';

export async function auditCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { ...COMMON_OPTIONS, since: { type: 'string' } });
  const [sub, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument: ${extra[0]}`);
  const store = FileAuditStore.inHome(resolveHome(values.home));
  const records = await store.readAll();
  if (sub === 'verify') {
    const problem = verifyChain(records);
    const report = { ok: problem === undefined, records: records.length, path: store.path, ...(problem === undefined ? {} : { problem }) };
    if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else if (problem === undefined) process.stdout.write(`audit chain intact: ${records.length} records (${store.path})\n`);
    else process.stdout.write(`audit chain BROKEN at line ${problem.line} (seq ${String(problem.seq)}): ${problem.problem}\n`);
    return problem === undefined ? EXIT.ok : EXIT.checkFailed;
  }
  if (sub === 'show') {
    const since = values.since === undefined ? undefined : Date.parse(values.since);
    if (since !== undefined && Number.isNaN(since)) throw new UsageError(`--since is not an ISO time: ${values.since}`);
    const shown = records.filter((r) => since === undefined || (typeof r === 'object' && r !== null && Date.parse(String((r as { time?: unknown }).time)) >= since));
    if (values.json) process.stdout.write(`${JSON.stringify({ records: shown }, null, 2)}\n`);
    else for (const r of shown) process.stdout.write(`${JSON.stringify(r)}\n`);
    return EXIT.ok;
  }
  throw new UsageError('audit needs a subcommand: verify | show');
}
