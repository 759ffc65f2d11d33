import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { parseDuration } from '../config/duration.js';
import { ConfigFileReader } from '../config/file-reader.js';
import type { FunctionTable } from '../el/api.js';
import { createBuiltinFunctions } from '../el/index.js';
import { childPlace, configError, TollgateError } from '../errors/tollgate-error.js';
import { Cancellation } from '../http/cancellation.js';
import { Entity } from '../http/entity.js';
import { Exchange, type Environment } from '../http/exchange.js';
import { removeHopByHop } from '../http/forwarding.js';
import { Headers } from '../http/headers.js';
import { Request, textResponse, type Response } from '../http/message.js';
import { isRefusedTarget, parseRequestTarget } from '../http/request-target.js';
import { RequestUri } from '../http/uri.js';
import { Heap, type DefaultDeclaration } from '../heap/heap.js';
import type { TypeRegistry } from '../heap/registry.js';
import type { Handler } from '../heap/types.js';
import { createLogger } from '../observability/logger.js';
import { GatewayMetrics } from '../observability/metrics.js';
import { ConnectionDrain } from './connection-drain.js';
import {
  loadAdminConfig,
  loadGatewayConfig,
  locateInstance,
  type ConnectorConfig,
  type InstanceLayout,
} from './instance.js';

export interface GatewayOptions {
  /** Holds admin.json and config.json (or a `config/` folder with them). Default: the working directory. */
  readonly configDir?: string;
  /** The main Router's directory. Default: `<configDir>/routes`. */
  readonly routesDir?: string;
  /** Listen on this one port instead of admin.json's connectors (0 picks a free port). */
  readonly port?: number;
  /** Address to listen on when `port` is given. Default 0.0.0.0. */
  readonly host?: string;
  readonly logger?: Logger;
  /** Environment variables for `&{…}` tokens, secrets and `env`. Default: process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly registry?: TypeRegistry;
  readonly functions?: FunctionTable;
}

/**
 * The types a gateway is built with when its options bring no registry, and the heap objects
 * every config can name undeclared. The server lists no types: the package's own are listed
 * above it (src/builtins.ts), and passed in from there.
 */
export interface BuiltinTypes {
  createRegistry(): TypeRegistry;
  readonly defaults: readonly DefaultDeclaration[];
}

export interface Gateway {
  /** One URL per listening socket, e.g. http://127.0.0.1:8080. */
  readonly urls: readonly string[];
  readonly logger: Logger;
  /**
   * Stops accepting, answers every request from then on with Connection: close, closes idle
   * connections, lets in-flight requests finish (up to the grace period), then stops every object.
   */
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY_LENGTH = 1024 * 1024;
const DEFAULT_GRACE_PERIOD = '10 seconds';

function toEnvironment(env: Readonly<Record<string, string | undefined>>): Environment {
  const clean: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(env)) if (value !== undefined) clean[name] = value;
  const system: Record<string, string> = Object.create(null);
  system['os.name'] = process.platform;
  system['user.dir'] = process.cwd();
  system['node.version'] = process.version;
  return Object.freeze({ env: Object.freeze(clean), system: Object.freeze(system) });
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/**
 * Starts a gateway: reads the instance files, builds the heap and routes (with `builtins` unless
 * the options bring a registry), opens the listeners.
 */
export async function startGatewayWith(
  builtins: BuiltinTypes,
  options: GatewayOptions = {},
): Promise<Gateway> {
  const logger = options.logger ?? createLogger({});
  const environment = toEnvironment(options.env ?? process.env);
  const layout = locateInstance(options.configDir, options.routesDir);
  const configReader = new ConfigFileReader();
  try {
    return await startInstance(builtins, options, logger, environment, layout, configReader);
  } catch (error) {
    await configReader.close();
    throw error;
  }
}

async function startInstance(
  builtins: BuiltinTypes,
  options: GatewayOptions,
  logger: Logger,
  environment: Environment,
  layout: InstanceLayout,
  configReader: ConfigFileReader,
): Promise<Gateway> {
  const registry = options.registry ?? builtins.createRegistry();
  const admin = await loadAdminConfig(layout.adminFile, environment.env, configReader, registry);
  const config = await loadGatewayConfig(layout.configFile, admin, environment.env, configReader, registry);
  const maxEntityBytes = admin.maxBodyLength ?? DEFAULT_MAX_BODY_LENGTH;
  const metrics = new GatewayMetrics();

  const heap = new Heap({
    registry,
    logger,
    environment,
    functions: options.functions ?? createBuiltinFunctions(),
    gateway: {
      configDirectory: layout.configDirectory,
      routesDirectory: layout.routesDirectory,
      properties: [config.properties ?? {}, admin.properties ?? {}],
      maxEntityBytes,
      metrics,
      configReader,
    },
    defaults: builtins.defaults,
  });
  const configPlace = { file: layout.configFile ?? '<default config>', pointer: '' };
  heap.declare(config.heap, childPlace(configPlace, 'heap'));
  const root: Handler = heap.decorateHandler(
    heap.resolve<Handler>(
      config.handler ?? { type: 'Router', name: '_router' },
      'Handler',
      childPlace(configPlace, 'handler'),
    ),
    config as Record<string, unknown>,
    configPlace,
  );
  heap.createAll();
  await heap.start();

  const connectors: ConnectorConfig[] =
    options.port !== undefined
      ? [{ port: options.port, host: options.host ?? admin.connectors?.[0]?.host }]
      : (admin.connectors ?? [{ port: 8080 }]);
  const prefix = `/${admin.prefix ?? 'openig'}/`;

  const serve = async (req: IncomingMessage, res: ServerResponse, secure: boolean): Promise<void> => {
    const target = parseRequestTarget(req.url ?? '/');
    if (isRefusedTarget(target)) {
      logger.info({ code: 'TG_REQUEST_BAD_TARGET', reason: target.refused }, 'request target refused');
      const error = new TollgateError('TG_REQUEST_BAD_TARGET', target.refused);
      await write(res, textResponse(error.status, error.publicMessage), () => logger);
      return;
    }
    if (target.rawPath.startsWith(prefix)) {
      await write(res, await adminResponse(target.rawPath.slice(prefix.length), metrics), () => logger);
      return;
    }
    const cancellation = new Cancellation();
    res.once('close', () => {
      if (!res.writableFinished) cancellation.cancel(new TollgateError('TG_CLIENT_GONE'));
    });
    const request = new Request({
      method: req.method ?? 'GET',
      uri: RequestUri.fromRequestTarget(target, secure ? 'https' : 'http', req.headers.host),
      version: `HTTP/${req.httpVersion}`,
      headers: Headers.fromRaw(req.rawHeaders),
      entity: new Entity(hasBody(req) ? req : null),
    });
    const socket = req.socket;
    const exchange = new Exchange({
      request,
      client: {
        remoteAddress: socket.remoteAddress ?? '',
        remotePort: socket.remotePort ?? 0,
        localAddress: socket.localAddress ?? '',
        localPort: socket.localPort ?? 0,
        isSecure: secure,
        userAgent: req.headers['user-agent'] ?? null,
      },
      log: logger,
      environment,
      maxEntityBytes,
      cancellation,
      transactionId: randomUUID(),
    });
    let response: Response;
    try {
      response = await root.handle(exchange);
    } catch (error) {
      response = errorResponse(error, exchange);
    }
    // A body refused as too large is left unread, and reading it just to skip it would cost what
    // the limit is there to save: close the connection after this response instead.
    if (request.entity.refused) res.shouldKeepAlive = false;
    await write(res, response, () => exchange.log);
  };
  // The last line of defence: whatever a request does, it ends with its own connection.
  const serveSafely = (req: IncomingMessage, res: ServerResponse, secure: boolean): void => {
    serve(req, res, secure).catch((error: unknown) => {
      logger.error({ code: 'TG_HANDLER_FAILED', err: error }, 'a request failed outside every handler');
      res.destroy();
    });
  };

  const connections = new ConnectionDrain();
  const servers: Server[] = [];
  const urls: string[] = [];
  try {
    for (const [index, connector] of connectors.entries()) {
      const place = childPlace({ file: layout.adminFile ?? '<admin>', pointer: '' }, 'connectors', index);
      const secure = connector.tls !== undefined;
      for (const port of Array.isArray(connector.port) ? connector.port : [connector.port]) {
        const server = secure ? createHttpsServer(readTls(connector.tls!, place)) : createHttpServer();
        server.keepAliveTimeout = 65_000;
        connections.watch(server);
        server.on('request', (req, res) => serveSafely(req, res, secure));
        server.on('connect', refuseConnect);
        await listen(server, port, connector.host ?? options.host ?? '0.0.0.0', place);
        servers.push(server);
        const address = server.address() as AddressInfo;
        const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
        urls.push(
          `${secure ? 'https' : 'http'}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`,
        );
      }
    }
  } catch (error) {
    await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
    await heap.stop();
    throw error;
  }
  logger.info({ urls, routes: layout.routesDirectory }, 'tollgate is listening');

  const graceMs = parseDuration(connectors[0]?.gracePeriod ?? DEFAULT_GRACE_PERIOD, {
    pointer: '/connectors/0/gracePeriod',
  });
  let closing: Promise<void> | undefined;
  return {
    urls,
    logger,
    close() {
      closing ??= (async () => {
        const drained = connections.drain(graceMs);
        logger.info('tollgate is draining');
        const cut = await drained;
        if (cut > 0) {
          logger.warn({ connections: cut }, 'the grace period ended with requests in flight: they were cut');
        }
        await heap.stop();
        await configReader.close();
        logger.info('tollgate stopped');
      })();
      return closing;
    },
  };
}

/** CONNECT asks for a tunnel, which the gateway does not make (node:http would drop the socket unanswered). */
function refuseConnect(_req: IncomingMessage, socket: Duplex): void {
  socket.end('HTTP/1.1 501 Not Implemented\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
}

async function adminResponse(path: string, metrics: GatewayMetrics): Promise<Response> {
  if (path === 'ping' || path === 'ping/') return textResponse(200, 'Pong');
  if (path === 'metrics/prometheus' || path === 'metrics/prometheus/0.0.4') {
    const response = textResponse(200, await metrics.render());
    response.headers.set('Content-Type', metrics.contentType);
    return response;
  }
  return textResponse(404);
}

function readTls(
  tls: { keyFile: string; certFile: string },
  place: { file?: string; pointer: string },
): { key: Buffer; cert: Buffer } {
  try {
    return { key: readFileSync(tls.keyFile), cert: readFileSync(tls.certFile) };
  } catch (error) {
    throw configError('TG_START_TLS', childPlace(place, 'tls'), (error as Error).message, error);
  }
}

function listen(
  server: Server,
  port: number,
  host: string,
  place: { file?: string; pointer: string },
): Promise<void> {
  return new Promise((done, fail) => {
    server.once('error', (error) =>
      fail(
        configError('TG_START_LISTEN', childPlace(place, 'port'), `${host}:${port}: ${error.message}`, error),
      ),
    );
    server.listen(port, host, () => done());
  });
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
    res.writeHead(500, { 'Content-Length': '0' });
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
