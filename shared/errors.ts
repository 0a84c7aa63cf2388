/**
 * Every failure is either transient (retry; the invocation fails so Event Grid redelivers)
 * or permanent (audited, not retried). Nothing in between: a swallowed error is a silent
 * compliance gap.
 */
import { isRestError } from '@azure/core-rest-pipeline';

export class TransientError extends Error {
  override readonly name = 'TransientError';
  readonly transient = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class PermanentError extends Error {
  override readonly name = 'PermanentError';
  readonly transient = false;
  constructor(
    message: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The resource named by the event does not exist (any more): nothing to evaluate. */
export class ResourceGoneError extends PermanentError {
  constructor(resourceId: string, options?: { cause?: unknown }) {
    super(`resource not found: ${resourceId}`, 'ResourceNotFound', options);
  }
}

/** The resource changed between read and write (412): re-read and decide again. */
export class ConcurrentChangeError extends TransientError {}

const TRANSIENT_STATUS = new Set([408, 409, 429, 500, 502, 503, 504]);

/** Maps an SDK (RestError) or network failure to our two kinds. */
export function classifyArmError(error: unknown, resourceId: string): TransientError | PermanentError {
  if (error instanceof TransientError || error instanceof PermanentError) return error;
  if (isRestError(error)) {
    const status = error.statusCode;
    const code = error.code ?? (status === undefined ? 'NetworkError' : `Http${status}`);
    if (status === undefined) return new TransientError(`ARM request failed (${code}): ${error.message}`, { cause: error });
    if (status === 404) return new ResourceGoneError(resourceId, { cause: error });
    if (status === 412) return new ConcurrentChangeError(`resource changed concurrently (412): ${resourceId}`, { cause: error });
    if (TRANSIENT_STATUS.has(status)) return new TransientError(`ARM answered ${status} ${code}`, { cause: error });
    return new PermanentError(`ARM answered ${status} ${code}: ${firstLine(error.message)}`, code, { cause: error });
  }
  if (error instanceof Error && error.name === 'AbortError') {
    return new TransientError('ARM retry budget exhausted', { cause: error });
  }
  // Not an SDK error: a defect, not weather. Redelivering would only repeat it.
  const message = error instanceof Error ? error.message : String(error);
  return new PermanentError(`internal error: ${message}`, 'InternalError', { cause: error });
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? '').slice(0, 300);
}
