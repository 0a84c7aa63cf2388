/** Wires the admin API to a runtime: the same handler behind `serve` and `functions/admin.ts`. */
import { REMEDIATORS } from '../../remediators/index.js';
import type { VerifyReport } from '../audit/verify.js';
import type { Runtime } from '../composition.js';
import { buildReport } from '../report/build.js';
import type { ReportSource } from '../report/source.js';
import { allowsConsoleLogin, createConsoleState } from '../console/handler.js';
import { handleAdmin, type AdminRequest, type AdminResponse, type Authenticator } from './api.js';

/**
 * `reportSource`: the audit store `verify` checks, opened for each report (the Azure SDKs load only then).
 * The console's sessions live in the returned handler: create it once per host.
 */
export function adminApi(runtime: Runtime, authenticate: Authenticator, verify: () => Promise<VerifyReport>, reportSource?: () => Promise<ReportSource>, options: { tokenPath?: string } = {}): (request: AdminRequest) => Promise<AdminResponse> {
  const consoleState = createConsoleState({ loginAllowed: allowsConsoleLogin(authenticate), ...(options.tokenPath === undefined ? {} : { tokenPath: options.tokenPath }) });
  const report =
    reportSource === undefined
      ? undefined
      : async (window: Parameters<typeof buildReport>[1]) =>
          buildReport({ source: await reportSource(), modeStore: runtime.modeStore, alertStore: runtime.alertStore, config: runtime.config, remediators: REMEDIATORS }, window);
  return (request) =>
    handleAdmin(request, {
      authenticate,
      store: runtime.modeStore,
      audit: runtime.audit,
      resolver: runtime.modes,
      remediators: REMEDIATORS,
      configModes: runtime.config.modes,
      dryRun: runtime.config.dryRun,
      scope: runtime.config.scope,
      verify,
      ...(report === undefined ? {} : { report }),
      console: consoleState,
      alertStore: runtime.alertStore,
      ...(reportSource === undefined ? {} : { reportSource }),
      log: runtime.log,
    });
}
