import type { Logger } from 'pino';
import { elGet, isElReadable, type ElReadable } from '../el/host.js';
import { TollgateError } from '../errors/tollgate-error.js';
import { Cancellation } from './cancellation.js';
import type { Request, Response } from './message.js';
import type { Session } from './session.js';
import type { UpgradeConnection } from './upgrade.js';
import { RequestUri } from './uri.js';

export interface ClientContext {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  readonly isSecure: boolean;
  readonly userAgent: string | null;
}

/** Read-only views of the process environment, shared by every exchange of a gateway. */
export interface Environment {
  readonly env: Readonly<Record<string, string>>;
  readonly system: Readonly<Record<string, string>>;
}

/**
 * Where one request's time went, in milliseconds, for the access log: summed over the calls made,
 * undefined when none was. A plain record, written by the handlers and filters that make the calls.
 */
export class ExchangeTiming {
  /** Until each upstream response's headers arrived, over the calls a proxying handler made. */
  upstreamMs: number | undefined = undefined;
  /** Spent getting tokens by exchange, cache hits included. */
  tokenExchangeMs: number | undefined = undefined;
  /** Where the last exchanged token came from: `exchanged`, `cached`, `shared` (a call in flight)… */
  tokenExchangeSource: string | undefined = undefined;

  addUpstream(ms: number): void {
    this.upstreamMs = (this.upstreamMs ?? 0) + ms;
  }

  addTokenExchange(ms: number, source: string): void {
    this.tokenExchangeMs = (this.tokenExchangeMs ?? 0) + ms;
    this.tokenExchangeSource = source;
  }
}

/**
 * PingGateway's UriRouterContext as its HTTP server makes it for every request: nothing matched yet
 * (the gateway is served at the root), the whole raw path remaining, and a copy of the URI as
 * received, which a later rebase of the request does not change.
 */
function rootRouterContext(uri: RequestUri): Readonly<Record<string, unknown>> {
  const { scheme, host, port, rawPath, rawQuery, rawFragment, rawUserInfo } = uri;
  return Object.freeze({
    originalUri: new RequestUri({ scheme, host, port, rawPath, rawQuery, rawFragment, rawUserInfo }),
    baseUri: '',
    matchedUri: '',
    remainingUri: rawPath,
    uriTemplateVariables: NO_VARIABLES,
  });
}

const NO_VARIABLES: Readonly<Record<string, string>> = Object.freeze({});

/**
 * `context`, PingGateway's leaf context: the contexts in the order they were added, the last one
 * first, each with its `name` and its `parent`, the one added before it (the root's is null).
 */
function contextChain(contexts: Readonly<Record<string, unknown>>): unknown {
  let chain: unknown = null;
  for (const [name, value] of Object.entries(contexts)) {
    const own = typeof value === 'object' && value !== null && !isElReadable(value) ? value : {};
    chain = Object.freeze({ ...own, name, parent: chain });
  }
  return chain;
}

interface Shared {
  readonly contexts: Record<string, unknown>;
  readonly attributes: Record<string, unknown>;
  readonly logger: Logger;
  readonly environment: Environment;
  readonly maxEntityBytes: number;
  readonly transactionId: string;
  readonly originalHost: string;
  subTransactions: number;
  /** The name of the route answering, once a Router has chosen one. */
  route: string | null;
  /** The session of the route or gateway answering; sub-exchanges share it. */
  session: Session | undefined;
}

/**
 * One request's journey through the gateway: the request, the response once there is one, the
 * contexts filters add (`contexts.oauth2TokenExchange`, …) and the attributes map. It is also the
 * root scope expressions are evaluated against.
 */
export class Exchange implements ElReadable {
  request: Request;
  response: Response | undefined;
  /** Fires when the client goes away (or a sub-exchange's time-out passes), so upstream calls stop. */
  readonly cancellation: Cancellation;
  /** This exchange's own calls: a sub-exchange's are not the client request's. */
  readonly timing = new ExchangeTiming();
  /** The connection of an upgrade request (a WebSocket handshake); undefined for every other request. */
  readonly upgrade: UpgradeConnection | undefined;
  #shared: Shared;
  /** A sub-exchange's time-out timer and its link to the parent's cancellation. */
  #release: (() => void) | undefined;
  #log: Logger | undefined;

  constructor(init: {
    request: Request;
    client: ClientContext;
    log: Logger;
    environment: Environment;
    maxEntityBytes: number;
    cancellation: Cancellation;
    transactionId: string;
    upgrade?: UpgradeConnection;
  }) {
    this.request = init.request;
    this.response = undefined;
    this.cancellation = init.cancellation;
    this.upgrade = init.upgrade;
    const attributes: Record<string, unknown> = Object.create(null);
    const contexts: Record<string, unknown> = Object.create(null);
    contexts.attributes = Object.freeze({ attributes });
    contexts.client = init.client;
    contexts.transactionId = Object.freeze({ transactionId: Object.freeze({ value: init.transactionId }) });
    contexts.router = rootRouterContext(init.request.uri);
    this.#shared = {
      contexts,
      attributes,
      logger: init.log,
      environment: init.environment,
      maxEntityBytes: init.maxEntityBytes,
      transactionId: init.transactionId,
      originalHost: init.request.uri.rawAuthority,
      subTransactions: 0,
      route: null,
      session: undefined,
    };
  }

  /**
   * An exchange for a call the gateway makes itself (to an authorization server, say) through a
   * handler chain: its own request, the same contexts, attributes and transaction, and a
   * cancellation that also fires after `timeoutMs`. A `detached` call ignores this client's
   * disconnect: it serves other requests too (a single-flight exchange), so only its time-out may
   * stop it. `end()` it when the call is over, so its timer and parent link go.
   */
  subExchange(request: Request, timeoutMs?: number, options: { detached?: boolean } = {}): Exchange {
    const shared = this.#shared;
    const cancellation = new Cancellation();
    const sub = new Exchange({
      request,
      client: shared.contexts.client as ClientContext,
      log: shared.logger,
      environment: shared.environment,
      maxEntityBytes: shared.maxEntityBytes,
      cancellation,
      transactionId: shared.transactionId,
    });
    sub.#shared = shared;
    const parent = options.detached ? undefined : this.cancellation;
    const forward = (reason: Error): void => cancellation.cancel(reason);
    if (parent?.reason !== undefined) cancellation.cancel(parent.reason);
    else parent?.onCancel(forward);
    const stopTimer =
      timeoutMs === undefined
        ? undefined
        : cancellation.cancelAfter(
            timeoutMs,
            () => new TollgateError('TG_UPSTREAM_TIMEOUT', `no answer within ${timeoutMs} ms`),
          );
    sub.#release = () => {
      stopTimer?.();
      parent?.offCancel(forward);
    };
    return sub;
  }

  /** Ends a sub-exchange's time-out and its link to the parent; nothing for a client's exchange. */
  end(): void {
    this.#release?.();
    this.#release = undefined;
  }

  get contexts(): Record<string, unknown> {
    return this.#shared.contexts;
  }

  get attributes(): Record<string, unknown> {
    return this.#shared.attributes;
  }

  get environment(): Environment {
    return this.#shared.environment;
  }

  /** Largest body an expression may make the gateway buffer. */
  get maxEntityBytes(): number {
    return this.#shared.maxEntityBytes;
  }

  /** The Host the client asked for, before any rebase: for X-Forwarded-Host. */
  get originalHost(): string {
    return this.#shared.originalHost;
  }

  /**
   * The session expressions see as `session`: set by the session manager of the route or gateway
   * the request is in, undefined outside of them.
   */
  get session(): Session | undefined {
    return this.#shared.session;
  }

  set session(session: Session | undefined) {
    this.#shared.session = session;
  }

  get transactionId(): string {
    return this.#shared.transactionId;
  }

  /** The route answering the request (the innermost Router's choice), null before one is chosen. */
  get route(): string | null {
    return this.#shared.route;
  }

  /**
   * Records the route a Router hands the request to: in `contexts.router` beside the URIs (which
   * PingGateway's Router leaves as they are), and on every log line from now on.
   */
  enterRoute(name: string, id: string): void {
    const contexts = this.#shared.contexts;
    contexts.router = Object.freeze({ ...(contexts.router as object), route: name, routeId: id });
    this.#shared.route = name;
    this.#log = undefined;
  }

  /**
   * A logger bound to this request's transaction id and route, made on first use: the success
   * path logs nothing.
   */
  get log(): Logger {
    this.#log ??= this.#shared.logger.child({
      transactionId: this.#shared.transactionId,
      route: this.#shared.route,
    });
    return this.#log;
  }

  /** The id sent upstream with each outbound call: the transaction id plus a counter. */
  nextSubTransactionId(): string {
    return `${this.#shared.transactionId}/${this.#shared.subTransactions++}`;
  }

  [elGet](name: string): unknown {
    switch (name) {
      case 'request':
        return this.request;
      case 'response':
        return this.response;
      case 'contexts':
        return this.contexts;
      case 'attributes':
        return this.attributes;
      case 'context':
        return contextChain(this.contexts);
      case 'env':
        return this.environment.env;
      case 'system':
        return this.environment.system;
      case 'session':
        return this.session;
      default:
        return undefined;
    }
  }
}
