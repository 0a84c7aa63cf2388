/** `hipaa-remediator audit verify | show | export`: the audit chain under --home. */
import { writeFile } from 'node:fs/promises';
import { FileSegmentStore } from '../shared/audit/fileSegments.js';
import { lazyDefaultCredential } from '../shared/arm/azure.js';
import { configuredAuditVerifier } from '../shared/audit/configured.js';
import { localAuditPaths } from '../shared/audit/local.js';
import { resolveHome } from '../shared/composition.js';
import { COMMON_OPTIONS, EXIT, parse, UsageError } from './usage.js';

export async function auditCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { ...COMMON_OPTIONS, since: { type: 'string' } });
  const [sub, ...rest] = positionals;
  const home = resolveHome(values.home);
  if (sub === 'verify') {
    if (rest.length > 0) throw new UsageError(`unexpected argument: ${rest[0]}`);
    // The Azure store when configured, read with the caller's identity: an auditor needs read access only.
    const report = await configuredAuditVerifier(process.env, home, lazyDefaultCredential())();
    if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else if (report.problem === undefined) {
      process.stdout.write(`audit chain intact: ${report.records} records in ${report.segments} segments, ${report.signedHeads} signed heads (last signed seq ${String(report.lastSignedSeq)}) at ${report.location}\n`);
    } else {
      const p = report.problem;
      process.stdout.write(`audit chain BROKEN: ${p.kind} at ${p.segment} line ${p.line} (seq ${String(p.seq)}): ${p.message}\n`);
    }
    return report.ok ? EXIT.ok : EXIT.checkFailed;
  }
  if (sub === 'show' || sub === 'export') {
    const since = values.since === undefined ? undefined : Date.parse(values.since);
    if (since !== undefined && Number.isNaN(since)) throw new UsageError(`--since is not an ISO time: ${values.since}`);
    const [file, ...extra] = rest;
    if (sub === 'export' && file === undefined) throw new UsageError('audit export needs a file: hipaa-remediator audit export <file>');
    if (extra.length > 0 || (sub === 'show' && file !== undefined)) throw new UsageError(`unexpected argument: ${(sub === 'show' ? file : extra[0]) ?? ''}`);
    const lines = await readRecords(home, since);
    if (sub === 'export') {
      await writeFile(file!, lines.map((l) => `${l}\n`).join(''), { flag: 'wx', mode: 0o600 }).catch((error: NodeJS.ErrnoException) => {
        throw error.code === 'EEXIST' ? new UsageError(`${file!} exists: export never overwrites evidence`) : error;
      });
      process.stdout.write(`${lines.length} records exported to ${file!}\n`);
    } else if (values.json) {
      process.stdout.write(`${JSON.stringify({ records: lines.map((l) => JSON.parse(l) as unknown) }, null, 2)}\n`);
    } else {
      for (const line of lines) process.stdout.write(`${line}\n`);
    }
    return EXIT.ok;
  }
  throw new UsageError('audit needs a subcommand: verify | show [--since T] | export <file>');
}

/** Records as stored (exact lines, so an export still verifies), optionally from a time on. */
async function readRecords(home: string, since: number | undefined): Promise<string[]> {
  const store = new FileSegmentStore(localAuditPaths(home).chain);
  const out: string[] = [];
  for (const segment of await store.list()) {
    for (const line of (await store.read(segment)).split('\n')) {
      if (line.length === 0) continue;
      if (since !== undefined) {
        const time = Date.parse(String((JSON.parse(line) as { time?: unknown }).time));
        if (!(time >= since)) continue;
      }
      out.push(line);
    }
  }
  return out;
}
