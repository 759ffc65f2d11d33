import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ProxyServer } from 'http-proxy-3';
import { TollgateError } from '../errors/tollgate-error.js';
import type { Exchange } from '../http/exchange.js';
import { removeHopByHop } from '../http/forwarding.js';
import { Response } from '../http/message.js';
import type { UpgradeConnection } from '../http/upgrade.js';

export interface WebSocketProxyOptions {
  /** How long connecting to the backend may take. */
  readonly connectionTimeoutMs: number;
  /** How long the backend may take to answer the handshake once connected. */
  readonly soTimeoutMs: number;
}

/** What became of one handshake sent to the backend. */
type Outcome =
  | { readonly kind: 'open' }
  /** The backend answered without upgrading; http-proxy-3 has relayed its answer to the client. */
  | { readonly kind: 'answered'; readonly status: number }
  | { readonly kind: 'failed'; readonly error: TollgateError };

/** Hooks for the backend request of one handshake, found again by the request object handed in. */
interface Pending {
  readonly settle: (outcome: Outcome) => void;
  readonly options: WebSocketProxyOptions;
  /** The client's socket: when it closes before the backend answers, the handshake is dropped. */
  readonly client: Duplex;
}

/**
 * Tunnels an upgrade request to its backend with http-proxy-3, after the route's filters have run:
 * the handshake sent is the exchange's request as they left it (URI rebased, headers added or
 * replaced), not the one the client sent. Once the backend answers 101 the bytes flow both ways
 * untouched until either side closes. A backend that cannot be reached, or is too slow, gets the
 * client a coded 502 or 504 on the socket; a backend that answers without upgrading has its answer
 * relayed. One per ReverseProxyHandler with `websocket` enabled.
 */
export class WebSocketProxy {
  readonly #proxy = new ProxyServer();
  readonly #options: WebSocketProxyOptions;
  readonly #pending = new WeakMap<object, Pending>();
  readonly #upstreamError: (exchange: Exchange, error: TollgateError) => void;

  /** `upstreamError` hears of each handshake the backend did not answer (for the metrics). */
  constructor(
    options: WebSocketProxyOptions,
    upstreamError: (exchange: Exchange, error: TollgateError) => void,
  ) {
    this.#options = options;
    this.#upstreamError = upstreamError;
    this.#proxy.on('proxyReqWs', (proxyReq, req) => {
      const pending = this.#pending.get(req);
      if (pending !== undefined) watchHandshake(proxyReq, pending);
    });
    // The proxy emits the client socket's errors (a client that resets) here, and rethrows them
    // from the event handler unless someone else listens: the upgrade listener logs them.
    this.#proxy.on('error', () => undefined);
  }

  /** Takes the upgrade's socket and tunnels it; resolves once the handshake has an outcome. */
  tunnel(exchange: Exchange, upgrade: UpgradeConnection): Promise<Response> {
    const { request } = exchange;
    upgrade.take();
    const headers = request.headers;
    removeHopByHop(headers);
    headers.delete('host');
    headers.set('Upgrade', 'websocket');
    headers.set('Connection', 'Upgrade');
    const outgoing = {
      method: request.method,
      url: request.uri.pathAndQuery,
      headers: nodeHeaders(exchange),
      httpVersion: '1.1',
      httpVersionMajor: 1,
      httpVersionMinor: 1,
    };
    const target = new URL(request.uri.origin);
    return new Promise<Response>((resolve) => {
      let settled = false;
      const settle = (outcome: Outcome): void => {
        if (settled) return;
        settled = true;
        resolve(this.#answer(exchange, upgrade, target, outcome));
      };
      this.#pending.set(outgoing, { settle, options: this.#options, client: upgrade.socket });
      this.#proxy.ws(
        outgoing as unknown as IncomingMessage,
        upgrade.socket,
        upgrade.head,
        // toProxy: the path goes out as the exchange has it, not re-parsed (and re-normalised) by URL.
        { target, prependPath: false, toProxy: true, changeOrigin: true },
        (error) => {
          if (settled) {
            exchange.log.debug({ code: 'TG_WEBSOCKET_FAILED', err: error }, 'a WebSocket tunnel failed');
          } else {
            settle({ kind: 'failed', error: asUpstreamError(error) });
          }
        },
      );
    });
  }

  #answer(exchange: Exchange, upgrade: UpgradeConnection, target: URL, outcome: Outcome): Response {
    switch (outcome.kind) {
      case 'open':
        exchange.log.debug({ upstream: target.origin }, 'a WebSocket tunnel is open');
        return new Response({ status: 101 });
      case 'answered':
        exchange.log.info(
          { code: 'TG_WEBSOCKET_REFUSED', status: outcome.status, upstream: target.origin },
          'the backend answered the WebSocket handshake without upgrading',
        );
        return new Response({ status: outcome.status });
      case 'failed': {
        const { error } = outcome;
        if (error.code === 'TG_CLIENT_GONE') {
          exchange.log.debug({ code: error.code, upstream: target.origin }, error.message);
          return new Response({ status: error.status });
        }
        this.#upstreamError(exchange, error);
        exchange.log.warn({ code: error.code, upstream: target.origin }, error.message);
        // Written here and now: http-proxy-3 closes the socket as soon as the callback returns.
        upgrade.refuse(error.status, error.publicMessage ?? '');
        return new Response({ status: error.status });
      }
    }
  }
}

/** Settles the handshake when the backend upgrades, answers otherwise, or takes too long. */
function watchHandshake(proxyReq: ClientRequest, pending: Pending): void {
  const { settle, client } = pending;
  const fail = (error: TollgateError): void => {
    proxyReq.destroy(error);
  };
  const clientGone = (): void =>
    fail(new TollgateError('TG_CLIENT_GONE', 'the client left during the WebSocket handshake'));
  client.once('close', clientGone);
  const { connectionTimeoutMs, soTimeoutMs } = pending.options;
  if (isTimerDelay(connectionTimeoutMs)) {
    proxyReq.once('socket', (socket: Socket) => {
      if (!socket.connecting) return;
      const timer = setTimeout(
        () =>
          fail(new TollgateError('TG_UPSTREAM_TIMEOUT', `not connected within ${connectionTimeoutMs} ms`)),
        connectionTimeoutMs,
      );
      socket.once('connect', () => clearTimeout(timer));
      socket.once('close', () => clearTimeout(timer));
    });
  }
  if (isTimerDelay(soTimeoutMs)) {
    proxyReq.setTimeout(soTimeoutMs, () =>
      fail(new TollgateError('TG_UPSTREAM_TIMEOUT', `no answer to the handshake within ${soTimeoutMs} ms`)),
    );
  }
  proxyReq.once('upgrade', () => {
    proxyReq.setTimeout(0);
    client.off('close', clientGone);
    settle({ kind: 'open' });
  });
  proxyReq.once('response', (response: IncomingMessage) => {
    proxyReq.setTimeout(0);
    client.off('close', clientGone);
    settle({ kind: 'answered', status: response.statusCode ?? 502 });
  });
}

/** A finite time-out setTimeout can keep (an unlimited one is Infinity, which it would fire at once). */
function isTimerDelay(ms: number): boolean {
  return ms > 0 && ms <= 2 ** 31 - 1;
}

/** The headers as node:http's request has them: lower-case names, a lone value as a string. */
function nodeHeaders(exchange: Exchange): Record<string, string | string[]> {
  const record: Record<string, string | string[]> = Object.create(null);
  for (const [name, values] of exchange.request.headers.entries()) {
    record[name.toLowerCase()] = values.length === 1 ? values[0]! : [...values];
  }
  return record;
}

/** Whether http-proxy-3 tunnels the request: a WebSocket handshake (it drops anything else unanswered). */
export function isWebSocketHandshake(exchange: Exchange): boolean {
  const { request } = exchange;
  const upgrade = request.headers.get('upgrade');
  return (
    request.method === 'GET' && upgrade?.length === 1 && upgrade[0]!.trim().toLowerCase() === 'websocket'
  );
}

/** A failure to reach the backend, as the coded error the client's 502 or 504 tells of. */
function asUpstreamError(error: Error): TollgateError {
  if (error instanceof TollgateError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  return new TollgateError(
    'TG_UPSTREAM_UNREACHABLE',
    `the WebSocket backend cannot be reached${code === undefined ? '' : ` (${code})`}`,
    { cause: error },
  );
}
