/**
 * Structured JSON logging. Secrets and personal data never reach a log line: known paths are
 * redacted by pino, and every string is scrubbed of credential-shaped values (connection
 * strings, SAS signatures, bearer tokens, JWTs, account keys) wherever they hide.
 */
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

const REDACT_PATHS = [
  'password',
  'secret',
  'token',
  'accessToken',
  'connectionString',
  'sasToken',
  'key',
  'accountKey',
  'authorization',
  'headers.authorization',
  'headers["aeg-sas-key"]',
  'headers["x-functions-key"]',
  '*.password',
  '*.secret',
  '*.token',
  '*.accessToken',
  '*.connectionString',
  '*.sasToken',
  '*.accountKey',
  '*.authorization',
  // Personal data ARM puts into event claims.
  'claims',
  '*.claims',
  'upn',
  '*.upn',
  'ipaddr',
  '*.ipaddr',
];

const SECRET_PATTERNS: readonly RegExp[] = [
  /(AccountKey|SharedAccessKey|SharedAccessSignature|Password|ClientSecret)=[^;"'\s]+/gi,
  /([?&](sig|sv|se|sp|skoid|sktid)=)[^&"'\s]+/gi,
  /(Bearer\s+)[A-Za-z0-9\-._~+/]+=*/gi,
  /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g,
  // Base64 storage account keys are 88 characters ending in ==.
  /[A-Za-z0-9+/]{86}==/g,
];

/** Replaces credential-shaped substrings; exported for tests and for error messages shown to users. */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const pattern of SECRET_PATTERNS) {
    out = out.replace(pattern, (match, prefix: unknown) =>
      typeof prefix === 'string' && match.startsWith(prefix) ? `${prefix}[REDACTED]` : '[REDACTED]',
    );
  }
  return out;
}

function scrubValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return scrubSecrets(value);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, depth + 1));
  if (value instanceof Error) return { type: value.name, message: scrubSecrets(value.message) };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubValue(v, depth + 1);
  return out;
}

export interface LogOptions {
  level?: string;
  destination?: DestinationStream;
}

export function createLogger(options: LogOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env['LOG_LEVEL'] ?? 'info',
      base: { service: 'hipaa-remediator' },
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      formatters: {
        log: (object) => scrubValue(object, 0) as Record<string, unknown>,
      },
      hooks: {
        // Messages are strings too: a secret interpolated into a message is still a secret.
        logMethod(args, method) {
          method.apply(
            this,
            args.map((arg) => (typeof arg === 'string' ? scrubSecrets(arg) : arg)) as Parameters<typeof method>,
          );
        },
      },
      serializers: { err: (error: unknown) => scrubValue(error, 0) },
    },
    options.destination ?? pino.destination(2),
  );
}
