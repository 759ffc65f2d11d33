import { expressionSchema, objectSchema, referenceSchema } from '../config/schema.js';
import {
  childPlace,
  ConfigErrors,
  configError,
  formatPlace,
  type Place,
  type TollgateError,
} from '../errors/tollgate-error.js';
import { defineType, type CreateContext, type Handler } from '../heap/types.js';
import {
  resolveSecretsProvider,
  secretsProviderSchema,
  warnIfNoStoreHolds,
} from '../secrets/secret-store-types.js';
import type { SecretsProvider } from '../secrets/secrets-provider.js';

/** The OAuth 2.0 endpoints of one AM realm. */
export interface AmEndpoints {
  /** AM's base URL, always ending with `/`. */
  readonly url: string;
  /** The realm as AM names it: `/` for the root realm, `/alpha/team` below it. */
  readonly realm: string;
  readonly tokenEndpoint: string;
  readonly introspectionEndpoint: string;
}

/**
 * AM's realm path for its OAuth 2.0 endpoints: `realms/root` for the root realm, and one
 * `realms/<name>` step per sub-realm (`/a/b` → `realms/root/realms/a/realms/b`). Realm names are
 * percent-encoded, since each is one path segment. Returns undefined for a realm that is not a
 * `/`-separated list of names (an empty step such as `/a//b`, or `.` / `..`).
 */
export function realmPath(realm: string): { realm: string; path: string } | undefined {
  const names = realm.split('/').filter((name, index, all) => {
    // Leading and trailing slashes are optional: "/alpha", "alpha" and "/alpha/" are one realm.
    return !(name === '' && (index === 0 || index === all.length - 1));
  });
  if (names.some((name) => name === '' || name === '.' || name === '..')) return undefined;
  return {
    realm: `/${names.join('/')}`,
    path: ['realms/root', ...names.map((name) => `realms/${encodeURIComponent(name)}`)].join('/'),
  };
}

/**
 * Derives the OAuth 2.0 endpoints from AM's base URL and a realm. A URL without a trailing slash
 * gets one (`http://am/openam` and `http://am/openam/` are the same AM); query and fragment are
 * refused, since a path is appended. Undefined when the URL or the realm is not usable.
 */
export function deriveAmEndpoints(url: string, realm: string): AmEndpoints | undefined {
  if (!URL.canParse(url)) return undefined;
  const parsed = new URL(url);
  if (!/^https?:$/.test(parsed.protocol) || parsed.search !== '' || parsed.hash !== '' || url.includes('#'))
    return undefined;
  const base = parsed.href.endsWith('/') ? parsed.href : `${parsed.href}/`;
  const derived = realmPath(realm);
  if (derived === undefined) return undefined;
  const oauth2 = `${base}oauth2/${derived.path}`;
  return Object.freeze({
    url: base,
    realm: derived.realm,
    tokenEndpoint: `${oauth2}/access_token`,
    introspectionEndpoint: `${oauth2}/introspect`,
  });
}

export interface AmAgent {
  readonly username: string;
  /** Looked up through the service's secretsProvider when AM is called as the agent. */
  readonly passwordSecretId: string;
}

/**
 * PingGateway's AmService: where AM is and how to reach it. Building it calls nothing: the
 * endpoints are derived from `url` and `realm`, and AM is first contacted when a request needs it.
 */
export class AmService implements AmEndpoints {
  readonly url: string;
  readonly realm: string;
  readonly tokenEndpoint: string;
  readonly introspectionEndpoint: string;
  readonly agent: AmAgent | undefined;
  readonly secretsProvider: SecretsProvider | undefined;
  /** The handler for calls to AM (ForgeRockClientHandler by default). */
  readonly amHandler: Handler;

  constructor(
    endpoints: AmEndpoints,
    options: { agent?: AmAgent; secretsProvider?: SecretsProvider; amHandler: Handler },
  ) {
    this.url = endpoints.url;
    this.realm = endpoints.realm;
    this.tokenEndpoint = endpoints.tokenEndpoint;
    this.introspectionEndpoint = endpoints.introspectionEndpoint;
    this.agent = options.agent;
    this.secretsProvider = options.secretsProvider;
    this.amHandler = options.amHandler;
    Object.freeze(this);
  }
}

interface AmServiceConfig {
  url: string;
  realm?: string;
  agent?: { username: string; passwordSecretId: string };
  secretsProvider?: unknown;
  amHandler?: unknown;
  notifications?: unknown;
  sessionCache?: unknown;
  sessionIdleRefresh?: unknown;
  sessionProperties?: unknown;
  ssoTokenHeader?: unknown;
  version?: unknown;
}

/**
 * AmService keys of PingGateway that concern AM sessions and notifications, which Tollgate does
 * not implement. They are accepted so routes written for PingGateway load, and each one present
 * is reported once at build.
 */
const UNUSED_KEYS = [
  'notifications',
  'sessionCache',
  'sessionIdleRefresh',
  'sessionProperties',
  'ssoTokenHeader',
  'version',
] as const;

function stringValue(context: CreateContext, value: string, place: Place): string {
  const evaluated = context.configValue(value, place);
  if (typeof evaluated !== 'string' || evaluated === '') {
    throw new ConfigErrors([configError('TG_CONFIG_BAD_VALUE', place, 'expected a non-empty string')]);
  }
  return evaluated;
}

export const amServiceType = defineType<AmServiceConfig, AmService>({
  type: 'AmService',
  aliases: ['org.forgerock.openig.openam.AmServiceHeaplet'],
  kind: 'Service',
  description:
    'Where PingAM is: its base URL and realm, from which the OAuth 2.0 token and introspection endpoints derive.',
  schema: objectSchema(
    {
      url: expressionSchema,
      realm: expressionSchema,
      agent: objectSchema({ username: expressionSchema, passwordSecretId: expressionSchema }, [
        'username',
        'passwordSecretId',
      ]),
      secretsProvider: secretsProviderSchema,
      amHandler: referenceSchema,
      ...Object.fromEntries(UNUSED_KEYS.map((key) => [key, {}])),
    },
    ['url'],
  ),
  create: (config, context) => {
    const { place } = context;
    const url = stringValue(context, config.url, childPlace(place, 'url'));
    const realm =
      config.realm === undefined ? '/' : stringValue(context, config.realm, childPlace(place, 'realm'));
    const errors: TollgateError[] = [];
    if (deriveAmEndpoints(url, '/') === undefined) {
      errors.push(
        configError(
          'TG_CONFIG_BAD_VALUE',
          childPlace(place, 'url'),
          'url must be an http(s) URL without query or fragment',
        ),
      );
    }
    if (realmPath(realm) === undefined) {
      errors.push(
        configError('TG_CONFIG_BAD_VALUE', childPlace(place, 'realm'), `"${realm}" is not a realm path`),
      );
    }
    if (config.agent !== undefined && config.secretsProvider === undefined) {
      errors.push(
        configError(
          'TG_CONFIG_MISSING_PROPERTY',
          childPlace(place, 'secretsProvider'),
          'an agent password is looked up through a secretsProvider',
        ),
      );
    }
    if (errors.length > 0) throw new ConfigErrors(errors);

    for (const key of UNUSED_KEYS) {
      if (config[key] !== undefined) {
        context.logger.warn(
          { place: formatPlace(childPlace(place, key)) },
          `AmService "${key}" is not implemented; ignored`,
        );
      }
    }
    const agent =
      config.agent === undefined
        ? undefined
        : Object.freeze({
            username: stringValue(context, config.agent.username, childPlace(place, 'agent', 'username')),
            passwordSecretId: stringValue(
              context,
              config.agent.passwordSecretId,
              childPlace(place, 'agent', 'passwordSecretId'),
            ),
          });
    const secretsProvider =
      config.secretsProvider === undefined
        ? undefined
        : resolveSecretsProvider(config.secretsProvider, context, childPlace(place, 'secretsProvider'));
    if (agent !== undefined && secretsProvider !== undefined) {
      const idPlace = childPlace(place, 'agent', 'passwordSecretId');
      warnIfNoStoreHolds(context, secretsProvider, agent.passwordSecretId, 'secret', idPlace);
    }
    return new AmService(deriveAmEndpoints(url, realm)!, {
      agent,
      secretsProvider,
      amHandler: context.resolve<Handler>(
        config.amHandler ?? 'ForgeRockClientHandler',
        'Handler',
        childPlace(place, 'amHandler'),
      ),
    });
  },
});

/**
 * Where an object that takes `amService` or `endpoint` calls: the AmService's endpoint that
 * `pick` names when `amService` is set (it wins over `endpoint`, as in PingGateway), else
 * `endpoint`, which must be an http(s) URL without a fragment.
 */
export function amServiceOrEndpoint(
  config: { amService?: unknown; endpoint?: unknown },
  context: CreateContext,
  pick: (service: AmService) => string,
): string {
  const { place } = context;
  if (config.amService !== undefined) {
    const servicePlace = childPlace(place, 'amService');
    const service = context.resolve<unknown>(config.amService, 'Service', servicePlace);
    if (!(service instanceof AmService)) {
      throw new ConfigErrors([
        configError('TG_CONFIG_WRONG_KIND', servicePlace, 'amService must be an AmService'),
      ]);
    }
    if (config.endpoint !== undefined) {
      context.logger.warn(
        { place: formatPlace(childPlace(place, 'endpoint')) },
        '"endpoint" is ignored: "amService" takes precedence',
      );
    }
    return pick(service);
  }
  if (config.endpoint === undefined) {
    throw new ConfigErrors([
      configError(
        'TG_CONFIG_MISSING_PROPERTY',
        childPlace(place, 'amService'),
        'one of "amService" and "endpoint" is required',
      ),
    ]);
  }
  const endpointPlace = childPlace(place, 'endpoint');
  const endpoint = context.configValue(config.endpoint, endpointPlace);
  if (typeof endpoint !== 'string' || endpoint === '') {
    throw new ConfigErrors([
      configError('TG_CONFIG_BAD_VALUE', endpointPlace, 'expected a non-empty string'),
    ]);
  }
  if (!URL.canParse(endpoint) || !/^https?:\/\//i.test(endpoint) || endpoint.includes('#')) {
    throw new ConfigErrors([
      configError('TG_CONFIG_BAD_VALUE', endpointPlace, 'endpoint must be an http(s) URL without a fragment'),
    ]);
  }
  return endpoint;
}
