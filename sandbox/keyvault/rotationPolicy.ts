import { z } from 'zod';
import { durationInDays } from './duration.js';
import { badParameter, nullish, parseBody } from './errors.js';

/**
 * Key rotation policies (`GET|PUT /keys/{name}/rotationpolicy`), after azure-rest-api-specs
 * `specification/keyvault/data-plane/Microsoft.KeyVault/stable/7.6/keys.json` (KeyRotationPolicy,
 * LifetimeActions, KeyRotationPolicyAttributes), the docs page "Configure cryptographic key
 * auto-rotation in Azure Key Vault" (how-to-configure-key-rotation.md) and live answers recorded
 * by azure-sdk-for-js (keys_client__create_read_update_and_delete_operations_key_rotation).
 *
 * On record (recordings):
 * - A PUT replaces the whole policy: actions and expiryTime it leaves out are gone.
 * - A policy without a Notify action gets the default one, Notify 30 days before expiry, in the
 *   answer and on later GETs. A policy needs no expiryTime, and Notify needs none either.
 * - `created` stays from the first PUT; `updated` moves with every PUT (Unix seconds).
 * Stated in the spec or docs, enforced as 400 BadParameter (the service's wording is not on
 * record, so the messages are the sandbox's):
 * - action types Rotate / Notify, "compared case-insensitively"; at most one of each
 *   ("one for rotate, one for notify"); answered in the spec's casing.
 * - `timeAfterCreate` "only applies to rotate"; a trigger names exactly one of the two times.
 * - `expiryTime` "should be at least 28 days".
 * - rotation "the minimum value is seven days from creation and seven days from expiration
 *   time", and rotating before expiry "requires 'Expiry Time' set on rotation policy".
 * Approximated: an empty string trigger reads as absent (the docs' ARM template sends
 * `"timeBeforeExpiry": ""`); the key's own expiry is not required at PUT (a recorded Rotate
 * before expiry was accepted on a key without `exp`). A key never given a policy answers the
 * default one without `id` or timestamps (the SDK documents those as undefined until a policy is
 * set). Nothing rotates or notifies on its own: the sandbox has no clock that acts.
 */

export type RotationAction = 'Rotate' | 'Notify';

export interface LifetimeAction {
  readonly action: RotationAction;
  /** Exactly one of the two is set. */
  readonly timeAfterCreate?: string;
  readonly timeBeforeExpiry?: string;
}

/** A policy as set on a key. Timestamps in Unix seconds, as the wire carries them. */
export interface RotationPolicy {
  readonly lifetimeActions: readonly LifetimeAction[];
  readonly expiryTime?: string;
  readonly created: number;
  readonly updated: number;
}

/** What the service adds when a policy has no Notify action, and what a key without a policy has. */
const DEFAULT_NOTIFY: LifetimeAction = { action: 'Notify', timeBeforeExpiry: 'P30D' };

const MIN_EXPIRY_DAYS = 28;
const MIN_ROTATION_DAYS = 7;

const emptyAsAbsent = nullish(z.string()).transform((value) => (value === '' ? undefined : value));

const policySchema = z.looseObject({
  lifetimeActions: nullish(
    z.array(
      z.looseObject({
        trigger: z.looseObject({ timeAfterCreate: emptyAsAbsent, timeBeforeExpiry: emptyAsAbsent }),
        action: z.looseObject({ type: z.string() }),
      }),
    ),
  ),
  attributes: nullish(z.looseObject({ expiryTime: emptyAsAbsent })),
});

function days(text: string, what: string): number {
  const value = durationInDays(text);
  if (value === undefined) throw badParameter(`${what} '${text}' is not an ISO 8601 duration such as P90D, P3M, PT48H or P1Y10D.`);
  return value;
}

function actionType(type: string): RotationAction {
  if (/^rotate$/i.test(type)) return 'Rotate';
  if (/^notify$/i.test(type)) return 'Notify';
  throw badParameter(`The lifetime action type '${type}' is not valid: use Rotate or Notify.`);
}

function checkRotation(action: LifetimeAction, expiryDays: number | undefined): void {
  const [field, text] = action.timeAfterCreate !== undefined ? ['timeAfterCreate', action.timeAfterCreate] : ['timeBeforeExpiry', action.timeBeforeExpiry ?? ''];
  const value = days(text, field);
  if (field === 'timeBeforeExpiry' && expiryDays === undefined) {
    throw badParameter('A Rotate action with timeBeforeExpiry requires attributes.expiryTime on the rotation policy.');
  }
  if (value < MIN_ROTATION_DAYS) throw badParameter(`The Rotate action's ${field} '${text}' must be at least ${MIN_ROTATION_DAYS} days.`);
  if (expiryDays !== undefined && value > expiryDays - MIN_ROTATION_DAYS) {
    throw badParameter(`The Rotate action's ${field} '${text}' must leave at least ${MIN_ROTATION_DAYS} days to the key's expiry (expiryTime).`);
  }
}

/** Reads and checks a PUT body; the result is what the key's policy becomes (timestamps aside). */
export function parseRotationPolicy(text: string): Pick<RotationPolicy, 'lifetimeActions' | 'expiryTime'> {
  const body = parseBody(policySchema, text);
  const expiryTime = body.attributes?.expiryTime;
  const expiryDays = expiryTime === undefined ? undefined : days(expiryTime, 'attributes.expiryTime');
  if (expiryDays !== undefined && expiryDays < MIN_EXPIRY_DAYS) {
    throw badParameter(`attributes.expiryTime '${expiryTime}' must be at least ${MIN_EXPIRY_DAYS} days.`);
  }
  const actions: LifetimeAction[] = [];
  for (const entry of body.lifetimeActions ?? []) {
    const action = actionType(entry.action.type);
    const { timeAfterCreate, timeBeforeExpiry } = entry.trigger;
    if ((timeAfterCreate === undefined) === (timeBeforeExpiry === undefined)) {
      throw badParameter(`A ${action} action's trigger needs exactly one of timeAfterCreate and timeBeforeExpiry.`);
    }
    if (actions.some((other) => other.action === action)) throw badParameter(`A rotation policy holds at most one ${action} action.`);
    const parsed: LifetimeAction = { action, ...(timeAfterCreate !== undefined ? { timeAfterCreate } : { timeBeforeExpiry }) };
    if (action === 'Notify') {
      if (timeAfterCreate !== undefined) throw badParameter('A Notify action can only be triggered by timeBeforeExpiry.');
      days(timeBeforeExpiry ?? '', 'timeBeforeExpiry');
    } else {
      checkRotation(parsed, expiryDays);
    }
    actions.push(parsed);
  }
  if (!actions.some((action) => action.action === 'Notify')) actions.push(DEFAULT_NOTIFY);
  return { lifetimeActions: actions, ...(expiryTime !== undefined ? { expiryTime } : {}) };
}

function actionBody(action: LifetimeAction): unknown {
  const trigger = action.timeAfterCreate !== undefined ? { timeAfterCreate: action.timeAfterCreate } : { timeBeforeExpiry: action.timeBeforeExpiry };
  return { trigger, action: { type: action.action } };
}

/** The KeyRotationPolicy as GET and PUT answer it; `undefined` is a key that never had one. */
export function rotationPolicyBody(policy: RotationPolicy | undefined, id: string): unknown {
  if (policy === undefined) return { lifetimeActions: [actionBody(DEFAULT_NOTIFY)], attributes: {} };
  return {
    id,
    lifetimeActions: policy.lifetimeActions.map(actionBody),
    attributes: {
      ...(policy.expiryTime !== undefined ? { expiryTime: policy.expiryTime } : {}),
      created: policy.created,
      updated: policy.updated,
    },
  };
}
