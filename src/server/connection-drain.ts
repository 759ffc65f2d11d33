import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';

/**
 * How long a connection must have been idle, with no byte read, before the drain closes it. A
 * connection looks idle to the server while the client's next request may already be on the way:
 * a keep-alive client sends it as soon as the previous answer is in, one round trip plus its own
 * delay later. Closing the connection then would lose that request; waiting lets it arrive and be
 * answered with Connection: close.
 */
const SETTLE_MS = 500;
const CHECK_EVERY_MS = 100;
/** setTimeout's longest delay; a longer one fires after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Connection {
  /** Responses neither finished nor abandoned yet: the connection is idle when there is none. */
  readonly open: Set<ServerResponse>;
  /** Handed over by an upgrade request (a WebSocket tunnel, say): busy until it closes. */
  upgraded: boolean;
  /** socket.bytesRead when last seen: a request that has begun to arrive shows there first. */
  bytesRead: number;
  /** When the connection last opened, finished a response or read a byte (performance.now()). */
  lastActive: number;
}

/**
 * Tracks the connections of a gateway's listeners and drains them when the gateway closes. While
 * draining, no connection is accepted and every response is sent with Connection: close (Node then
 * ends its connection), so a client learns it must reconnect before it sends anything more. A
 * connection that stays idle for the settle time is closed; one that carries a request in flight
 * closes after its answer, or when the grace period is over. An upgraded connection (a WebSocket
 * tunnel) has no answer to wait for: it is closed when the grace period is over, unless it ends first.
 */
export class ConnectionDrain {
  readonly #servers: Server[] = [];
  /** Every accepted TCP connection until it closes, TLS handshakes included. */
  readonly #sockets = new Set<Socket>();
  /** The sockets that carry HTTP: for TLS, the decrypted side of the TCP connection. */
  readonly #connections = new Map<Socket, Connection>();
  #draining = false;
  #drained: Promise<number> | undefined;
  #allClosed: (() => void) | undefined;

  /** Tracks `server`'s connections. Call before the server listens and gets its request listener. */
  watch(server: Server): void {
    this.#servers.push(server);
    const secure = server instanceof TlsServer;
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => {
        this.#sockets.delete(socket);
        if (this.#sockets.size === 0) this.#allClosed?.();
      });
      if (!secure) this.#carry(socket);
    });
    if (secure) server.on('secureConnection', (socket: Socket) => this.#carry(socket));
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (this.#draining) res.shouldKeepAlive = false;
      // undici sets req.socket to null once it has forwarded the request body (so that destroying
      // the body leaves the connection alone): keep the socket for the 'close' below.
      const socket = req.socket;
      const connection = this.#connections.get(socket);
      if (connection === undefined) return;
      connection.open.add(res);
      res.once('close', () => {
        connection.open.delete(res);
        connection.bytesRead = socket.bytesRead;
        connection.lastActive = performance.now();
      });
    });
    server.on('upgrade', (req: IncomingMessage) => {
      const connection = this.#connections.get(req.socket);
      if (connection !== undefined) connection.upgraded = true;
    });
  }

  /**
   * Stops accepting connections and closes every one without losing a request that reached it.
   * `gracePeriodMs` bounds how long requests in flight may take (Infinity: no bound); then the
   * connections left are closed. Resolves once none is left, with how many were cut while a
   * response was in progress. Later calls return the same promise.
   */
  drain(gracePeriodMs: number): Promise<number> {
    this.#drained ??= this.#drain(gracePeriodMs);
    return this.#drained;
  }

  #carry(socket: Socket): void {
    this.#connections.set(socket, {
      open: new Set(),
      upgraded: false,
      bytesRead: 0,
      lastActive: performance.now(),
    });
    socket.once('close', () => this.#connections.delete(socket));
  }

  async #drain(gracePeriodMs: number): Promise<number> {
    this.#draining = true;
    // http.Server.close() would also destroy at once every connection that looks idle, racing a
    // request the client may already have sent on it: close only the listening socket.
    for (const server of this.#servers) NetServer.prototype.close.call(server);
    for (const { open } of this.#connections.values()) {
      for (const res of open) if (!res.headersSent) res.shouldKeepAlive = false;
    }
    let cut = 0;
    if (this.#sockets.size > 0) {
      // The timers phase comes before the one that reads sockets: checking from setImmediate sees
      // the bytes that arrived while the event loop was busy, even after a long pause.
      const closeIdle = (): NodeJS.Immediate => setImmediate(() => this.#closeIdle());
      const checks = setInterval(closeIdle, CHECK_EVERY_MS);
      const deadline = Number.isFinite(gracePeriodMs)
        ? setTimeout(() => (cut = this.#closeAll()), Math.min(gracePeriodMs, MAX_TIMER_MS))
        : undefined;
      closeIdle();
      await new Promise<void>((done) => (this.#allClosed = done));
      clearInterval(checks);
      clearTimeout(deadline);
    }
    // Ends Node's own periodic request-timeout check, whose timer would keep each server, and all
    // that its listeners reach, from being collected. No listener or connection is left to close.
    for (const server of this.#servers) server.close();
    return cut;
  }

  #closeIdle(): void {
    const now = performance.now();
    for (const [socket, connection] of this.#connections) {
      if (socket.bytesRead !== connection.bytesRead) {
        connection.bytesRead = socket.bytesRead;
        connection.lastActive = now;
      } else if (
        connection.open.size === 0 &&
        !connection.upgraded &&
        now - connection.lastActive >= SETTLE_MS
      ) {
        socket.destroy();
      }
    }
  }

  /** Closes every connection left; returns how many had a response in progress. */
  #closeAll(): number {
    let busy = 0;
    for (const [socket, connection] of this.#connections) {
      if (connection.open.size > 0 || connection.upgraded) busy++;
      socket.destroy();
    }
    for (const socket of this.#sockets) socket.destroy();
    return busy;
  }
}
