/** `hipaa-remediator modes list | set | unset | explain`: operators' switches per subscription and resource group. */
import { userInfo } from 'node:os';
import { REMEDIATORS } from '../remediators/index.js';
import { tryParseResourceId } from '../shared/arm/resourceId.js';
import { openLocalAudit } from '../shared/audit/local.js';
import { resolveHome } from '../shared/composition.js';
import { loadConfig } from '../shared/config.js';
import { ANY_SUBSCRIPTION, changeMode, CLI_TERMS, ModeChangeError, validateModeChange, type ModeChangeRequest } from '../shared/modes/changes.js';
import { lazyDefaultCredential } from '../shared/arm/azure.js';
import { configuredAudit } from '../shared/audit/configured.js';
import { createLogger } from '../shared/log.js';
import { configuredModeStore } from '../shared/modes/configured.js';
import { StoreModeResolver } from '../shared/modes/resolver.js';
import { describeModeScope, scopeParts } from '../shared/modes/scopes.js';
import { COMMON_OPTIONS, EXIT, parse, UsageError } from './usage.js';

const OPTIONS = {
  ...COMMON_OPTIONS,
  'resource-group': { type: 'string' },
  subscription: { type: 'string' },
  'any-subscription': { type: 'boolean', default: false },
  reason: { type: 'string' },
} as const;

export async function modesCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, OPTIONS);
  const [sub, ...rest] = positionals;
  const home = resolveHome(values.home);
  const config = await loadConfig(values.config);
  // Table Storage when HIPAA_REMEDIATOR_MODES_TABLE_URL is set (with the operator's Azure identity).
  const store = await configuredModeStore(process.env, home, () => lazyDefaultCredential());

  switch (sub) {
    case 'list': {
      if (rest.length > 0) throw new UsageError(`unexpected argument: ${rest[0]}`);
      const settings = await store.list();
      const remediators = REMEDIATORS.map((r) => ({ id: r.id, defaultMode: r.defaultMode, configMode: config.modes[r.id] ?? null }));
      if (values.json) {
        process.stdout.write(`${JSON.stringify({ modes: settings.map((s) => ({ ...s, ...scopeParts(s.scope) })), remediators, dryRun: config.dryRun, store: store.location }, null, 2)}\n`);
      } else {
        const width = Math.max(36, ...settings.map((s) => describeModeScope(s.scope).length));
        for (const r of remediators) {
          process.stdout.write(`${r.id.padEnd(26)} default ${r.configMode ?? r.defaultMode}${r.configMode === null ? '' : ' (config)'}\n`);
          for (const s of settings.filter((x) => x.remediator === r.id)) {
            process.stdout.write(`  ${describeModeScope(s.scope).padEnd(width)} ${s.mode.padEnd(9)} by ${s.changedBy} at ${s.changedAt}${s.reason === undefined ? '' : ` (${s.reason})`}\n`);
          }
        }
        if (config.dryRun) process.stdout.write('dry run is ON: nothing is remediated, everything is alerted\n');
      }
      return EXIT.ok;
    }
    case 'set':
    case 'unset': {
      const [remediator, mode, ...extra] = rest;
      if (remediator === undefined) throw new UsageError(`modes ${sub} needs a remediator id`);
      if (sub === 'set' && mode === undefined) throw new UsageError('modes set needs a mode: off | alert | remediate');
      const unexpected = sub === 'set' ? extra[0] : mode;
      if (unexpected !== undefined) throw new UsageError(`unexpected argument: ${unexpected}`);
      if (values.subscription !== undefined && values['any-subscription']) throw new UsageError('--subscription and --any-subscription exclude each other');
      const subscriptionId = values['any-subscription'] ? ANY_SUBSCRIPTION : values.subscription;
      const request: ModeChangeRequest = {
        remediator,
        ...(sub === 'set' && mode !== undefined ? { mode } : {}),
        ...(values['resource-group'] === undefined ? {} : { resourceGroup: values['resource-group'] }),
        ...(subscriptionId === undefined ? {} : { subscriptionId }),
        ...(values.reason === undefined ? {} : { reason: values.reason }),
        operator: `cli:${userInfo().username}`,
      };
      // The watched scope decides whether a resource group name alone says which one is meant.
      const checks = { remediators: REMEDIATORS, scope: config.scope, terms: CLI_TERMS };
      // Refused before the audit is opened: a refused change leaves no file behind, not even a signing key.
      try {
        validateModeChange(request, checks);
      } catch (error) {
        if (error instanceof ModeChangeError) throw new UsageError(error.message);
        throw error;
      }
      const audit = await (await configuredAudit(process.env, lazyDefaultCredential(), createLogger())) ?? (await openLocalAudit(home));
      try {
        const result = await changeMode(request, { ...checks, store, audit });
        const where = describeModeScope(result.scope);
        const out = { remediator, scope: result.scope, before: result.previous?.mode ?? null, after: result.current?.mode ?? null, auditSeq: result.auditSeq };
        if (values.json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        else process.stdout.write(`${remediator} in ${where}: ${out.before ?? '(unset)'} → ${out.after ?? '(unset)'}  audit #${result.auditSeq}\n`);
        return EXIT.ok;
      } catch (error) {
        if (error instanceof ModeChangeError) throw new UsageError(error.message);
        throw error;
      } finally {
        await audit.close();
      }
    }
    case 'explain': {
      const [raw, ...extra] = rest;
      if (raw === undefined) throw new UsageError('modes explain needs a resource id');
      if (extra.length > 0) throw new UsageError(`unexpected argument: ${extra[0]}`);
      const id = tryParseResourceId(raw);
      if (!id.ok) throw new UsageError(id.reason);
      const resolver = StoreModeResolver.validated(store, config, REMEDIATORS);
      const explained = await Promise.all(
        REMEDIATORS.map(async (r) => {
          const resolution = await resolver.resolve(r, id.value);
          const applies = r.resourceTypes.some((t) => t.toLowerCase() === id.value.resourceType.toLowerCase());
          return {
            remediator: r.id,
            appliesToType: applies,
            mode: resolution.mode,
            source: resolution.source,
            // The stored scope that decided (null: config, default or fail-safe).
            scope: resolution.setting?.scope ?? null,
            dryRun: resolution.dryRun,
            ...(resolution.setting === undefined ? {} : { setting: resolution.setting }),
            ...(resolution.error === undefined ? {} : { error: resolution.error }),
          };
        }),
      );
      if (values.json) {
        process.stdout.write(`${JSON.stringify({ resourceId: id.value.id, subscriptionId: id.value.subscriptionId, resourceGroup: id.value.resourceGroup ?? null, remediators: explained }, null, 2)}\n`);
      } else {
        for (const e of explained) {
          const why = e.setting === undefined ? e.source : `${e.source}: ${describeModeScope(e.setting.scope)}, set by ${e.setting.changedBy} at ${e.setting.changedAt}`;
          process.stdout.write(`${e.remediator.padEnd(26)} ${e.mode.padEnd(9)} (${why})${e.appliesToType ? '' : ' — does not check this resource type'}${e.dryRun ? ' [dry run]' : ''}\n`);
        }
      }
      return EXIT.ok;
    }
    default:
      throw new UsageError(
        'modes needs a subcommand: list | set <remediator> <off|alert|remediate> [--subscription S | --any-subscription] [--resource-group RG] | unset <remediator> [--subscription S | --any-subscription] [--resource-group RG] | explain <resource id>',
      );
  }
}
