/**
 * `policy.keyVault` (config file) and the rules a key rotation policy must meet before Key Vault
 * takes it, so that a policy Key Vault would refuse stops the service at start instead of
 * failing every remediation. The rules, after the Key Vault docs ("Configure cryptographic key
 * auto-rotation in Azure Key Vault") and keys.json 7.6 (KeyRotationPolicy), as the sandbox
 * enforces them (sandbox/keyvault/rotationPolicy.ts):
 * - action types Rotate and Notify, at most one of each; a trigger names exactly one of
 *   `timeAfterCreate` and `timeBeforeExpiry`; Notify only `timeBeforeExpiry`;
 * - `expiresIn` (the policy's `attributes.expiryTime`) at least 28 days;
 * - a Rotate at least 7 days after creation and at least 7 days before expiry.
 * Beyond Key Vault's rules, ours: the policy must rotate and must expire (that is what the
 * remediator checks keys for), so a Rotate action and `expiresIn` are required.
 */
import { z } from 'zod';

export type RotationActionType = 'Rotate' | 'Notify';

export interface RotationLifetimeAction {
  action: RotationActionType;
  timeAfterCreate?: string;
  timeBeforeExpiry?: string;
}

export interface RotationPolicySetting {
  /** ISO 8601 duration after which a new (rotated) version expires. */
  expiresIn: string;
  lifetimeActions: readonly RotationLifetimeAction[];
}

/**
 * Rotate 11 months after a version is created, each version expiring after a year, and Key Vault
 * notifies (Event Grid `KeyNearExpiry`) 30 days before. Time after creation, not before expiry:
 * keys made without an expiry would never reach a rotation counted from one.
 */
export const DEFAULT_ROTATION_POLICY: RotationPolicySetting = {
  expiresIn: 'P1Y',
  lifetimeActions: [
    { action: 'Rotate', timeAfterCreate: 'P11M' },
    { action: 'Notify', timeBeforeExpiry: 'P30D' },
  ],
};

const DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;
/** Calendar units counted as 365 / 30 days: how Key Vault counts them is not documented; for "at least 7 / 28 days" it does not matter. */
const DAYS_PER_UNIT = [365, 30, 7, 1, 1 / 24, 1 / 1440, 1 / 86_400] as const;

/** Length of an ISO 8601 duration (`P90D`, `P1Y`, `P11M`, `PT48H`) in days; undefined if it is not one. */
export function durationInDays(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (match === null || text === 'P' || text.endsWith('T')) return undefined;
  const parts = match.slice(1);
  if (parts.every((part) => part === undefined)) return undefined;
  return parts.reduce((days, part, index) => days + (part === undefined ? 0 : Number(part) * (DAYS_PER_UNIT[index] ?? 0)), 0);
}

const MIN_EXPIRY_DAYS = 28;
const MIN_ROTATION_DAYS = 7;

/** Why Key Vault (or this service) would refuse the policy, or undefined when it is acceptable. */
export function rotationPolicyProblem(policy: RotationPolicySetting): string | undefined {
  const expiry = durationInDays(policy.expiresIn);
  if (expiry === undefined) return `expiresIn "${policy.expiresIn}" is not an ISO 8601 duration such as P1Y or P90D`;
  if (expiry < MIN_EXPIRY_DAYS) return `expiresIn "${policy.expiresIn}" is shorter than Key Vault's minimum of ${MIN_EXPIRY_DAYS} days`;
  const seen = new Set<RotationActionType>();
  for (const entry of policy.lifetimeActions) {
    if (seen.has(entry.action)) return `more than one ${entry.action} action (Key Vault allows one of each)`;
    seen.add(entry.action);
    const after = entry.timeAfterCreate;
    const before = entry.timeBeforeExpiry;
    if ((after === undefined) === (before === undefined)) return `the ${entry.action} action needs exactly one of timeAfterCreate and timeBeforeExpiry`;
    const text = after ?? before ?? '';
    const days = durationInDays(text);
    if (days === undefined) return `the ${entry.action} action's trigger "${text}" is not an ISO 8601 duration`;
    if (entry.action === 'Notify') {
      if (after !== undefined) return 'a Notify action can only be triggered by timeBeforeExpiry';
      continue;
    }
    if (days < MIN_ROTATION_DAYS) return `the Rotate action's trigger "${text}" is shorter than Key Vault's minimum of ${MIN_ROTATION_DAYS} days`;
    if (days > expiry - MIN_ROTATION_DAYS) return `the Rotate action's trigger "${text}" leaves less than ${MIN_ROTATION_DAYS} days before expiry (${policy.expiresIn})`;
  }
  if (!seen.has('Rotate')) return 'the policy has no Rotate action: it would not rotate anything';
  return undefined;
}

const duration = z.string().refine((text) => durationInDays(text) !== undefined, 'an ISO 8601 duration such as P1Y, P11M or P30D');

const rotationSchema = z
  .object({
    expiresIn: duration,
    lifetimeActions: z
      .array(z.object({ action: z.enum(['Rotate', 'Notify']), timeAfterCreate: duration.optional(), timeBeforeExpiry: duration.optional() }).strict())
      .min(1)
      .max(2),
  })
  .strict()
  .superRefine((policy, context) => {
    const problem = rotationPolicyProblem(policy);
    if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
  });

/** The config file's `policy.keyVault`; every field has a default. */
export const keyVaultPolicySchema = z
  .object({
    /** The rotation policy set on keys that have none (or one that neither rotates nor expires). */
    rotation: rotationSchema.default({ expiresIn: DEFAULT_ROTATION_POLICY.expiresIn, lifetimeActions: DEFAULT_ROTATION_POLICY.lifetimeActions.map((a) => ({ ...a })) }),
    /** Enabling purge protection cannot be undone: reported only unless an operator opts in here. */
    remediatePurgeProtection: z.boolean().default(false),
    /** Vaults that authorize data access with access policies instead of Azure RBAC are reported. */
    requireRbacAuthorization: z.boolean().default(true),
    /** Minimum soft-delete retention; Key Vault allows 7-90 days (default 90) and never changes it once set. */
    softDeleteRetentionDays: z.number().int().min(7).max(90).default(90),
  })
  .strict()
  .prefault({});
