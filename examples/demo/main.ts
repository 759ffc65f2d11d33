// `npm start`: runs the demo. `--gateway-only` starts the gateway alone, for use against a real
// authorization server named by AM_URL (and BACKEND_URL). `--gateway-port`, `--as-port` and
// `--backend-port` move the listeners (0 picks free ports). `--redis` also starts a redis-server
// (port 6380, or `--redis-port`) and shares the routes' exchange caches through it. Ctrl-C stops
// everything.
import { parseArgs } from 'node:util';
import { startDemo } from './start.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'gateway-only': { type: 'boolean', default: false },
      'log-format': { type: 'string', default: 'pretty' },
      'gateway-port': { type: 'string' },
      'as-port': { type: 'string' },
      'backend-port': { type: 'string' },
      redis: { type: 'boolean', default: false },
      'redis-port': { type: 'string' },
    },
  });
  const port = (value: string | undefined): number | undefined =>
    value === undefined ? undefined : Number(value);
  const demo = await startDemo({
    gatewayOnly: values['gateway-only'],
    ports: {
      ...(values['gateway-port'] && { gateway: port(values['gateway-port']) }),
      ...(values['as-port'] && { authorizationServer: port(values['as-port']) }),
      ...(values['backend-port'] && { backend: port(values['backend-port']) }),
      ...(values['redis-port'] && { redis: port(values['redis-port']) }),
    },
    redis: values.redis,
    logFormat: values['log-format'] === 'json' ? 'json' : 'pretty',
  });
  // A log line, not console output: the logger writes on its own schedule (pretty output through a
  // worker), so anything printed beside it could land among its lines.
  const parts = [
    `gateway ${demo.gateway.urls.join(' ')}`,
    demo.authorizationServer &&
      `authorization server ${demo.authorizationServer.url} (user demo / Ch4ng31t, clients' secret: password)`,
    demo.backend && `sample API ${demo.backend.url}`,
    demo.redisUrl && `shared exchange cache ${demo.redisUrl}`,
  ];
  demo.gateway.logger.info(
    {
      gateway: demo.gateway.urls,
      authorizationServer: demo.authorizationServer?.url,
      backend: demo.backend?.url,
      redis: demo.redisUrl,
    },
    `Tollgate demo is running: ${parts.filter(Boolean).join(', ')}. Try the walkthrough in README.md; Ctrl-C stops everything.`,
  );
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void demo.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
