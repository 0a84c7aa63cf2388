/** What to do to matching ARM requests instead of serving them. */
export interface FaultSpec {
  /** HTTP method to match (any when absent). */
  method?: string;
  /** Tested against the request path without query (any when absent). */
  pathPattern?: RegExp;
  /** Error status to answer (400-599); 0 means "answer normally" (with `delayMs`: a slow but correct answer). */
  status: number;
  /** ARM error code for the body; defaults by status. */
  code?: string;
  /** `Retry-After` for 429 and 503 (seconds, default 1). */
  retryAfterSeconds?: number;
  /** How many requests the fault hits before it disarms itself (default 1). */
  times?: number;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Drop the connection without an answer. */
  resetConnection?: boolean;
}

/** An armed fault; `remove()` disarms it early. */
export interface FaultHandle {
  remove(): void;
  /** How many requests it has hit so far. */
  readonly hits: number;
}

/** Arms faults the sandbox applies before normal request handling. */
export interface FaultInjector {
  inject(spec: FaultSpec): FaultHandle;
  clear(): void;
}

interface ArmedFault {
  readonly spec: FaultSpec;
  remaining: number;
  hits: number;
}

/** Holds armed faults in arming order; the first one that matches a request takes it. */
export class FaultTable implements FaultInjector {
  private faults: ArmedFault[] = [];

  inject(spec: FaultSpec): FaultHandle {
    if (!Number.isInteger(spec.status) || (spec.status !== 0 && (spec.status < 400 || spec.status > 599))) {
      throw new Error(`Fault status must be 0 (answer normally) or an error status 400-599, got ${spec.status}`);
    }
    const fault: ArmedFault = { spec, remaining: spec.times ?? 1, hits: 0 };
    this.faults.push(fault);
    return {
      remove: () => {
        this.faults = this.faults.filter((candidate) => candidate !== fault);
      },
      get hits() {
        return fault.hits;
      },
    };
  }

  clear(): void {
    this.faults = [];
  }

  /** Finds the fault for a request and counts the hit (disarming it when used up). */
  take(method: string, path: string): FaultSpec | undefined {
    const fault = this.faults.find(
      ({ spec }) =>
        (spec.method === undefined || spec.method.toUpperCase() === method) &&
        (spec.pathPattern === undefined || matches(spec.pathPattern, path)),
    );
    if (fault === undefined) return undefined;
    fault.hits += 1;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults = this.faults.filter((candidate) => candidate !== fault);
    return fault.spec;
  }
}

function matches(pattern: RegExp, path: string): boolean {
  // A global or sticky RegExp keeps lastIndex between calls, which would make matching depend on history.
  pattern.lastIndex = 0;
  return pattern.test(path);
}

const DEFAULT_CODES: Readonly<Record<number, string>> = {
  408: 'RequestTimeout',
  409: 'Conflict',
  429: 'TooManyRequests',
  500: 'InternalServerError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};

export function defaultFaultCode(status: number): string {
  return DEFAULT_CODES[status] ?? 'InjectedFault';
}

export function defaultFaultMessage(status: number): string {
  if (status >= 500) return 'The server encountered an internal error. Please retry the request.';
  return `The sandbox injected a ${status} fault for this request.`;
}
