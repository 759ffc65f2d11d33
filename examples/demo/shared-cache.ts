// `npm start -- --redis`: the demo's routes with their exchange caches shared through Redis. The
// routes are copied to a temp directory, each cached OAuth2TokenExchangeFilter given
// `cache.store: SharedExchangeCache`, which a config.json beside them declares.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMap, parseDocument, visit } from 'yaml';

export const SHARED_CACHE_NAME = 'SharedExchangeCache';

export interface SharedCacheConfig {
  /** Holds config.json; `routes/` below it holds the copied routes. */
  readonly configDir: string;
  readonly routesDir: string;
  close(): Promise<void>;
}

/** Adds the store to every cached exchange filter of a YAML route; its comments stay. */
function yamlWithStore(text: string): string {
  const document = parseDocument(text);
  visit(document, {
    Map(_key, node) {
      if (node.get('type') !== 'OAuth2TokenExchangeFilter') return;
      const cache = node.getIn(['config', 'cache'], true);
      if (isMap(cache) && cache.get('enabled') === true) cache.set('store', SHARED_CACHE_NAME);
    },
  });
  return document.toString();
}

/** The same for a JSON route's value. */
function jsonWithStore(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(jsonWithStore);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).map(([key, item]) => [key, jsonWithStore(item)]);
  const object = Object.fromEntries(entries) as {
    type?: unknown;
    config?: { cache?: Record<string, unknown> };
  };
  if (object.type === 'OAuth2TokenExchangeFilter' && object.config?.cache?.enabled === true) {
    object.config.cache = { ...object.config.cache, store: SHARED_CACHE_NAME };
  }
  return object;
}

export async function sharedCacheConfig(routesDir: string, redisUrl: string): Promise<SharedCacheConfig> {
  const configDir = await mkdtemp(join(tmpdir(), 'tollgate-demo-'));
  const copied = join(configDir, 'routes');
  await writeFile(
    join(configDir, 'config.json'),
    JSON.stringify(
      {
        heap: [
          {
            name: SHARED_CACHE_NAME,
            type: 'RedisExchangeCache',
            config: {
              uri: redisUrl,
              encryptionSecretId: 'exchange.cache.key',
              secretsProvider: { type: 'SystemAndEnvSecretStore' },
            },
          },
        ],
      },
      null,
      2,
    ),
  );
  await mkdir(copied);
  for (const name of await readdir(routesDir)) {
    const text = await readFile(join(routesDir, name), 'utf8');
    if (name.endsWith('.json')) {
      await writeFile(join(copied, name), JSON.stringify(jsonWithStore(JSON.parse(text)), null, 2));
    } else if (/\.ya?ml$/.test(name)) {
      await writeFile(join(copied, name), yamlWithStore(text));
    }
  }
  return {
    configDir,
    routesDir: copied,
    close: () => rm(configDir, { recursive: true, force: true }),
  };
}
