import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { ConfigFileReader } from '../config/file-reader.js';
import { CONFIG_LIMITS } from '../config/limits.js';
import type { FunctionTable } from '../el/api.js';
import { createBuiltinFunctions } from '../el/index.js';
import { childPlace, configError, formatPlace } from '../errors/tollgate-error.js';
import { Heap, type DefaultDeclaration } from '../heap/heap.js';
import type { TypeRegistry } from '../heap/registry.js';
import { AccessLog, type AccessLogConfig } from '../observability/access-log.js';
import { createLogger } from '../observability/logger.js';
import { GatewayMetrics } from '../observability/metrics.js';
import { AdminEndpoints, type GatewayPhase } from './admin-endpoints.js';
import { apiProtection, protectAdmin } from './api-protection.js';
import { ConnectionDrain } from './connection-drain.js';
import { toEnvironment } from './environment.js';
import { Generation } from './generation.js';
import {
  instanceHeapOptions,
  loadAdminConfig,
  loadGatewayConfig,
  locateInstance,
  runMode,
} from './instance.js';
import { planListeners, type ListenerPlan } from './listener-plan.js';
import { createListeners, refuseConnect, type Listeners } from './listener.js';
import type { UnitLink } from './unit-link.js';

export interface GatewayOptions {
  /** Holds admin.json and config.json (or a `config/` folder with them). Default: the working directory. */
  readonly configDir?: string;
  /** The main Router's directory. Default: `<configDir>/routes`. */
  readonly routesDir?: string;
  /** Listen on this one port instead of admin.json's connectors (0 picks a free port). */
  readonly port?: number;
  /**
   * Address to listen on when `port` is given, and for connectors without a host. Default 0.0.0.0,
   * every interface, as PingGateway's connectors.
   */
  readonly host?: string;
  readonly logger?: Logger;
  /** Replaces admin.json's `accessLog`. */
  readonly accessLog?: AccessLogConfig;
  /** Environment variables for `&{…}` tokens, secrets and `env`. Default: process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly registry?: TypeRegistry;
  readonly functions?: FunctionTable;
  /**
   * Set in a worker of several (admin.json's `gatewayUnits`): the primary speaks for the
   * instance, so the health endpoints and the metrics answer for every unit, and the start-up and
   * drain lines are the primary's to log.
   */
  readonly unit?: UnitLink;
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
  /**
   * One URL per listening socket, to reach it from this machine: http://127.0.0.1:8080 for a
   * socket bound to every interface (0.0.0.0, the default host), which the log's `listening` says.
   */
  readonly urls: readonly string[];
  /** The admin connector's URL, when admin.json declares one. */
  readonly adminUrl: string | undefined;
  readonly logger: Logger;
  /**
   * Stops accepting, answers every request from then on with Connection: close, closes idle
   * connections, lets in-flight requests finish (up to the grace period), then stops every object.
   * The health endpoints answer 503 from the first moment; the admin connector stays open, for
   * the probes, until everything else is stopped.
   */
  close(): Promise<void>;
}

/**
 * Starts a gateway, step by step: the instance files are read and every start-up value checked
 * (ports, TLS files, grace periods, the mode, the API protection) before anything starts; then the
 * admin connector opens, if admin.json declares one, so that probes see the gateway start; then
 * config.json's generation is built and started (the Routers load their routes); then the
 * connectors open and the health endpoints say the gateway is ready. When a step fails, every
 * step before it is undone, in reverse, and the error (with its file and pointer) is thrown. The
 * types are `builtins` unless the options bring a registry.
 */
export async function startGatewayWith(
  builtins: BuiltinTypes,
  options: GatewayOptions = {},
): Promise<Gateway> {
  const logger = options.logger ?? createLogger({});
  const environment = toEnvironment(options.env ?? process.env);
  const layout = locateInstance(options.configDir, options.routesDir);
  const undo: (() => Promise<void>)[] = [];
  try {
    // A file read with a warning is logged each time it is read, as a reloaded route is.
    const configReader = new ConfigFileReader(CONFIG_LIMITS, (warning) =>
      logger.warn(
        {
          code: warning.code,
          place: formatPlace(warning.place ?? { pointer: '' }),
          ...(warning.source ? { source: warning.source } : {}),
        },
        warning.message,
      ),
    );
    undo.push(() => configReader.close());
    const registry = options.registry ?? builtins.createRegistry();
    const admin = await loadAdminConfig(layout.adminFile, environment.env, configReader, registry);
    const plan = planListeners(admin, layout.adminFile, options);
    const accessLog = AccessLog.open(options.accessLog ?? admin.accessLog, layout.configDirectory, {
      file: layout.adminFile ?? '<options>',
      pointer: '/accessLog',
    });
    if (accessLog !== undefined) undo.push(() => accessLog.close());
    const mode = runMode(admin, environment.env);
    const config = await loadGatewayConfig(layout.configFile, admin, environment.env, configReader, registry);
    const metrics = new GatewayMetrics({ processMetrics: true });
    let phase: GatewayPhase = 'starting';
    const { unit } = options;
    unit?.attach(metrics);
    const endpoints = new AdminEndpoints({
      metrics,
      phase: unit ? () => unit.phase(phase) : () => phase,
      ...(unit ? { render: () => unit.metrics() } : {}),
    });
    const heapOptions = instanceHeapOptions(layout, admin, config, {
      registry,
      logger,
      environment,
      functions: options.functions ?? createBuiltinFunctions(),
      defaults: builtins.defaults,
      metrics,
      configReader,
      mode,
      endpoints,
      // Each unit builds its own ThrottlingFilters; their buckets are the primary's, for the instance.
      ...(unit ? { throttling: unit } : {}),
    });
    const { maxEntityBytes } = heapOptions.gateway;
    // admin.json's own heap, which config.json and the routes do not see, as in PingGateway.
    const adminHeap = new Heap(heapOptions);
    undo.push(() => adminHeap.stop());
    const protection = apiProtection(
      admin.apiProtectionFilter,
      { file: layout.adminFile ?? '<admin>', pointer: '/apiProtectionFilter' },
      adminHeap,
    );
    const answerAdmin = protectAdmin(protection, (path, exchange) => endpoints.handle(path, exchange));
    const generation = Generation.build(
      config,
      { file: layout.configFile ?? '<default config>', pointer: '' },
      heapOptions,
    );
    await adminHeap.start();

    const adminConnections = new ConnectionDrain();
    let adminUrl: string | undefined;
    if (plan.admin !== undefined) {
      const listener = createListeners({
        secure: plan.admin.tls !== undefined,
        logger,
        environment,
        maxEntityBytes,
        adminPrefix: undefined,
        admin: answerAdmin,
      });
      const server = await open(plan.admin, listener, adminConnections);
      undo.push(() => new Promise<void>((done) => server.close(() => done())));
      adminUrl = urlOf(server, plan.admin.tls !== undefined);
      logger.info(
        { url: adminUrl, listening: boundAddress(server) },
        'tollgate admin endpoints are listening',
      );
    }

    await generation.start();
    undo.push(() => generation.stop());

    const connections = new ConnectionDrain();
    const listenerFor = (secure: boolean): Listeners =>
      createListeners({
        secure,
        logger,
        environment,
        maxEntityBytes,
        accessLog,
        adminPrefix: `/${admin.prefix ?? 'openig'}/`,
        admin: answerAdmin,
        dispatch: (exchange) => generation.handle(exchange),
      });
    const urls: string[] = [];
    const listening: string[] = [];
    for (const listener of plan.listeners) {
      const server = await open(listener, listenerFor(listener.tls !== undefined), connections);
      undo.push(() => new Promise<void>((done) => server.close(() => done())));
      urls.push(urlOf(server, listener.tls !== undefined));
      listening.push(boundAddress(server));
    }
    phase = 'serving';
    const { loaded, failed } = endpoints.routeCounts();
    const summary = {
      urls,
      listening,
      routes: layout.routesDirectory,
      mode,
      routesLoaded: loaded,
      routesFailed: failed,
    };
    if (unit) unit.serving({ ...summary, gracePeriodMs: plan.gracePeriodMs });
    else logger.info(summary, startedMessage(loaded, failed, listening));

    let closing: Promise<void> | undefined;
    return {
      urls,
      adminUrl,
      logger,
      close() {
        closing ??= (async () => {
          phase = 'draining';
          const drainStarted = performance.now();
          const drained = connections.drain(plan.gracePeriodMs);
          if (!unit) logger.info({ gracePeriodMs: plan.gracePeriodMs }, 'tollgate is draining');
          const cut = await drained;
          if (cut > 0) {
            logger.warn(
              { connections: cut },
              'the grace period ended with requests in flight: they were cut',
            );
          }
          const ms = Math.round(performance.now() - drainStarted);
          if (unit) unit.drained(cut);
          else logger.info({ connectionsCut: cut, ms }, 'tollgate is drained');
          await generation.stop();
          await adminHeap.stop();
          // Last, so that a readiness probe sees 503 until the end rather than a refused connect.
          await adminConnections.drain(plan.gracePeriodMs);
          await configReader.close();
          await accessLog?.close();
          if (!unit) logger.info('tollgate stopped');
        })();
        return closing;
      },
    };
  } catch (error) {
    for (const step of undo.reverse()) {
      await step().catch((failure: unknown) =>
        logger.warn({ err: failure }, 'undoing a start-up step failed'),
      );
    }
    throw error;
  }
}

/** The start-up line, which the primary of several units logs once for all of them. */
export function startedMessage(loaded: number, failed: number, listening: readonly string[]): string {
  return `${loaded} ${loaded === 1 ? 'route' : 'routes'} loaded, ${failed} failed, listening on ${listening.join(', ')}`;
}

/** Opens one listener, with the drain watching its connections. */
async function open(plan: ListenerPlan, listener: Listeners, connections: ConnectionDrain): Promise<Server> {
  const server = plan.tls === undefined ? createHttpServer() : createHttpsServer(plan.tls);
  server.keepAliveTimeout = 65_000;
  connections.watch(server);
  server.on('request', listener.request);
  server.on('upgrade', listener.upgrade);
  server.on('connect', refuseConnect);
  await new Promise<void>((done, fail) => {
    server.once('error', (error) =>
      fail(
        configError(
          'TG_START_LISTEN',
          childPlace(plan.place, 'port'),
          `${plan.host}:${plan.port}: ${error.message}`,
          error,
        ),
      ),
    );
    server.listen(plan.port, plan.host, () => done());
  });
  return server;
}

/** The address and port the socket is bound to, as the kernel has it: `0.0.0.0:8080` is every interface. */
function boundAddress(server: Server): string {
  const address = server.address() as AddressInfo;
  return address.family === 'IPv6'
    ? `[${address.address}]:${address.port}`
    : `${address.address}:${address.port}`;
}

/** Where a client on this machine reaches the socket: a socket bound to every interface, by loopback. */
function urlOf(server: Server, secure: boolean): string {
  const address = server.address() as AddressInfo;
  const loopback =
    address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  const host = address.family === 'IPv6' ? `[${loopback}]` : loopback;
  return `${secure ? 'https' : 'http'}://${host}:${address.port}`;
}
