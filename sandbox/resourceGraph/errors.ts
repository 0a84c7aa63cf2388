import { armTimestamp } from '../armTime.js';

/**
 * Resource Graph's error answers. The body is the spec's `ErrorResponse` (resourcegraph.json
 * 2024-04-01: `error.code`, `error.message`, `error.details[]` of `ErrorDetails`, which allow
 * additional properties). ARG puts a support line in the top-level message and the reason in
 * the details; the codes and messages below marked "seen" are copied from answers of the real
 * service quoted in public issues, the others are the sandbox's approximation in that shape.
 */

/** One entry of `error.details`: `code` and `message`, plus whatever else ARG adds (`line`, `token`). */
export interface ResourceGraphErrorDetail {
  code: string;
  message: string;
  [key: string]: unknown;
}

export interface ResourceGraphErrorBody {
  error: { code: string; message: string; details: ResourceGraphErrorDetail[] };
}

/** An ARG refusal; the handler renders it with the request's correlation id. */
export class ResourceGraphError extends Error {
  override readonly name = 'ResourceGraphError';

  constructor(
    readonly status: number,
    readonly code: string,
    readonly details: readonly ResourceGraphErrorDetail[],
  ) {
    super(details.map((detail) => detail.message).join(' '));
  }

  toBody(correlationId: string, now: Date): ResourceGraphErrorBody {
    return {
      error: {
        code: this.code,
        // Seen: "Please provide below info when asking for support: timestamp = 2020-12-16T16:57:12.4249513Z, correlationId = 6902d332-...."
        message: `Please provide below info when asking for support: timestamp = ${armTimestamp(now)}, correlationId = ${correlationId}.`,
        details: this.details.map((detail) => ({ ...detail })),
      },
    };
  }
}

/** Where a query stopped making sense, in the form ARG's `ParserFailure` detail gives it. */
export interface QueryFailure {
  /** 1-based line of the offending token. */
  readonly line: number;
  /** 0-based position of the token in its line. */
  readonly characterPositionInLine: number;
  /** The offending token as written, `<EOF>` at the end of the text. */
  readonly token: string;
  /** What the sandbox's grammar wanted there. */
  readonly expectedToken: string;
}

/**
 * A query the sandbox does not answer. Seen (Azure/azure-powershell#13762, Azure/aztfexport#485):
 * `BadRequest` with an `InvalidQuery` detail and a `ParserFailure` detail carrying `line`,
 * `characterPositionInLine`, `token` and sometimes `expectedToken`. The sandbox answers every
 * query outside its three shapes this way, also valid KQL it does not model (`| limit 3`): a
 * service that sends another shape must fail loudly here, not get made-up rows.
 */
export function invalidQuery(failure: QueryFailure): ResourceGraphError {
  return new ResourceGraphError(400, 'BadRequest', [
    {
      code: 'InvalidQuery',
      message: 'Query is invalid. Please refer to the documentation for the Azure Resource Graph service and fix the error before retrying.',
    },
    {
      code: 'ParserFailure',
      message: 'ParserFailure',
      line: failure.line,
      characterPositionInLine: failure.characterPositionInLine,
      token: failure.token,
      expectedToken: failure.expectedToken,
    },
  ]);
}

/**
 * Over the user quota. Seen (Azure/azure-cli-extensions#3325): 429 with code `RateLimiting`
 * and one `RateLimiting` detail with this message.
 */
export function rateLimited(): ResourceGraphError {
  return new ResourceGraphError(429, 'RateLimiting', [
    {
      code: 'RateLimiting',
      message:
        'Client application has been throttled and should not attempt to repeat the request until an amount of time has elapsed. Please see https://aka.ms/resourcegraph-throttling for help.',
    },
  ]);
}

/**
 * Management groups the state does not hold. Seen (rubrikinc/rubrik-sizing-scripts#87) for a
 * name that is no valid group id: 400 `BadRequest`, detail `ManagementGroupsContainInvalidIds`.
 * What ARG answers for a well-formed name of a group that does not exist (or the caller cannot
 * read) is not known here; the sandbox answers the same.
 */
export function invalidManagementGroups(names: readonly string[]): ResourceGraphError {
  return new ResourceGraphError(400, 'BadRequest', [
    {
      code: 'ManagementGroupsContainInvalidIds',
      message: `The provided management groups must be valid. Given: ${names.map((name) => `'${name}'`).join(', ')}.`,
    },
  ]);
}

/**
 * Approximated: a request ARG would refuse (or the sandbox does not model) for a reason no
 * public answer shows, as a `BadRequest` with one detail naming it.
 */
export function badRequest(detailCode: string, message: string): ResourceGraphError {
  return new ResourceGraphError(400, 'BadRequest', [{ code: detailCode, message }]);
}
