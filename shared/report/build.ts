/**
 * Gathers what the report shows — the audit (records, verification, newest signed head), the
 * mode store, the alert store for the cross-check — and computes it. The CLI and the admin API
 * both call this; neither store being readable is fatal except the audit itself.
 */
import type { AlertStore } from '../alerts/record.js';
import { verifyAudit } from '../audit/verify.js';
import type { ServiceConfig } from '../config.js';
import type { ModeStore } from '../modes/store.js';
import type { Remediator } from '../remediator.js';
import { computeReport, type ReportData } from './model.js';
import { newestSignedHead, readReportRecords, type ReportSource } from './source.js';
import type { ReportWindow } from './window.js';

export interface ReportDeps {
  source: ReportSource;
  modeStore: ModeStore;
  /** For the open-alert cross-check; the audit alone is the evidence. */
  alertStore?: AlertStore;
  config: Pick<ServiceConfig, 'modes' | 'dryRun'>;
  remediators: readonly Pick<Remediator, 'id' | 'defaultMode' | 'controls'>[];
  clock?: () => Date;
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error)).slice(0, 500);

export async function buildReport(deps: ReportDeps, window: ReportWindow): Promise<ReportData> {
  const now = (deps.clock ?? (() => new Date()))();
  const { source } = deps;
  const { records, unreadableLines } = await readReportRecords(source.chain);
  const verify = await verifyAudit(source.chain, source.heads, source.keys);
  const head = await newestSignedHead(source.heads, source.keys, records);

  let modes: { settings?: Awaited<ReturnType<ModeStore['list']>>; error?: string };
  try {
    modes = { settings: await deps.modeStore.list() };
  } catch (error) {
    modes = { error: `mode store unreadable: ${message(error)}` };
  }
  let alertStore: { location: string; records?: Awaited<ReturnType<AlertStore['listAll']>>[number]['record'][]; error?: string } | undefined;
  if (deps.alertStore !== undefined) {
    try {
      alertStore = { location: deps.alertStore.location, records: (await deps.alertStore.listAll()).map((v) => v.record) };
    } catch (error) {
      alertStore = { location: deps.alertStore.location, error: `alert store unreadable: ${message(error)}` };
    }
  }

  return computeReport({
    records,
    unreadableLines,
    verify,
    head,
    store: { kind: source.kind, location: source.location },
    window,
    now,
    modes: {
      location: deps.modeStore.location,
      ...modes,
      dryRun: deps.config.dryRun,
      remediators: deps.remediators.map((r) => ({ id: r.id, defaultMode: r.defaultMode, configMode: deps.config.modes[r.id] ?? null })),
    },
    ...(alertStore === undefined ? {} : { alertStore }),
    remediators: deps.remediators.map((r) => ({ id: r.id, controls: [...r.controls] })),
  });
}
