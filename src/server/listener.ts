import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { TollgateError } from '../errors/tollgate-error.js';
import { Cancellation } from '../http/cancellation.js';
import { Entity } from '../http/entity.js';
import { Exchange, type Environment } from '../http/exchange.js';
import { removeHopByHop } from '../http/forwarding.js';
import { Headers } from '../http/headers.js';
import { Request, textResponse, type Response } from '../http/message.js';
import { isRefusedTarget, parseRequestTarget } from '../http/request-target.js';
import type { UpgradeConnection } from '../http/upgrade.js';
import { RequestUri } from '../http/uri.js';
import type { AccessEntry, AccessLog } from '../observability/access-log.js';
import { createUpgradeListener, type Serve, type UpgradeListener } from './upgrade.js';

/**
 * The adapter from node:http's request and response to an Exchange and back: one per listener.
 * The request target is normalised first (a target with no single spelling is a 400); a path
 * under the admin prefix goes to the admin endpoints, everything else to `dispatch` (the
 * generation serving). A listener with no prefix (the admin connector) serves only the admin
 * endpoints, at the root. Whatever happens, the request ends on its own connection and never
 * reaches the event loop as an exception.
 */
export type ListenerInit = {
  readonly secure: boolean;
  readonly logger: Logger;
  readonly environment: Environment;
  readonly maxEntityBytes: number;
  /** Where a line per request goes once its response has ended, when the access log is on. */
  readonly accessLog?: AccessLog | undefined;
  /** Answers an admin endpoint: the path below the prefix, and the exchange of the request. */
  readonly admin: (path: string, exchange: Exchange) => Promise<Response>;
} & (
  | {
      /** `/openig/` and the like. */
      readonly adminPrefix: string;
      readonly dispatch: (exchange: Exchange) => Promise<Response>;
    }
  | { readonly adminPrefix: undefined }
);

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** A listener's two entry points: node:http's 'request' and 'upgrade' events. */
export interface Listeners {
  readonly request: RequestListener;
  readonly upgrade: UpgradeListener;
}

export function createRequestListener(init: ListenerInit): RequestListener {
  return createListeners(init).request;
}

export function createListeners(init: ListenerInit): Listeners {
  const { logger, secure, accessLog } = init;
  // What each connection had read when its last response ended: the next request's bytes start there.
  const readBefore = new WeakMap<Socket, number>();
  const serve: Serve = async (req, res, upgrade?: UpgradeConnection): Promise<void> => {
    // Kept: node:http takes the socket off the request and response once the connection closes.
    const connection = req.socket;
    const transactionId = randomUUID();
    const arrival: Arrival | undefined =
      accessLog === undefined
        ? undefined
        : {
            req,
            res,
            socket: connection,
            written: connection.bytesWritten,
            transactionId,
            time: Date.now(),
            started: performance.now(),
          };
    const target = parseRequestTarget(req.url ?? '/');
    if (isRefusedTarget(target)) {
      logger.info(
        { code: 'TG_REQUEST_BAD_TARGET', reason: target.refused, transactionId, route: null },
        'request target refused',
      );
      if (accessLog !== undefined && arrival !== undefined) {
        // No path: a target refused may be anything the client sent, credentials included.
        res.once('close', () => accessLog.write(accessEntry(arrival, readBefore, null, undefined)));
      }
      const error = new TollgateError('TG_REQUEST_BAD_TARGET', target.refused);
      await write(res, textResponse(error.status, error.publicMessage), () => logger);
      return;
    }
    const cancellation = new Cancellation();
    const request = new Request({
      method: req.method ?? 'GET',
      uri: RequestUri.fromRequestTarget(target, secure ? 'https' : 'http', req.headers.host),
      version: `HTTP/${req.httpVersion}`,
      headers: Headers.fromRaw(req.rawHeaders),
      entity: new Entity(hasBody(req) ? req : null),
    });
    const exchange = new Exchange({
      request,
      client: {
        remoteAddress: connection.remoteAddress ?? '',
        remotePort: connection.remotePort ?? 0,
        localAddress: connection.localAddress ?? '',
        localPort: connection.localPort ?? 0,
        isSecure: secure,
        userAgent: req.headers['user-agent'] ?? null,
      },
      log: logger,
      environment: init.environment,
      maxEntityBytes: init.maxEntityBytes,
      cancellation,
      transactionId,
      ...(upgrade === undefined ? {} : { upgrade }),
    });
    res.once('close', () => {
      if (!res.writableFinished) cancellation.cancel(new TollgateError('TG_CLIENT_GONE'));
      if (accessLog !== undefined && arrival !== undefined) {
        accessLog.write(accessEntry(arrival, readBefore, target, exchange));
      }
    });
    let response: Response;
    try {
      if (init.adminPrefix === undefined) response = await init.admin(target.rawPath.slice(1), exchange);
      else if (target.rawPath.startsWith(init.adminPrefix))
        response = await init.admin(target.rawPath.slice(init.adminPrefix.length), exchange);
      else response = await init.dispatch(exchange);
    } catch (error) {
      response = errorResponse(error, exchange);
    }
    if (upgrade?.taken) {
      // A tunnel has the socket (or answered on it): only the access log hears of the status.
      res.statusCode = response.status;
      return;
    }
    // A body refused as too large is left unread, and reading it just to skip it would cost what
    // the limit is there to save: close the connection after this response instead.
    if (request.entity.refused) res.shouldKeepAlive = false;
    await write(res, response, () => exchange.log);
  };
  return {
    request: (req, res) => {
      serve(req, res).catch((error: unknown) => {
        logger.error({ code: 'TG_HANDLER_FAILED', err: error }, 'a request failed outside every handler');
        res.destroy();
      });
    },
    upgrade: createUpgradeListener(serve, logger),
  };
}

/** A request as it arrived, with what its access log line is measured from. */
interface Arrival {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly socket: Socket;
  /** The connection's bytes written before this response. */
  readonly written: number;
  readonly transactionId: string;
  /** Epoch milliseconds. */
  readonly time: number;
  /** performance.now() at arrival. */
  readonly started: number;
}

/**
 * What the access log says of one request whose response has ended (or whose client left). The
 * byte counts are the connection's, since its previous response ended: request line, headers and
 * body in; status line, headers and body out.
 */
function accessEntry(
  arrival: Arrival,
  readBefore: WeakMap<Socket, number>,
  target: { readonly rawPath: string; readonly rawQuery: string | null } | null,
  exchange: Exchange | undefined,
): AccessEntry {
  const { req, res, socket } = arrival;
  const read = socket.bytesRead;
  const bytesIn = read - (readBefore.get(socket) ?? 0);
  readBefore.set(socket, read);
  return {
    time: arrival.time,
    transactionId: arrival.transactionId,
    client: socket.remoteAddress ?? '',
    method: req.method ?? 'GET',
    rawPath: target?.rawPath ?? null,
    rawQuery: target?.rawQuery ?? null,
    route: exchange?.route ?? null,
    status: res.statusCode,
    bytesIn,
    bytesOut: socket.bytesWritten - arrival.written,
    durationMs: performance.now() - arrival.started,
    timing: exchange?.timing,
  };
}

/** CONNECT asks for a tunnel, which the gateway does not make (node:http would drop the socket unanswered). */
export function refuseConnect(_req: IncomingMessage, socket: Duplex): void {
  socket.end('HTTP/1.1 501 Not Implemented\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/** An error that escaped every handler: its status, and only what the catalogue lets clients see. */
function errorResponse(error: unknown, exchange: Exchange): Response {
  if (error instanceof TollgateError) {
    exchange.log.warn({ code: error.code }, error.message);
    return textResponse(error.status, error.publicMessage);
  }
  exchange.log.error({ code: 'TG_HANDLER_FAILED', err: error }, 'a handler failed');
  return textResponse(500);
}

/**
 * Sends the response; resolves when it is complete or the connection is gone. A streamed body is
 * piped by hand: stream.pipeline makes an AbortController (and on completion a DOMException with
 * its stack trace) per response, the largest single cost of a proxied request. `log` is a thunk
 * so the success path never makes the request's child logger.
 */
function write(res: ServerResponse, response: Response, log: () => Logger): Promise<void> {
  removeHopByHop(response.headers);
  const body = response.entity.body;
  if (Buffer.isBuffer(body) && !response.headers.has('content-length')) {
    response.headers.set('Content-Length', String(body.length));
  }
  if (res.destroyed) {
    // The client left while the request was handled: nobody will read the body.
    if (!Buffer.isBuffer(body)) body.destroy();
    return Promise.resolve();
  }
  try {
    res.writeHead(response.status, response.reason, response.headers.toRaw());
  } catch (error) {
    // node:http refused the status line or a header: answer what is certain to be sendable.
    log().error({ code: 'TG_RESPONSE_INVALID', err: error }, 'the response cannot be sent as it is');
    if (!Buffer.isBuffer(body)) body.destroy();
    // The reason phrase is given: the refused call has already set the response's own (or the
    // status's, "OK"), which node would keep, and a refused phrase would make this call throw too.
    res.writeHead(500, 'Internal Server Error', { 'Content-Length': '0' });
    res.end();
    return Promise.resolve();
  }
  if (Buffer.isBuffer(body)) {
    res.end(body);
    return Promise.resolve();
  }
  return new Promise((done) => {
    body.once('error', (error) => {
      // The status line is already sent: all that is left is to cut the connection.
      log().warn({ code: 'TG_UPSTREAM_UNREACHABLE', err: error }, 'the upstream response body failed');
      res.destroy();
    });
    res.once('close', () => {
      if (!res.writableFinished) {
        log().debug(
          { code: 'TG_CLIENT_GONE' },
          'the client closed the connection before the response was complete',
        );
        body.destroy();
      }
      done();
    });
    body.pipe(res);
  });
}
