import {
  conditionSchema,
  durationSchema,
  objectSchema,
  referenceSchema,
  type JsonSchema,
} from '../config/schema.js';
import { parseDuration } from '../config/duration.js';
import {
  childPlace,
  configError,
  ConfigErrors,
  TollgateError,
  type Place,
} from '../errors/tollgate-error.js';
import { CircuitBreaker } from '../http/circuit-breaker.js';
import { HttpClient, type HttpClientOptions, type UpstreamSetup } from '../http/client.js';
import { conditionHolds } from '../http/entity-loading.js';
import type { Exchange } from '../http/exchange.js';
import type { Request, Response } from '../http/message.js';
import { isTransportFailure, RetryPolicy } from '../http/retries.js';
import { defineType, type CreateContext, type Handler } from '../heap/types.js';
import { routeLabel } from '../observability/metrics.js';
import {
  hostnameVerifierSchema,
  identityCheck,
  withHostnameVerifier,
  type ClientTls,
  type HostnameVerifier,
} from '../services/client-tls-options.js';
import {
  customProxy,
  customProxySchema,
  systemProxy,
  type CustomProxyConfig,
  type ProxyChoice,
} from '../services/proxy-options.js';

export interface ClientHandlerConfig {
  connections?: number;
  connectionTimeout?: string | number;
  soTimeout?: string | number;
  connectionTimeToLive?: string | number;
  disableReuseConnection?: boolean | string;
  protocolVersion?: string;
  tls?: unknown;
  hostnameVerifier?: HostnameVerifier;
  proxyOptions?: unknown;
  proxy?: CustomProxyConfig;
  systemProxy?: boolean | string;
  retries?: RetriesConfig;
  circuitBreaker?: CircuitBreakerConfig;
}

interface RetriesConfig {
  enabled?: boolean | string;
  condition?: unknown;
  count?: number;
  delay?: string | number;
}

interface CircuitBreakerConfig {
  enabled?: boolean | string;
  maxFailures: number;
  openDuration: string | number;
  openHandler?: unknown;
  slidingCounter?: { size?: number };
}

const flagSchema: JsonSchema = { type: ['boolean', 'string'] };

export const clientHandlerSchema: JsonSchema = objectSchema({
  connections: { type: 'integer', minimum: 1, default: 64 },
  connectionTimeout: durationSchema,
  soTimeout: durationSchema,
  connectionTimeToLive: durationSchema,
  disableReuseConnection: flagSchema,
  protocolVersion: { enum: ['HTTP/1.1', 'HTTP/2'] },
  tls: referenceSchema,
  hostnameVerifier: hostnameVerifierSchema,
  proxyOptions: referenceSchema,
  proxy: customProxySchema,
  systemProxy: flagSchema,
  retries: objectSchema({
    enabled: flagSchema,
    condition: conditionSchema,
    executor: referenceSchema,
    count: { type: 'integer', minimum: 0, default: 5 },
    delay: durationSchema,
  }),
  circuitBreaker: objectSchema(
    {
      enabled: flagSchema,
      maxFailures: { type: 'integer', minimum: 1 },
      openDuration: durationSchema,
      openHandler: referenceSchema,
      slidingCounter: objectSchema({ size: { type: 'integer', minimum: 1, default: 100 } }),
      executor: referenceSchema,
    },
    ['maxFailures', 'openDuration'],
  ),
  vertx: {},
  numberOfWorkers: {},
  asyncBehavior: {},
  stateTrackingEnabled: {},
  waitQueueSize: {},
  http2PriorKnowledge: {},
  propagateDisconnection: {},
  temporaryStorage: {},
  connectionShutdownGracePeriod: {},
  disableRetries: {},
});

/** The keys of ClientHandler, ReverseProxyHandler and ForgeRockClientHandler that cannot apply on Node. */
export const clientHandlerIgnoredKeys: Readonly<Record<string, string>> = Object.freeze({
  vertx: 'there is no Vert.x: connections are undici pools on the event loop',
  numberOfWorkers: 'Node runs one event loop, with no worker pool to size',
  asyncBehavior: 'bodies are always streamed',
  stateTrackingEnabled: 'undici keeps no per-user connection state to track',
  waitQueueSize: 'undici queues requests for a busy pool without a bound of its own',
  http2PriorKnowledge: 'undici speaks HTTP/2 only when TLS ALPN agrees to it, never in clear text',
  propagateDisconnection: 'an upstream call is always abandoned when its client goes away',
  temporaryStorage: 'bodies are streamed, never kept in temporary storage',
  connectionShutdownGracePeriod: 'a stopped handler lets its requests in flight finish, however long',
  disableRetries: 'undici never retries a request on its own; see retries',
  'retries.executor': 'retries are timed on the event loop, with no executor to choose',
  'circuitBreaker.executor': 'the circuit is timed on the event loop, with no executor to choose',
});

/** A boolean setting that may be a configuration expression. */
function flag(context: CreateContext, value: unknown, fallback: boolean, place: Place): boolean {
  if (value === undefined) return fallback;
  const evaluated = typeof value === 'string' ? context.configValue(value, place) : value;
  if (evaluated === true || evaluated === 'true') return true;
  if (evaluated === false || evaluated === 'false') return false;
  throw new ConfigErrors([configError('TG_CONFIG_BAD_VALUE', place, 'expected true or false')]);
}

function proxyChoice(config: ClientHandlerConfig, context: CreateContext): ProxyChoice {
  const at = (key: string): Place => childPlace(context.place, key);
  const given = (['proxyOptions', 'proxy', 'systemProxy'] as const).filter(
    (key) => config[key] !== undefined,
  );
  if (given.length > 1) {
    throw new ConfigErrors([
      configError('TG_CONFIG_BAD_VALUE', at(given[1]!), `use either ${given.join(' or ')}`),
    ]);
  }
  if (config.proxy !== undefined) {
    return customProxy(config.proxy, { ...context, place: at('proxy') });
  }
  if (config.systemProxy !== undefined) {
    return flag(context, config.systemProxy, false, at('systemProxy'))
      ? systemProxy
      : context.resolve<ProxyChoice>('ProxyOptions', 'ProxyOptions', at('systemProxy'));
  }
  // PingGateway's default is the heap object named ProxyOptions, which a config may replace.
  return context.resolve<ProxyChoice>(
    config.proxyOptions ?? 'ProxyOptions',
    'ProxyOptions',
    at('proxyOptions'),
  );
}

function clientTls(config: ClientHandlerConfig, context: CreateContext): ClientTls | undefined {
  const tls = context.resolveOptional<ClientTls>(config.tls, 'TlsOptions', childPlace(context.place, 'tls'));
  const verifier = config.hostnameVerifier;
  if (verifier === undefined) return tls;
  if (tls !== undefined) return withHostnameVerifier(tls, verifier);
  return { load: () => Promise.resolve({ checkServerIdentity: identityCheck(verifier) }) };
}

function retryPolicy(config: ClientHandlerConfig, context: CreateContext): RetryPolicy | undefined {
  const retries = config.retries;
  const place = childPlace(context.place, 'retries');
  if (retries === undefined || !flag(context, retries.enabled, true, childPlace(place, 'enabled')))
    return undefined;
  const condition =
    retries.condition === undefined
      ? undefined
      : context.condition(retries.condition, childPlace(place, 'condition'));
  return new RetryPolicy({
    count: retries.count ?? 5,
    delayMs: parseDuration(retries.delay ?? '10 ms', childPlace(place, 'delay')),
    ...(condition === undefined
      ? {}
      : {
          retryResponse: async (response: Response, exchange: Exchange): Promise<boolean> => {
            const current = exchange.response;
            exchange.response = response;
            try {
              return await conditionHolds(exchange, condition);
            } finally {
              exchange.response = current;
            }
          },
        }),
  });
}

interface Breaker {
  readonly circuit: CircuitBreaker;
  readonly openHandler: Handler | undefined;
}

function circuitBreaker(config: ClientHandlerConfig, context: CreateContext): Breaker | undefined {
  const breaker = config.circuitBreaker;
  const place = childPlace(context.place, 'circuitBreaker');
  if (breaker === undefined || !flag(context, breaker.enabled, true, childPlace(place, 'enabled')))
    return undefined;
  return {
    circuit: new CircuitBreaker({
      maxFailures: breaker.maxFailures,
      openMs: parseDuration(breaker.openDuration, childPlace(place, 'openDuration')),
      windowSize: breaker.slidingCounter?.size ?? 100,
    }),
    openHandler: context.resolveOptional<Handler>(
      breaker.openHandler,
      'Handler',
      childPlace(place, 'openHandler'),
    ),
  };
}

/**
 * The upstream side of a ClientHandler-like type: its pooled client, with the retries and the
 * circuit breaker the config asks for, the breaker outside the retries (a request that fails
 * after its retries is one failure).
 */
export class Upstream {
  readonly #client: HttpClient;
  readonly #retries: RetryPolicy | undefined;
  readonly #breaker: Breaker | undefined;

  constructor(client: HttpClient, retries?: RetryPolicy, breaker?: Breaker) {
    this.#client = client;
    this.#retries = retries;
    this.#breaker = breaker;
  }

  async send(request: Request, exchange: Exchange): Promise<Response> {
    const breaker = this.#breaker;
    if (breaker?.circuit.isOpen) {
      if (breaker.openHandler) return breaker.openHandler.handle(exchange);
      throw new TollgateError(
        'TG_UPSTREAM_CIRCUIT_OPEN',
        `${request.method} ${request.uri.origin}: the circuit breaker is open`,
      );
    }
    const attempt = (): Promise<Response> => this.#client.send(request, exchange.cancellation);
    try {
      const response = await (this.#retries ? this.#retries.run(request, exchange, attempt) : attempt());
      breaker?.circuit.record(false);
      return response;
    } catch (error) {
      breaker?.circuit.record(isTransportFailure(error));
      throw error;
    }
  }
}

/** Builds the upstream a ClientHandler-like type sends through; its pool is closed when its heap stops. */
export function createUpstream(config: ClientHandlerConfig, context: CreateContext): Upstream {
  const duration = (
    key: 'connectionTimeout' | 'soTimeout' | 'connectionTimeToLive',
    fallback: string,
  ): number => parseDuration(config[key] ?? fallback, childPlace(context.place, key));
  const keepAliveMs = duration('connectionTimeToLive', '30 seconds');
  // undici refuses a keep-alive time-out of zero on every request, not when the pool is made.
  if (keepAliveMs <= 0) {
    throw configError(
      'TG_CONFIG_BAD_VALUE',
      childPlace(context.place, 'connectionTimeToLive'),
      'a pooled connection must live longer than zero',
    );
  }
  const options: HttpClientOptions = {
    connections: config.connections ?? 64,
    connectionTimeoutMs: duration('connectionTimeout', '10 seconds'),
    soTimeoutMs: duration('soTimeout', '10 seconds'),
    keepAliveMs: Math.min(keepAliveMs, 2 ** 31 - 1),
    reuseConnections: !flag(
      context,
      config.disableReuseConnection,
      false,
      childPlace(context.place, 'disableReuseConnection'),
    ),
    allowH2: config.protocolVersion === 'HTTP/2',
  };
  const tls = clientTls(config, context);
  const proxy = proxyChoice(config, context);
  const load = async (): Promise<UpstreamSetup> => ({
    tls: tls === undefined ? {} : await tls.load(),
    proxy: await proxy.load(),
  });
  const client = new HttpClient(options, load);
  // Secrets are read and the pool made when the heap starts, so a missing one fails the load.
  context.onStart(async () => {
    await client.ready();
  });
  context.onStop(() => client.close());
  return new Upstream(client, retryPolicy(config, context), circuitBreaker(config, context));
}

/**
 * Sends the request to its URI and returns the upstream response. A failure is not turned into a
 * response here: it propagates (as a coded 502/504 error) so callers such as the token-exchange
 * filter can tell a transport failure from an answer.
 */
export class ClientHandler implements Handler {
  readonly #upstream: Upstream;
  readonly #upstreamError: (exchange: Exchange, error: unknown) => void;

  constructor(upstream: Upstream, context: CreateContext) {
    this.#upstream = upstream;
    this.#upstreamError = upstreamErrorCounter(context);
  }

  handle(exchange: Exchange): Promise<Response> {
    return this.send(exchange.request, exchange);
  }

  async send(request: Request, exchange: Exchange): Promise<Response> {
    const started = performance.now();
    try {
      return await this.#upstream.send(request, exchange);
    } catch (error) {
      this.#upstreamError(exchange, error);
      throw error;
    } finally {
      exchange.timing.addUpstream(performance.now() - started);
    }
  }
}

/** Counts a failed upstream request (a TG_UPSTREAM_* code) by route, handler and code. */
export function upstreamErrorCounter(context: CreateContext): (exchange: Exchange, error: unknown) => void {
  const { metrics } = context.gateway;
  const handler = context.name;
  return (exchange, error) => {
    if (error instanceof TollgateError && error.code.startsWith('TG_UPSTREAM_')) {
      metrics.upstreamError(routeLabel(exchange), handler, error.code);
    }
  };
}

export const clientHandlerType = defineType<ClientHandlerConfig, Handler>({
  type: 'ClientHandler',
  aliases: [
    'org.forgerock.openig.handler.ClientHandlerHeaplet',
    'org.forgerock.openig.handler.ClientHandler',
  ],
  kind: 'Handler',
  description: 'Sends requests to their URI through a pool of keep-alive connections; failures propagate.',
  schema: clientHandlerSchema,
  ignoredKeys: clientHandlerIgnoredKeys,
  create: (config, context) => new ClientHandler(createUpstream(config, context), context),
});
