import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * The connection of an HTTP/1.1 upgrade request (a WebSocket handshake), as the listener hands
 * it down with the exchange. The request runs through the routes and filters like any other; a
 * handler that tunnels it takes the socket, and the listener then writes nothing on it. Left
 * untaken, the listener writes the response the handlers gave and closes the connection.
 */
export class UpgradeConnection {
  readonly socket: Duplex;
  /** What node:http had read past the request's head: the first bytes of the upgraded protocol. */
  readonly head: Buffer;
  #taken = false;

  constructor(socket: Duplex, head: Buffer) {
    this.socket = socket;
    this.head = head;
  }

  get taken(): boolean {
    return this.#taken;
  }

  /** Claims the socket for a tunnel: from now on only the taker writes on it and closes it. */
  take(): void {
    this.#taken = true;
  }

  /**
   * Answers on a taken socket with a short text response and closes it, now: for a tunnel that
   * failed before its handshake was answered, when the socket is the only way back to the client.
   */
  refuse(status: number, text: string): void {
    const body = Buffer.from(text, 'utf8');
    const head =
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\n` +
      'Connection: close\r\n\r\n';
    if (this.socket.writable) this.socket.end(Buffer.concat([Buffer.from(head, 'latin1'), body]));
  }
}
