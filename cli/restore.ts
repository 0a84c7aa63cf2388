/** `hipaa-remediator restore <audit seq>`: re-create what a revocation removed. */
import { userInfo } from 'node:os';
import { azureConnection, azureSubscriptionId } from '../shared/arm/azure.js';
import { readLocalAuditRecords } from '../shared/audit/local.js';
import { createRuntime, resolveHome } from '../shared/composition.js';
import { loadConfig } from '../shared/config.js';
import { createLogger } from '../shared/log.js';
import { RestoreRefused, restoreRevocation } from '../shared/restore.js';
import { openSandbox, readStateFile } from './sandboxSession.js';
import { COMMON_OPTIONS, EXIT, parse, UsageError } from './usage.js';

export async function restoreCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { ...COMMON_OPTIONS, sandbox: { type: 'string' }, 'save-sandbox': { type: 'string' }, expires: { type: 'string' } });
  const [raw, ...extra] = positionals;
  if (raw === undefined || !/^\d+$/.test(raw)) throw new UsageError('restore needs the audit seq of a revocation: hipaa-remediator restore <audit seq>');
  if (extra.length > 0) throw new UsageError(`unexpected argument: ${extra[0]}`);
  if (values.expires !== undefined && !/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/i.test(values.expires)) throw new UsageError(`--expires is not an ISO 8601 date or date-time: ${values.expires}`);
  if (values['save-sandbox'] !== undefined && values.sandbox === undefined) throw new UsageError('--save-sandbox needs --sandbox');
  const home = resolveHome(values.home);
  const config = await loadConfig(values.config);
  const records = await readLocalAuditRecords(home);
  const state = values.sandbox === undefined ? undefined : await readStateFile(values.sandbox);
  if (state === undefined && azureSubscriptionId() === undefined) throw new UsageError('no ARM to talk to: pass --sandbox <state.json>, or set AZURE_SUBSCRIPTION_ID for Azure');
  const session = state === undefined ? undefined : await openSandbox(state);
  try {
    const runtime = await createRuntime({ home, config, arm: session?.connection ?? azureConnection(), log: createLogger({ level: process.env['LOG_LEVEL'] ?? 'warn' }) });
    try {
      const restored = await restoreRevocation(Number(raw), { operator: `cli:${userInfo().username}`, ...(values.expires === undefined ? {} : { expires: values.expires }) }, { records, audit: runtime.audit, arm: runtime.arm });
      if (values['save-sandbox'] !== undefined && session !== undefined) await session.save(values['save-sandbox']);
      process.stdout.write(values.json ? `${JSON.stringify({ restored: Number(raw), ...restored }, null, 2)}\n` : `restored revocation #${raw} as ${restored.assignmentId}  audit #${restored.auditSeq}\n`);
      return EXIT.ok;
    } catch (error) {
      if (error instanceof RestoreRefused) throw new UsageError(error.message);
      throw error;
    } finally {
      await runtime.audit.close();
    }
  } finally {
    await session?.close();
  }
}
