import { randomUUID } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { parseDuration } from '../config/duration.js';
import {
  durationSchema,
  expressionSchema,
  objectSchema,
  referenceSchema,
  type JsonSchema,
} from '../config/schema.js';
import {
  childPlace,
  ConfigErrors,
  configError,
  formatPlace,
  type Place,
  TollgateError,
} from '../errors/tollgate-error.js';
import { Cancellation } from '../http/cancellation.js';
import { Entity } from '../http/entity.js';
import { Exchange } from '../http/exchange.js';
import { Headers } from '../http/headers.js';
import { Request, type Response } from '../http/message.js';
import { RequestUri } from '../http/uri.js';
import { defineType, type CreateContext, type Handler } from '../heap/types.js';
import { Base64EncodedSecretStore } from './base64-encoded-secret-store.js';
import { FileSystemSecretStore } from './file-system-secret-store.js';
import { JwkSetSecretStore, parseJwkSetDocument } from './jwk-set-secret-store.js';
import {
  storesHold,
  type Secret,
  type SecretFormat,
  type SecretKind,
  type SecretStore,
  type StoredKey,
} from './secret.js';
import { SecretsProvider } from './secrets-provider.js';
import { SystemAndEnvSecretStore, type SecretMapping } from './system-and-env-secret-store.js';

/**
 * The heap types of the secret stores and of PingGateway's SecretsProvider, and how a
 * `secretsProvider` setting (in any of PingGateway's forms) becomes a SecretsProvider. The store
 * classes themselves live beside this file and know nothing of the heap.
 */

const formatSchema: JsonSchema = { enum: ['BASE64', 'PLAIN'] };

/**
 * A `secretsProvider` setting: a store (name or inline), a list of them, or a SecretsProvider
 * object `{ "type": "SecretsProvider", "config": { "stores": [...] } }`.
 */
export const secretsProviderSchema: JsonSchema = {
  type: ['string', 'object', 'array'],
  items: referenceSchema,
  description:
    'A secret store (name or inline declaration), a list of them asked in order, or a SecretsProvider',
};

/** A string config value that may hold a configuration expression, evaluated once now. */
function configString(context: CreateContext, value: string, place: Place): string {
  const evaluated = context.configValue(value, place);
  if (typeof evaluated !== 'string' || evaluated === '') {
    throw new ConfigErrors([configError('TG_CONFIG_BAD_VALUE', place, 'expected a non-empty string')]);
  }
  return evaluated;
}

/**
 * Builds a store, reporting a coded error its constructor throws (a bad base64 value, an unknown
 * format) at the config place it came from.
 */
function atPlace<T>(place: Place, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof TollgateError && error.place === undefined) {
      throw new ConfigErrors([configError(error.code, place, error.detail, error)]);
    }
    throw error;
  }
}

/**
 * Resolves a `secretsProvider` setting to a SecretsProvider that asks the stores in the order
 * written (first answer wins), as PingGateway does for its compact forms.
 */
export function resolveSecretsProvider(
  reference: unknown,
  context: CreateContext,
  place: Place,
): SecretsProvider {
  const references = Array.isArray(reference) ? reference : [reference];
  if (references.length === 0) {
    throw new ConfigErrors([configError('TG_CONFIG_BAD_VALUE', place, 'the list of secret stores is empty')]);
  }
  const stores = references.map((item, index) =>
    context.resolve<SecretStore>(
      item,
      'SecretStore',
      Array.isArray(reference) ? childPlace(place, index) : place,
    ),
  );
  return new SecretsProvider(stores);
}

/**
 * An optional `secretsProvider` that some of an object's keys need: resolved once, when the first
 * of them asks (`needing` names it), so every key shares one provider and its stores. Without the
 * setting, the first that asks fails with TG_CONFIG_MISSING_PROPERTY at the setting's place.
 */
export function secretsProviderOnDemand(
  reference: unknown,
  context: CreateContext,
  place: Place,
): (needing: string) => SecretsProvider {
  let provider: SecretsProvider | undefined;
  return (needing) => {
    if (reference === undefined) {
      throw new ConfigErrors([
        configError('TG_CONFIG_MISSING_PROPERTY', place, `${needing} needs a secretsProvider`),
      ]);
    }
    provider ??= resolveSecretsProvider(reference, context, place);
    return provider;
  };
}

/**
 * When the object's heap starts (its route loaded, or the gateway started), warns if no store of
 * `provider` can give `secretId`, so a missing variable or file shows at start-up and after each
 * reload rather than only as a 500 per request. Nothing is fetched: a store that cannot tell
 * without fetching (a JWK Set URL) is given the benefit of the doubt. The log line carries the
 * route (from the route's logger), the object and the place that names the id.
 */
export function warnIfNoStoreHolds(
  context: CreateContext,
  provider: SecretsProvider,
  secretId: string,
  kind: SecretKind,
  place: Place,
): void {
  context.onStart(async () => {
    if ((await provider.holds(secretId, kind)) !== false) return;
    context.logger.warn(
      { code: 'TG_SECRET_NOT_FOUND', secretId, place: formatPlace(place), stores: provider.storeNames },
      `no secret store can give the ${kind} '${secretId}': requests that need it will fail until one can`,
    );
  });
}

/**
 * What a SecretsProvider heap object is: its stores asked in order. It is itself a store (kind
 * SecretStore), so it can be named wherever a store can, and answers null when none of its
 * stores holds the id, letting an outer list go on to the next store.
 */
class StoreList implements SecretStore {
  readonly name: string;
  readonly #stores: readonly SecretStore[];

  constructor(name: string, stores: readonly SecretStore[]) {
    this.name = name;
    this.#stores = Object.freeze([...stores]);
  }

  async get(secretId: string): Promise<Secret | null> {
    for (const store of this.#stores) {
      const secret = await store.get(secretId);
      if (secret !== null) return secret;
    }
    return null;
  }

  async getKey(secretId: string): Promise<StoredKey | null> {
    for (const store of this.#stores) {
      const key = store.getKey ? await store.getKey(secretId) : null;
      if (key !== null) return key;
    }
    return null;
  }

  holds(secretId: string, kind: SecretKind): Promise<boolean | undefined> {
    return storesHold(this.#stores, secretId, kind);
  }
}

interface SecretsProviderConfig {
  stores: unknown[];
}

export const secretsProviderType = defineType<SecretsProviderConfig, SecretStore>({
  type: 'SecretsProvider',
  aliases: ['org.forgerock.openig.secrets.SecretsProviderHeaplet'],
  kind: 'SecretStore',
  description: 'Asks its secret stores in the order listed; the first store holding the secret id answers.',
  schema: objectSchema({ stores: { type: 'array', items: referenceSchema, minItems: 1 } }, ['stores']),
  create: (config, context) =>
    new StoreList(
      context.name,
      config.stores.map((store, index) =>
        context.resolve<SecretStore>(store, 'SecretStore', childPlace(context.place, 'stores', index)),
      ),
    ),
});

interface SystemAndEnvSecretStoreConfig {
  format?: SecretFormat;
  mappings?: SecretMapping[];
}

export const systemAndEnvSecretStoreType = defineType<SystemAndEnvSecretStoreConfig, SecretStore>({
  type: 'SystemAndEnvSecretStore',
  aliases: ['org.forgerock.openig.secrets.SystemAndEnvSecretStoreHeaplet'],
  kind: 'SecretStore',
  description:
    'Secrets from environment variables (secret id upper-cased, dots as underscores) and system properties.',
  schema: objectSchema({
    format: formatSchema,
    mappings: {
      type: 'array',
      items: objectSchema({ secretId: { type: 'string', minLength: 1 }, format: formatSchema }, [
        'secretId',
        'format',
      ]),
    },
  }),
  // The gateway's environment, not process.env: it is what `startGateway({ env })` was given, so
  // tests and several gateways in one process each see their own.
  create: (config, context) =>
    new SystemAndEnvSecretStore(
      config,
      { env: context.environment.env, systemProperties: context.environment.system },
      context.name,
    ),
});

interface FileSystemSecretStoreConfig {
  directory: string;
  format?: SecretFormat;
  suffix?: string;
}

export const fileSystemSecretStoreType = defineType<FileSystemSecretStoreConfig, SecretStore>({
  type: 'FileSystemSecretStore',
  aliases: ['org.forgerock.openig.secrets.FileSystemSecretStoreHeaplet'],
  kind: 'SecretStore',
  description:
    'One secret per file, named secret id + suffix, read on each lookup; a relative directory is resolved from the config directory.',
  schema: objectSchema({ directory: expressionSchema, format: formatSchema, suffix: { type: 'string' } }, [
    'directory',
  ]),
  create: (config, context) => {
    const place = childPlace(context.place, 'directory');
    const directory = configString(context, config.directory, place);
    return atPlace(
      context.place,
      () =>
        new FileSystemSecretStore(
          {
            directory: isAbsolute(directory)
              ? directory
              : resolve(context.gateway.configDirectory, directory),
            format: config.format,
            suffix: config.suffix,
          },
          context.name,
        ),
    );
  },
});

interface Base64EncodedSecretStoreConfig {
  secrets: Record<string, string>;
}

export const base64EncodedSecretStoreType = defineType<Base64EncodedSecretStoreConfig, SecretStore>({
  type: 'Base64EncodedSecretStore',
  aliases: ['org.forgerock.openig.secrets.Base64EncodedSecretStore'],
  kind: 'SecretStore',
  description: 'Secrets written in the configuration as base64 values (for tests and demos).',
  schema: objectSchema({ secrets: { type: 'object', additionalProperties: expressionSchema } }, ['secrets']),
  create: (config, context) => {
    const secrets: Record<string, string> = Object.create(null);
    for (const [secretId, value] of Object.entries(config.secrets)) {
      secrets[secretId] = configString(context, value, childPlace(context.place, 'secrets', secretId));
    }
    return atPlace(
      childPlace(context.place, 'secrets'),
      () => new Base64EncodedSecretStore({ secrets }, context.name),
    );
  },
});

interface JwkSetSecretStoreConfig {
  jwkUrl: string;
  handler?: unknown;
  cacheTimeout?: string | number;
  cacheMissCacheTime?: string | number;
}

/** A JWK Set is a few keys; anything much larger is not one. */
const MAX_JWKS_BYTES = 256 * 1024;
const JWKS_FETCH_TIMEOUT_MS = 10_000;

/**
 * Fetches a JWK Set through a heap handler (a ClientHandler by default), so the fetch uses the
 * route's TLS, proxy and pool settings. Lookups happen outside any client request, so each
 * fetch is an exchange of its own with its own transaction id and time-out.
 */
function fetchThrough(handler: Handler, context: CreateContext): (url: string) => Promise<unknown> {
  return async (url) => {
    const request = new Request({
      method: 'GET',
      uri: RequestUri.parse(url),
      headers: Headers.fromRecord({ Accept: 'application/json, application/jwk-set+json' }),
      entity: new Entity(null),
    });
    const cancellation = new Cancellation();
    const exchange = new Exchange({
      request,
      client: {
        remoteAddress: '',
        remotePort: 0,
        localAddress: '',
        localPort: 0,
        isSecure: false,
        userAgent: null,
      },
      log: context.logger,
      environment: context.environment,
      maxEntityBytes: MAX_JWKS_BYTES,
      cancellation,
      transactionId: randomUUID(),
    });
    const stopTimer = cancellation.cancelAfter(
      JWKS_FETCH_TIMEOUT_MS,
      () => new TollgateError('TG_UPSTREAM_TIMEOUT', `${url}: no answer in time`),
    );
    let response: Response;
    try {
      response = await handler.handle(exchange);
      await response.entity.load(MAX_JWKS_BYTES, 'TG_UPSTREAM_RESPONSE_TOO_LARGE');
    } finally {
      stopTimer();
    }
    if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
    return parseJwkSetDocument(response.entity.string ?? '');
  };
}

export const jwkSetSecretStoreType = defineType<JwkSetSecretStoreConfig, SecretStore>({
  type: 'JwkSetSecretStore',
  aliases: ['org.forgerock.openig.secrets.JwkSetSecretStoreHeaplet'],
  kind: 'SecretStore',
  description:
    'Keys from a JWK Set URL, addressed by kid; fetched through a handler when first needed and refreshed on an unknown kid.',
  schema: objectSchema(
    {
      jwkUrl: expressionSchema,
      handler: referenceSchema,
      cacheTimeout: durationSchema,
      cacheMissCacheTime: durationSchema,
    },
    ['jwkUrl'],
  ),
  create: (config, context) => {
    const urlPlace = childPlace(context.place, 'jwkUrl');
    const jwkUrl = configString(context, config.jwkUrl, urlPlace);
    if (!URL.canParse(jwkUrl) || !/^https?:/i.test(jwkUrl)) {
      throw new ConfigErrors([configError('TG_CONFIG_BAD_VALUE', urlPlace, 'jwkUrl must be an http(s) URL')]);
    }
    const handler = context.resolve<Handler>(
      config.handler ?? 'ClientHandler',
      'Handler',
      childPlace(context.place, 'handler'),
    );
    return new JwkSetSecretStore(
      {
        jwkUrl,
        cacheTimeoutMs: parseDuration(
          config.cacheTimeout ?? '1 hour',
          childPlace(context.place, 'cacheTimeout'),
        ),
        cacheMissRefetchMs: parseDuration(
          config.cacheMissCacheTime ?? '1 minute',
          childPlace(context.place, 'cacheMissCacheTime'),
        ),
      },
      { fetchJwks: fetchThrough(handler, context) },
      context.name,
    );
  },
});
