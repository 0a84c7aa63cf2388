/** Wires the admin API to a runtime: the same handler behind `serve` and `functions/admin.ts`. */
import { REMEDIATORS } from '../../remediators/index.js';
import type { VerifyReport } from '../audit/verify.js';
import type { Runtime } from '../composition.js';
import { handleAdmin, type AdminRequest, type AdminResponse, type Authenticator } from './api.js';

export function adminApi(runtime: Runtime, authenticate: Authenticator, verify: () => Promise<VerifyReport>): (request: AdminRequest) => Promise<AdminResponse> {
  return (request) =>
    handleAdmin(request, {
      authenticate,
      store: runtime.modeStore,
      audit: runtime.audit,
      resolver: runtime.modes,
      remediators: REMEDIATORS,
      configModes: runtime.config.modes,
      dryRun: runtime.config.dryRun,
      verify,
      log: runtime.log,
    });
}
