/**
 * Runs the embedded sandbox for one CLI command: the local ARM the real SDK clients talk to
 * when no Azure subscription is configured.
 */
import { loadSandboxState, saveSandboxState, startSandbox, type Sandbox, type SandboxState } from '../sandbox/index.js';
import type { ArmConnection } from '../shared/arm/gateway.js';
import { sandboxConnection } from '../shared/arm/sandboxConnection.js';
import { UsageError } from './usage.js';

export { SANDBOX_SERVICE_IDENTITY } from '../shared/arm/sandboxConnection.js';

export async function readStateFile(path: string): Promise<SandboxState> {
  try {
    return await loadSandboxState(path);
  } catch (error) {
    throw new UsageError(`sandbox state ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export interface SandboxSession {
  sandbox: Sandbox;
  connection: ArmConnection;
  subscriptions: ReadonlySet<string>;
  save(path: string): Promise<void>;
  close(): Promise<void>;
}

export async function openSandbox(state: SandboxState, options: { eventBatchWindowMs?: number } = {}): Promise<SandboxSession> {
  const sandbox = await startSandbox({ state, ...options });
  const subscriptions = new Set<string>(state.resources.map((r) => (r.id.split('/')[2] ?? '').toLowerCase()).filter((s) => s.length > 0));
  return {
    sandbox,
    connection: sandboxConnection(sandbox.url, sandbox.ca),
    subscriptions,
    save: (path) => saveSandboxState(path, sandbox.snapshot()),
    close: () => sandbox.close(),
  };
}
