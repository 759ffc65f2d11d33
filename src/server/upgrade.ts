import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { UpgradeConnection } from '../http/upgrade.js';

export type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** The listener's path for one request: what an upgrade request is served by, as any other. */
export type Serve = (req: IncomingMessage, res: ServerResponse, upgrade?: UpgradeConnection) => Promise<void>;

/**
 * node:http's 'upgrade' event, for a listener: the request is served like any other (target
 * normalised, routes, filters), with the connection handed down so that a handler may tunnel it.
 * When none does, the response is written on the socket through a ServerResponse of its own (so
 * that it is written, and access-logged, exactly as any other) and the connection closes: node:http
 * reads nothing more from a socket once it has handed it over.
 */
export function createUpgradeListener(serve: Serve, logger: Logger): UpgradeListener {
  return (req, socket, head) => {
    // node:http takes its own error listener off the sockets it hands over.
    socket.on('error', (error) => logger.debug({ err: error }, 'an upgraded connection failed'));
    const res = new ServerResponse(req);
    res.assignSocket(socket as Socket);
    res.shouldKeepAlive = false;
    const upgrade = new UpgradeConnection(socket, head);
    res.once('finish', () => {
      if (!upgrade.taken) socket.end();
    });
    serve(req, res, upgrade).catch((error: unknown) => {
      logger.error({ code: 'TG_HANDLER_FAILED', err: error }, 'a request failed outside every handler');
      socket.destroy();
    });
  };
}
