import type { AddressInfo, Server } from 'node:net';

/** Listens on a free loopback port and returns `https://127.0.0.1:<port>` (every sandbox listener is TLS). */
export async function listenOnLoopback(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * Sleeps a delay fault can be woken from: closing a listener must not wait for a slow answer
 * it has stopped caring about.
 */
export class Delays {
  private readonly pending = new Set<() => void>();

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.pending.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.pending.add(wake);
    });
  }

  /** Ends every sleep now. */
  wakeAll(): void {
    for (const wake of this.pending) wake();
  }
}
