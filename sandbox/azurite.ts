/**
 * A real Azurite blob or table service for adapter tests and benchmarks: one process per call,
 * on a free loopback port, with its workspace in a fresh temp dir. Tests talk to it with the real
 * @azure/storage-blob and @azure/data-tables clients, so error codes and conditional-request
 * semantics are the emulator's, not ours.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Azurite's well-known development account (public, documented by Microsoft; not a secret). */
export const AZURITE_ACCOUNT_NAME = 'devstoreaccount1';
/** Key of {@link AZURITE_ACCOUNT_NAME}, equally public. */
export const AZURITE_ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export type AzuriteService = 'blob' | 'table';

/** What every running Azurite service offers, whichever service it is. */
export interface AzuriteProcess {
  service: AzuriteService;
  /** `http://127.0.0.1:<port>/devstoreaccount1`: the endpoint of the one service this process runs. */
  endpoint: string;
  /** Names only the running service's endpoint (`BlobEndpoint=` or `TableEndpoint=`). */
  connectionString: string;
  accountName: string;
  accountKey: string;
  /** Ends Azurite gracefully (SIGKILL if it lingers) and removes its workspace. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILLs Azurite, e.g. to simulate the audit backend dying mid-batch; the workspace stays for stop(). */
  kill(): Promise<void>;
}

/** A running Azurite blob service. */
export interface Azurite extends AzuriteProcess {
  service: 'blob';
  /** Same as `endpoint` (kept for the blob tests' readability). */
  blobEndpoint: string;
}

/** A running Azurite table service. */
export interface AzuriteTable extends AzuriteProcess {
  service: 'table';
  /** Same as `endpoint`: `http://127.0.0.1:<port>/devstoreaccount1`. */
  tableEndpoint: string;
}

/** Azurite is a devDependency: found in the nearest node_modules above this file (source or dist/). */
function findAzuriteBin(service: AzuriteService): string {
  const bin = `azurite-${service}`;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'node_modules', '.bin', bin);
    if (existsSync(candidate)) return candidate;
    const parent = resolve(dir, '..');
    if (parent === dir) return join(process.cwd(), 'node_modules', '.bin', bin);
    dir = parent;
  }
}
const READY_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 3_000;
// The free-port probe can race another process grabbing the same port before Azurite binds it.
const PORT_ATTEMPTS = 3;

// Children still alive; killed synchronously when this process exits normally, so a test that
// forgets stop() leaks nothing. Signals and SIGKILL skip 'exit' handlers: BOOTSTRAP covers those.
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * Runs Azurite's bin inside a node that also watches its stdin, a pipe whose other end only
 * this (parent) process holds. The OS closes that pipe however the parent dies (vitest
 * terminating its worker with a signal, SIGKILL, a crash), so Azurite then removes its
 * workspace and exits instead of lingering. Loading the bin in-process keeps the child's pid
 * Azurite's own, so kill() hits the emulator and not a wrapper; stdin is unref'd so it does not
 * keep Azurite alive after a graceful SIGTERM shutdown.
 */
const BOOTSTRAP = `
const { rmSync } = require('node:fs');
const location = process.argv[process.argv.indexOf('--location') + 1];
const orphaned = () => {
  try { rmSync(location, { recursive: true, force: true }); } finally { process.exit(0); }
};
process.stdin.on('end', orphaned).on('error', orphaned).resume();
process.stdin.unref();
require(process.argv[1]);
`;

/** Starts one Azurite service (blob by default) and resolves once its port accepts TCP connections. */
export function startAzurite(service?: 'blob'): Promise<Azurite>;
/** Starts Azurite's table service (the `azurite-table` bin) on its own free port. */
export function startAzurite(service: 'table'): Promise<AzuriteTable>;
export async function startAzurite(service: AzuriteService = 'blob'): Promise<Azurite | AzuriteTable> {
  const location = await mkdtemp(join(tmpdir(), 'hipaa-azurite-'));
  try {
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const started = await spawnAzurite(port, location, service);
      if (started.ok) return handle(started.child, port, location, service);
      if (!started.addressInUse || attempt >= PORT_ATTEMPTS) throw new Error(started.message);
    }
  } catch (error) {
    await rm(location, { recursive: true, force: true });
    throw error;
  }
}

function handle(child: ChildProcess, port: number, location: string, service: AzuriteService): Azurite | AzuriteTable {
  const endpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT_NAME}`;
  const common = processHandle(child, location);
  const credentials = `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT_NAME};AccountKey=${AZURITE_ACCOUNT_KEY};`;
  return service === 'blob'
    ? { ...common, service, endpoint, blobEndpoint: endpoint, connectionString: `${credentials}BlobEndpoint=${endpoint};` }
    : { ...common, service, endpoint, tableEndpoint: endpoint, connectionString: `${credentials}TableEndpoint=${endpoint};` };
}

function processHandle(child: ChildProcess, location: string): Pick<AzuriteProcess, 'accountName' | 'accountKey' | 'kill' | 'stop'> {
  let stopped: Promise<void> | undefined;
  return {
    accountName: AZURITE_ACCOUNT_NAME,
    accountKey: AZURITE_ACCOUNT_KEY,
    async kill() {
      await terminate(child, 'SIGKILL', 0);
    },
    stop() {
      stopped ??= (async () => {
        await terminate(child, 'SIGTERM', STOP_GRACE_MS);
        await rm(location, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

type Started =
  | { ok: true; child: ChildProcess }
  | { ok: false; addressInUse: boolean; message: string };

async function spawnAzurite(port: number, location: string, service: AzuriteService): Promise<Started> {
  const bin = findAzuriteBin(service);
  const args = [
    realpathSync(bin),
    `--${service}Host`, '127.0.0.1',
    `--${service}Port`, String(port),
    '--location', location,
    '--silent',
    // The SDK sends a newer x-ms-version than Azurite 3.35 knows; it would answer 400 otherwise.
    '--skipApiVersionCheck',
    '--loose',
    // Tests must not phone home (Azurite sends start/stop events to Application Insights by default).
    '--disableTelemetry',
  ];
  // argv becomes [node, <bin>, ...flags], exactly what the bin would see when run directly.
  const child = spawn(process.execPath, ['-e', BOOTSTRAP, ...args], { stdio: ['pipe', 'ignore', 'pipe'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  // A forgotten stop() must not keep the test worker alive; the 'exit' handler then reaps Azurite.
  child.unref();
  (child.stdin as Socket | null)?.unref();
  (child.stderr as Socket | null)?.unref();
  // 'close' comes after stderr has drained, so a start-up failure reports Azurite's last words.
  const closed = new Promise<void>((resolveClosed) => child.once('close', () => resolveClosed()));
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    // Bounded: only the start-up diagnosis needs it.
    if (stderr.length < 16_384) stderr += chunk;
  });

  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (spawnError !== undefined) {
      return { ok: false, addressInUse: false, message: `could not start Azurite (${bin}): ${spawnError.message}` };
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      await closed;
      return {
        ok: false,
        addressInUse: stderr.includes('EADDRINUSE'),
        message: `Azurite exited before listening on 127.0.0.1:${port} (code ${child.exitCode}, signal ${child.signalCode}); stderr:\n${stderr}`,
      };
    }
    if (await accepts(port)) return { ok: true, child };
    await sleep(50);
  }
  await terminate(child, 'SIGKILL', 0);
  return {
    ok: false,
    addressInUse: false,
    message: `Azurite did not accept connections on 127.0.0.1:${port} within ${READY_TIMEOUT_MS} ms; stderr:\n${stderr}`,
  };
}

/** Sends `signal`, waits up to `graceMs` for exit, then SIGKILLs; resolves once the process is gone. */
async function terminate(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  child.kill(signal);
  // This timer (not the unref'd child) keeps the event loop alive while stop() waits.
  const escalate = signal === 'SIGKILL' ? undefined : setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(escalate);
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not determine a free port'));
        return;
      }
      server.close(() => resolvePort(address.port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolveAccepts) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(1_000);
    const done = (ok: boolean) => {
      socket.destroy();
      resolveAccepts(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
