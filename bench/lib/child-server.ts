// The child side of the benchmark's servers (backend, minimal proxy): how they listen, tell the
// parent their port, and stop.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Listens on 127.0.0.1:`port` (0: any free port) and prints one JSON line `{"port":N}` once
 * listening; stops when standard input closes (the parent went away) or on SIGTERM/SIGINT.
 */
export function serveAsChild(server: Server, port = 0): void {
  const stop = (): void => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdin.on('end', stop).on('error', stop).resume();
  server.listen(port, '127.0.0.1', () => {
    const { port: listening } = server.address() as AddressInfo;
    process.stdout.write(`${JSON.stringify({ port: listening })}\n`);
  });
}
