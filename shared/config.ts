/**
 * Service configuration: a JSON file (`--config`) plus environment variables, validated
 * once at start. A bad config is bad input: the service refuses to start rather than run
 * with a guess.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { OWNER_ROLE_ID, RBAC_ADMINISTRATOR_ROLE_ID, USER_ACCESS_ADMINISTRATOR_ROLE_ID } from './arm/roles.js';
import { normalizeGuid } from './events.js';
import type { Policy } from './remediator.js';

const mode = z.enum(['off', 'alert', 'remediate']);

const GUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Owner, User Access Administrator, Role Based Access Control Administrator: they can grant access. */
export const PRIVILEGED_BUILT_IN_ROLES = [OWNER_ROLE_ID, USER_ACCESS_ADMINISTRATOR_ROLE_ID, RBAC_ADMINISTRATOR_ROLE_ID] as const;

const configFile = z
  .object({
    /** Object ids and app ids of the service's own identity: its changes are ignored (no loops). */
    selfIds: z.array(z.string()).default([]),
    /** Subscription-wide mode per remediator id; resource-group overrides come with the modes store. */
    modes: z.record(z.string(), mode).default({}),
    /** Alert with the planned change instead of remediating, everywhere. */
    dryRun: z.boolean().default(false),
    policy: z
      .object({
        minimumTlsVersion: z.enum(['TLS1_2', 'TLS1_3']).default('TLS1_2'),
        roleAssignments: z
          .object({
            privilegedRoleIds: z.array(z.string().regex(GUID_PATTERN)).default([...PRIVILEGED_BUILT_IN_ROLES]),
            maxAgeDays: z.record(z.string(), z.number().int().min(1).max(3650)).default({ User: 90 }),
            protectedPrincipalIds: z.array(z.string().regex(GUID_PATTERN)).default([]),
          })
          .strict()
          .default({ privilegedRoleIds: [...PRIVILEGED_BUILT_IN_ROLES], maxAgeDays: { User: 90 }, protectedPrincipalIds: [] }),
      })
      .strict()
      .default({ minimumTlsVersion: 'TLS1_2', roleAssignments: { privilegedRoleIds: [...PRIVILEGED_BUILT_IN_ROLES], maxAgeDays: { User: 90 }, protectedPrincipalIds: [] } }),
    arm: z
      .object({
        /** SDK retries (429 with Retry-After, 5xx) per request. */
        maxRetries: z.number().int().min(0).max(10).default(3),
        /** Wall-clock budget for one event's ARM work; past it the invocation fails and Event Grid redelivers. */
        eventBudgetMs: z.number().int().min(1000).max(25_000).default(20_000),
      })
      .strict()
      .default({ maxRetries: 3, eventBudgetMs: 20_000 }),
    /** Events processed in parallel within one batch (different resources; one resource is serialised). */
    concurrency: z.number().int().min(1).max(64).default(8),
    /** Blast-radius cap: one batch (or sweep) remediates at most this many resources and alerts on the rest. */
    maxRemediationsPerBatch: z.number().int().min(0).max(100_000).default(50),
  })
  .strict();

export interface ServiceConfig {
  selfIds: ReadonlySet<string>;
  modes: Readonly<Record<string, 'off' | 'alert' | 'remediate'>>;
  dryRun: boolean;
  policy: Policy;
  arm: { maxRetries: number; eventBudgetMs: number };
  concurrency: number;
  maxRemediationsPerBatch: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Builds the config from parsed JSON and the environment; throws ConfigError with the reason. */
export function buildConfig(json: unknown, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const parsed = configFile.safeParse(json ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? '(root)' : issue.path.join('.');
    throw new ConfigError(`invalid config at ${where}: ${issue?.message ?? 'invalid'}`);
  }
  const fromEnv = (env['HIPAA_REMEDIATOR_SELF_IDS'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const selfIds = new Set<string>();
  for (const raw of [...parsed.data.selfIds, ...fromEnv]) {
    const id = normalizeGuid(raw);
    if (id === undefined) throw new ConfigError(`self id "${raw.slice(0, 60)}" is not a GUID`);
    selfIds.add(id);
  }
  return {
    selfIds,
    modes: parsed.data.modes,
    dryRun: parsed.data.dryRun,
    policy: {
      minimumTlsVersion: parsed.data.policy.minimumTlsVersion,
      roleAssignments: {
        privilegedRoleIds: parsed.data.policy.roleAssignments.privilegedRoleIds.map((id) => id.toLowerCase()),
        maxAgeDays: parsed.data.policy.roleAssignments.maxAgeDays,
        // The service's own identity is never revoked by itself.
        protectedPrincipalIds: [...new Set([...parsed.data.policy.roleAssignments.protectedPrincipalIds.map((id) => id.toLowerCase()), ...selfIds])],
      },
    },
    arm: parsed.data.arm,
    concurrency: parsed.data.concurrency,
    maxRemediationsPerBatch: parsed.data.maxRemediationsPerBatch,
  };
}

export async function loadConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<ServiceConfig> {
  if (path === undefined) return buildConfig({}, env);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError(`config ${path} is not valid JSON`);
  }
  return buildConfig(json, env);
}
