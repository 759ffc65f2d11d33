// The Tollgate configuration directory of each case: one directory (and one gateway process) per
// case, so each case's CPU and memory are its own.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type GatewayCase =
  | 'pass'
  | 'headers'
  | 'exchange'
  | 'exchange-cached'
  | 'exchange-redis'
  | 'exchange-redis-miss'
  | 'routes100'
  | 'pass-access-log'
  | 'static';

export interface GatewaySetup {
  readonly backendUrl: string;
  readonly tokenEndpoint: string;
  /** Case 9's redis-server. */
  readonly redisUrl: string | undefined;
}

/**
 * Case 9's store: a RedisExchangeCache sealing with EXCHANGE_CACHE_KEY; `front: false` leaves the
 * filter no in-process entries, so every lookup is answered by Redis.
 */
function redisStore(setup: GatewaySetup, front: boolean): object {
  return {
    type: 'RedisExchangeCache',
    config: {
      uri: setup.redisUrl,
      encryptionSecretId: 'exchange.cache.key',
      secretsProvider: 'Secrets',
      ...(front ? {} : { localCacheMaxSize: 0 }),
    },
  };
}

/** Case 1's route: a condition and a ReverseProxyHandler. The body cases use it too. */
function passRoute(setup: GatewaySetup, name: string, prefix: string): object {
  return {
    name,
    condition: `\${request.uri.path.startsWith('${prefix}')}`,
    baseURI: setup.backendUrl,
    handler: 'ReverseProxyHandler',
  };
}

/** Case 2: a regular-expression condition and ten HeaderFilters (five on the request, five on the response). */
function headersRoute(setup: GatewaySetup): object {
  const filters = Array.from({ length: 10 }, (_, i) => {
    const onRequest = i % 2 === 0;
    const n = String(i).padStart(2, '0');
    const value = i === 0 ? '${request.uri.path}' : i === 1 ? '${request.method}' : `value-${n}`;
    return {
      type: 'HeaderFilter',
      config: {
        messageType: onRequest ? 'REQUEST' : 'RESPONSE',
        ...(i === 2 ? { remove: ['X-Unwanted'] } : {}),
        ...(i === 3
          ? { replace: { 'X-Bench-Res-03': [value] } }
          : { add: { [`X-Bench-${onRequest ? 'Req' : 'Res'}-${n}`]: [value] } }),
      },
    };
  });
  return {
    name: 'headers',
    condition: "${find(request.uri.path, '^/bench/[a-z]+$')}",
    baseURI: setup.backendUrl,
    handler: { type: 'Chain', config: { filters, handler: 'ReverseProxyHandler' } },
  };
}

/**
 * Cases 3, 4 and 9: the caller's bearer token is exchanged (RFC 8693) at the dev AS by
 * serviceConfidentialClient (client_secret_basic, its secret from CLIENT_SECRET_ID) and the request
 * goes on with the issued token, as routes/api-proxy.yaml does.
 */
function exchangeRoute(setup: GatewaySetup, kind: GatewayCase): object {
  const cache = kind !== 'exchange';
  const store =
    kind === 'exchange-redis' || kind === 'exchange-redis-miss'
      ? { store: redisStore(setup, kind === 'exchange-redis') }
      : {};
  return {
    name: kind,
    condition: "${request.uri.path.startsWith('/bench/')}",
    baseURI: setup.backendUrl,
    heap: [
      { name: 'Secrets', type: 'SystemAndEnvSecretStore' },
      {
        name: 'ExchangeEndpoint',
        type: 'Chain',
        config: {
          handler: 'ForgeRockClientHandler',
          filters: [
            {
              type: 'ClientSecretBasicAuthenticationFilter',
              config: {
                clientId: 'serviceConfidentialClient',
                clientSecretId: 'client.secret.id',
                secretsProvider: 'Secrets',
              },
            },
          ],
        },
      },
    ],
    handler: {
      type: 'Chain',
      config: {
        filters: [
          {
            type: 'OAuth2TokenExchangeFilter',
            config: {
              endpoint: setup.tokenEndpoint,
              endpointHandler: 'ExchangeEndpoint',
              subjectToken: "${request.headers['Authorization'][0].substring(7)}",
              scopes: ['mail'],
              cache: { enabled: cache, ...store },
            },
          },
          {
            type: 'HeaderFilter',
            config: {
              messageType: 'REQUEST',
              replace: { Authorization: ['Bearer ${contexts.oauth2TokenExchange.issuedToken}'] },
            },
          },
        ],
        handler: 'ReverseProxyHandler',
      },
    },
  };
}

/** Case 7's access log, relative to its config directory. */
export const ACCESS_LOG = 'access.log';

/** The request path each case is loaded with (wrk) and pre-checked with (`/bench/echo`). */
export function casePaths(kind: GatewayCase): { load: string; echo: string } {
  const prefix = kind === 'routes100' ? '/r099' : '';
  return { load: `${prefix}/bench/small`, echo: `${prefix}/bench/echo` };
}

/** Writes `<dir>/routes/*.json` for the case; returns `dir` (the gateway's --config-dir). */
export function writeGatewayConfig(dir: string, kind: GatewayCase, setup: GatewaySetup): string {
  const routes = join(dir, 'routes');
  mkdirSync(routes, { recursive: true });
  const write = (file: string, route: object): void =>
    writeFileSync(join(routes, file), `${JSON.stringify(route, null, 2)}\n`);
  switch (kind) {
    case 'pass':
      write('pass.json', passRoute(setup, 'pass', '/bench/'));
      break;
    case 'headers':
      write('headers.json', headersRoute(setup));
      break;
    case 'exchange':
    case 'exchange-cached':
    case 'exchange-redis':
    case 'exchange-redis-miss':
      write(`${kind}.json`, exchangeRoute(setup, kind));
      break;
    case 'pass-access-log':
      // Case 1 with admin.json's access log on, to a file (what a deployment would do).
      write('pass.json', passRoute(setup, 'pass', '/bench/'));
      writeFileSync(
        join(dir, 'admin.json'),
        `${JSON.stringify({ accessLog: { enabled: true, file: ACCESS_LOG } }, null, 2)}\n`,
      );
      break;
    case 'static':
      // Case 8: no upstream, so the gateway's own CPU bounds the rate, and more units show.
      write('static.json', {
        name: 'static',
        handler: { type: 'StaticResponseHandler', config: { status: 200, entity: 'small' } },
      });
      break;
    case 'routes100':
      // Routes are tried in name order; r099 is the last one and the only one that matches.
      for (let i = 0; i < 100; i++) {
        const name = `r${String(i).padStart(3, '0')}`;
        write(`${name}.json`, passRoute(setup, name, `/${name}/`));
      }
      break;
  }
  return dir;
}
