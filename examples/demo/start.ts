// The demo: on 127.0.0.1, the dev authorization server (8088), the sample API (8081) and the
// gateway serving routes/ (8080). main.ts is its command line; the end-to-end test uses this module.
import { randomBytes } from 'node:crypto';
import { createLogger, startGateway, type Gateway } from '../../src/index.js';
import { startSampleBackend, type SampleBackend } from '../backend/server.js';
import { startDevAs, type DevAs } from '../dev-as/server.js';
import { startDemoRedis, type DemoRedis } from './redis-server.js';
import { sharedCacheConfig, type SharedCacheConfig } from './shared-cache.js';

export interface DemoPorts {
  readonly gateway: number;
  readonly backend: number;
  readonly authorizationServer: number;
  /** With `redis`. */
  readonly redis: number;
}

export const DEMO_PORTS: DemoPorts = Object.freeze({
  gateway: 8080,
  backend: 8081,
  authorizationServer: 8088,
  redis: 6380,
});

/** base64("password"): the demo clients' secret, in the format SystemAndEnvSecretStore reads. */
const DEMO_SECRET = Buffer.from('password').toString('base64');

export interface Demo {
  readonly gateway: Gateway;
  readonly authorizationServer: DevAs | undefined;
  readonly backend: SampleBackend | undefined;
  /** With `redis`: where the shared exchange cache is. */
  readonly redisUrl: string | undefined;
  close(): Promise<void>;
}

export async function startDemo(options: {
  gatewayOnly?: boolean;
  ports?: Partial<DemoPorts>;
  routesDir?: string;
  logFormat?: 'json' | 'pretty';
  logLevel?: string;
  env?: Readonly<Record<string, string | undefined>>;
  /** Start a redis-server too, and share the routes' exchange caches through it. */
  redis?: boolean;
}): Promise<Demo> {
  const ports = { ...DEMO_PORTS, ...options.ports };
  const env: Record<string, string | undefined> = { ...(options.env ?? process.env) };
  let authorizationServer: DevAs | undefined;
  let backend: SampleBackend | undefined;
  if (!options.gatewayOnly) {
    authorizationServer = await startDevAs({ port: ports.authorizationServer });
    backend = await startSampleBackend({
      port: ports.backend,
      introspectionEndpoint: authorizationServer.introspectionEndpoint,
      clientId: 'ig_agent',
      clientSecret: 'password',
    });
    env.AM_URL ??= authorizationServer.url;
    env.BACKEND_URL ??= backend.url;
    env.CLIENT_SECRET_ID ??= DEMO_SECRET;
    env.AGENT_SECRET_ID ??= DEMO_SECRET;
  }
  let redis: DemoRedis | undefined;
  let shared: SharedCacheConfig | undefined;
  if (options.redis) {
    redis = await startDemoRedis(ports.redis);
    shared = await sharedCacheConfig(options.routesDir ?? 'routes', redis.url);
    // One key per demo run: what the demo's Redis holds is readable by nothing else.
    env.EXCHANGE_CACHE_KEY ??= randomBytes(32).toString('base64');
  }
  const logger = createLogger({ format: options.logFormat ?? 'json', level: options.logLevel ?? 'info' });
  const starting = startGateway({
    configDir: shared?.configDir ?? '.',
    routesDir: shared?.routesDir ?? options.routesDir ?? 'routes',
    port: ports.gateway,
    host: '127.0.0.1',
    logger,
    // On in the demo, to standard output: each request's route, status and timings beside the logs.
    accessLog: { enabled: true },
    env,
  });
  let gateway: Gateway;
  try {
    gateway = await starting;
  } catch (error) {
    await redis?.close();
    await shared?.close();
    throw error;
  }
  return {
    gateway,
    authorizationServer,
    backend,
    redisUrl: redis?.url,
    async close() {
      await gateway.close();
      await redis?.close();
      await shared?.close();
      await backend?.close();
      await authorizationServer?.close();
    },
  };
}
