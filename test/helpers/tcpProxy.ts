/**
 * A TCP relay in front of a local server, for faults only the network can make: cut a backend
 * off (connections reset, new ones refused) while it keeps its data for inspection, or lose one
 * response after the server committed the request (the only way to make a real SDK retry a
 * write that already succeeded).
 */
import { createConnection, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  port: number;
  /** The upstream endpoint URL with this proxy's host and port instead. */
  endpointFor(upstream: string): string;
  /** Resets every open connection and refuses new ones from now on. */
  cut(): void;
  /** The next request whose head matches reaches the server, but its response is cut off. */
  dropNextResponse(matches: (requestHead: string) => boolean): void;
  droppedResponses(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let refusing = false;
  let armed: ((head: string) => boolean) | undefined;
  let dropped = 0;
  const server = createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    sockets.add(client).add(upstream);
    let dropResponse = false;
    const cut = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      // A keep-alive connection carries one request at a time, and each starts a fresh chunk.
      if (armed !== undefined && armed(chunk.toString('latin1'))) {
        armed = undefined;
        dropResponse = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (dropResponse) {
        dropped += 1;
        cut();
        return;
      }
      client.write(chunk);
    });
    for (const [socket, other] of [[client, upstream], [upstream, client]] as const) {
      socket.on('close', () => {
        other.destroy();
        sockets.delete(socket);
      });
      socket.on('error', cut);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    endpointFor(upstream) {
      const url = new URL(upstream);
      return `http://127.0.0.1:${port}${url.pathname}`;
    },
    cut() {
      refusing = true;
      for (const socket of sockets) socket.resetAndDestroy();
    },
    dropNextResponse(matches) {
      armed = matches;
    },
    droppedResponses: () => dropped,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
