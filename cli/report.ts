/**
 * `hipaa-remediator report --html <file> | --json [--since T] [--until T]`: the evidence report,
 * read from the same audit store `audit verify` checks. A broken chain still gets its report
 * (with the break first on the page) and exit 1; the file is never overwritten.
 */
import { access, writeFile } from 'node:fs/promises';
import { REMEDIATORS } from '../remediators/index.js';
import { configuredAlertStore } from '../shared/alerts/configured.js';
import { lazyDefaultCredential } from '../shared/arm/azure.js';
import { resolveHome } from '../shared/composition.js';
import { loadConfig } from '../shared/config.js';
import { configuredModeStore } from '../shared/modes/configured.js';
import { buildReport } from '../shared/report/build.js';
import { renderReportHtml } from '../shared/report/html.js';
import { configuredReportSource } from '../shared/report/source.js';
import { ReportInputError, reportWindow, type ReportWindow } from '../shared/report/window.js';
import { COMMON_OPTIONS, EXIT, parse, UsageError } from './usage.js';

const OPTIONS = { ...COMMON_OPTIONS, html: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' } } as const;

function existsError(file: string): UsageError {
  return new UsageError(`${file} exists: report never overwrites a file`);
}

export async function reportCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, OPTIONS);
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`);
  const file = values.html;
  if (file === undefined && !values.json) throw new UsageError('report needs --html <file> or --json: hipaa-remediator report --html <file> [--since T] [--until T]');
  if (file !== undefined && file.length === 0) throw new UsageError('--html needs a file name');
  let window: ReportWindow;
  try {
    window = reportWindow({ since: values.since, until: values.until });
  } catch (error) {
    if (error instanceof ReportInputError) throw new UsageError(error.message);
    throw error;
  }
  // Refused before the audit is read: a report over someone's evidence file is never worth the wait.
  if (file !== undefined && (await access(file).then(() => true, () => false))) throw existsError(file);

  const home = resolveHome(values.home);
  const config = await loadConfig(values.config);
  // Azure stores when configured (the caller's identity: read access is enough), the home's files otherwise.
  const credential = lazyDefaultCredential();
  const data = await buildReport(
    {
      source: await configuredReportSource(process.env, home, credential),
      modeStore: await configuredModeStore(process.env, home, () => credential),
      alertStore: await configuredAlertStore(process.env, home, () => credential),
      config,
      remediators: REMEDIATORS,
    },
    window,
  );
  if (data.chain.records === 0) process.stderr.write(`hipaa-remediator: no audit records at ${data.store.location}\n`);

  if (file !== undefined) {
    await writeFile(file, renderReportHtml(data), { flag: 'wx', mode: 0o600 }).catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'EEXIST' ? existsError(file) : error;
    });
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
  } else {
    const chain = data.chain.ok ? `audit chain intact (${data.chain.records} records, last signed seq ${String(data.chain.lastSignedSeq)})` : `audit chain BROKEN: ${data.chain.problem?.kind ?? 'unknown'} at seq ${String(data.chain.problem?.seq ?? null)}`;
    const t = data.totals;
    process.stdout.write(`report written to ${file!}: ${chain}; ${t.findings} findings, ${t.remediated} remediated, ${t.alerted} alerted, ${t.failed} failed, ${t.openAlerts} open alerts\n`);
  }
  return data.chain.ok ? EXIT.ok : EXIT.checkFailed;
}
