import { objectSchema, type JsonSchema } from '../config/schema.js';
import { childPlace, configError, ConfigErrors } from '../errors/tollgate-error.js';
import type { UpstreamProxy } from '../http/client.js';
import type { CreateContext } from '../heap/types.js';
import { resolveSecretsProvider, secretsProviderSchema } from '../secrets/secret-store-types.js';
import { secretIdAt } from '../secrets/tls-material.js';

/** What a ProxyOptions heap object (kind ProxyOptions) gives a client handler: where requests go first. */
export interface ProxyChoice {
  load(): Promise<UpstreamProxy>;
}

export interface CustomProxyConfig {
  uri: string;
  username?: string;
  passwordSecretId?: string;
  secretsProvider?: unknown;
}

/** CustomProxyOptions' config, also the deprecated `proxy` key of a client handler. */
export const customProxySchema: JsonSchema = objectSchema(
  {
    uri: { type: 'string', minLength: 1 },
    username: { type: 'string' },
    passwordSecretId: { type: 'string' },
    secretsProvider: secretsProviderSchema,
  },
  ['uri'],
);

/**
 * A proxy at `uri`, with Basic credentials when a username is given: the password is read from
 * the secrets provider when the heap starts, and sent only to the proxy.
 */
export function customProxy(config: CustomProxyConfig, context: CreateContext): ProxyChoice {
  const uriPlace = childPlace(context.place, 'uri');
  const uri = context.configValue(config.uri, uriPlace);
  if (typeof uri !== 'string' || !/^https?:\/\/[^/]/i.test(uri)) {
    throw new ConfigErrors([
      configError('TG_CONFIG_BAD_VALUE', uriPlace, 'expected an http:// or https:// URI'),
    ]);
  }
  if (config.passwordSecretId === undefined) {
    return { load: () => Promise.resolve({ kind: 'custom', uri }) };
  }
  for (const key of ['username', 'secretsProvider'] as const) {
    if (config[key] === undefined) {
      throw new ConfigErrors([
        configError(
          'TG_CONFIG_MISSING_PROPERTY',
          childPlace(context.place, key),
          `passwordSecretId needs ${key}`,
        ),
      ]);
    }
  }
  const secretId = secretIdAt(
    context,
    config.passwordSecretId,
    childPlace(context.place, 'passwordSecretId'),
  );
  const provider = resolveSecretsProvider(
    config.secretsProvider,
    context,
    childPlace(context.place, 'secretsProvider'),
  );
  const username = String(context.configValue(config.username, childPlace(context.place, 'username')));
  return {
    load: async () => {
      const password = (await provider.getSecret(secretId)).revealText();
      const credentials = Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
      return { kind: 'custom', uri, authorization: `Basic ${credentials}` };
    },
  };
}

export const noProxy: ProxyChoice = Object.freeze({ load: () => Promise.resolve({ kind: 'none' as const }) });

export const systemProxy: ProxyChoice = Object.freeze({
  load: () => Promise.resolve({ kind: 'system' as const }),
});
