// Builds heap objects from route-file snippets with a stub endpoint handler, for the unit tests of
// the token exchange and client authentication filters. No sockets: the stub answers in process.
import { builtinTypes, defaultDeclarations } from '../../../src/builtins.js';
import { ConfigFileReader } from '../../../src/config/file-reader.js';
import { createBuiltinFunctions } from '../../../src/el/index.js';
import { ConfigErrors, type TollgateError } from '../../../src/errors/tollgate-error.js';
import { Entity } from '../../../src/http/entity.js';
import { Headers } from '../../../src/http/headers.js';
import { Response } from '../../../src/http/message.js';
import { objectSchema } from '../../../src/config/schema.js';
import { GatewayMetrics } from '../../../src/observability/metrics.js';
import { Heap } from '../../../src/heap/heap.js';
import { TypeRegistry } from '../../../src/heap/registry.js';
import {
  defineType,
  type CreateContext,
  type Filter,
  type Handler,
  type Kind,
  type ThrottleStore,
} from '../../../src/heap/types.js';
import { Cancellation } from '../../../src/http/cancellation.js';
import type { Exchange } from '../../../src/http/exchange.js';
import { testExchange } from '../../fixtures/exchange.js';
import { memoryLogger, type LogLine } from '../../fixtures/gateway.js';
import { AdminEndpoints } from '../../../src/server/admin-endpoints.js';

/** What the stub endpoint handler saw of one request. */
export interface SeenRequest {
  readonly method: string;
  readonly uri: string;
  readonly headers: Headers;
  readonly body: string;
  readonly form: URLSearchParams;
}

export type Respond = (seen: SeenRequest, exchange: Exchange) => Response | Promise<Response>;

export interface IncomingInit {
  readonly method?: string;
  readonly url?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

export interface Harness {
  /** Requests the `Stub` handler received, in order. */
  readonly seen: SeenRequest[];
  readonly logs: LogLine[];
  readonly raw: string[];
  /** Declares `heap` (a route file's heap array) and resolves `name` as `kind`. */
  build<T>(heap: unknown[], name: string, kind: Kind): T;
  /** Declares `heap` and gives the build context of a config value in it (what a type's factory gets). */
  contextFor(heap: unknown[]): CreateContext;
  /** The "CODE pointer" of each config error building `heap` gives. */
  errorsOf(heap: unknown[]): string[];
  /** An exchange for an incoming request, as the server builds it, logging into `logs`. */
  incoming(init?: IncomingInit, cancellation?: Cancellation): Exchange;
  /** Starts the heap `build` made (what types with `onStart` work need before a request). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export const FILE = 'routes/r.json';

export function harness(
  options: {
    env?: Record<string, string>;
    respond?: Respond;
    configDirectory?: string;
    /** The buckets ThrottlingFilters share, as the units of one instance do. */
    throttling?: ThrottleStore;
  } = {},
): Harness {
  const seen: SeenRequest[] = [];
  const respond: Respond = options.respond ?? (() => json(200, {}));
  const stubType = defineType<Record<string, never>, Handler>({
    type: 'Stub',
    kind: 'Handler',
    description: 'test stub',
    schema: objectSchema({}),
    create: () => ({
      async handle(exchange) {
        const { request } = exchange;
        await request.entity.load(1 << 20, 'TG_REQUEST_ENTITY_TOO_LARGE');
        const body = request.entity.string ?? '';
        const record: SeenRequest = {
          method: request.method,
          uri: request.uri.toString(),
          headers: request.headers,
          body,
          form: new URLSearchParams(body),
        };
        seen.push(record);
        return respond(record, exchange);
      },
    }),
  });
  const { logger, logs, raw } = memoryLogger();
  let heap: Heap | undefined;
  const metrics = new GatewayMetrics();
  const newHeap = (): Heap =>
    new Heap({
      registry: TypeRegistry.create([...builtinTypes, stubType]),
      logger,
      environment: { env: { ...options.env }, system: {} },
      functions: createBuiltinFunctions(),
      gateway: {
        configDirectory: options.configDirectory ?? '/tmp',
        instanceDirectory: options.configDirectory ?? '/tmp',
        temporaryDirectory: '/tmp/tmp',
        routesDirectory: '/tmp/routes',
        properties: [],
        maxEntityBytes: 1024 * 1024,
        metrics,
        configReader: new ConfigFileReader(),
        mode: 'production',
        endpoints: new AdminEndpoints({ metrics }),
        ...(options.throttling ? { throttling: options.throttling } : {}),
      },
      defaults: defaultDeclarations,
    });
  return {
    seen,
    logs,
    raw,
    build<T>(entries: unknown[], name: string, kind: Kind): T {
      heap = newHeap();
      heap.declare(entries, { file: FILE, pointer: '/heap' });
      heap.createAll();
      return heap.resolve<T>(name, kind, { file: FILE, pointer: '/handler' });
    },
    contextFor(entries: unknown[]): CreateContext {
      heap = newHeap();
      heap.declare(entries, { file: FILE, pointer: '/heap' });
      heap.createAll();
      return heap.contextFor('test', { file: FILE, pointer: '/handler/config' });
    },
    errorsOf(entries: unknown[]): string[] {
      try {
        const built = newHeap();
        built.declare(entries, { file: FILE, pointer: '/heap' });
        built.createAll();
        return [];
      } catch (error) {
        if (!(error instanceof ConfigErrors)) throw error;
        return error.errors.map((e: TollgateError) => `${e.code} ${e.place?.file}#${e.place?.pointer}`);
      }
    },
    incoming(init: IncomingInit = {}, cancellation: Cancellation = new Cancellation()): Exchange {
      return testExchange({
        method: init.method ?? 'POST',
        url: init.url ?? 'http://gateway.test/api',
        headers: init.headers,
        body: init.body,
        logger,
        env: options.env,
        cancellation,
        transactionId: 'tx-1',
      });
    },
    async start() {
      await heap?.start();
    },
    async stop() {
      await heap?.stop();
    },
  };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response({
    status,
    headers: Headers.fromRecord({ 'Content-Type': 'application/json', ...headers }),
    entity: new Entity(JSON.stringify(body)),
  });
}

/** A next handler that records whether it was reached and answers 200 "next". */
export function recordingNext(): Handler & { calls: Exchange[] } {
  const calls: Exchange[] = [];
  return {
    calls,
    async handle(exchange) {
      calls.push(exchange);
      return new Response({ status: 200, entity: new Entity('next') });
    },
  };
}

/** Runs a filter on an exchange and returns the response, the exchange and the body text. */
export async function run(
  filter: Filter,
  exchange: Exchange,
  next: Handler = recordingNext(),
): Promise<{ response: Response; body: string }> {
  const response = await filter.filter(exchange, next);
  await response.entity.load(1 << 20, 'TG_UPSTREAM_RESPONSE_TOO_LARGE');
  return { response, body: response.entity.string ?? '' };
}
