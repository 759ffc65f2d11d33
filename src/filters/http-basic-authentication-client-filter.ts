import { expressionSchema, objectSchema } from '../config/schema.js';
import { childPlace } from '../errors/tollgate-error.js';
import { defineType, type Filter } from '../heap/types.js';
import { formUrlEncode } from '../http/form.js';
import {
  resolveSecretsProvider,
  secretsProviderSchema,
  warnIfNoStoreHolds,
} from '../secrets/secret-store-types.js';
import { configText } from './client-secret-post-authentication-filter.js';

interface HttpBasicAuthenticationClientFilterConfig {
  username: string;
  passwordSecretId: string;
  secretsProvider: unknown;
  urlEncodeCredentials?: boolean | string;
}

export const httpBasicAuthenticationClientFilterType = defineType<
  HttpBasicAuthenticationClientFilterConfig,
  Filter
>({
  type: 'HttpBasicAuthenticationClientFilter',
  aliases: ['org.forgerock.openig.filter.HttpBasicAuthenticationClientFilterHeaplet'],
  kind: 'Filter',
  description:
    'Adds Authorization: Basic with the username and the password (from the secretsProvider) to the outgoing request.',
  schema: objectSchema(
    {
      username: { ...expressionSchema, minLength: 1 },
      passwordSecretId: { ...expressionSchema, minLength: 1 },
      secretsProvider: secretsProviderSchema,
      urlEncodeCredentials: { type: ['boolean', 'string'] },
    },
    ['username', 'passwordSecretId', 'secretsProvider'],
  ),
  create: (config, context) => {
    const { place } = context;
    const username = configText(context, config.username, childPlace(place, 'username'));
    const secretId = configText(context, config.passwordSecretId, childPlace(place, 'passwordSecretId'));
    const provider = resolveSecretsProvider(
      config.secretsProvider,
      context,
      childPlace(place, 'secretsProvider'),
    );
    warnIfNoStoreHolds(context, provider, secretId, 'secret', childPlace(place, 'passwordSecretId'));
    const encodeValue = context.configValue(
      config.urlEncodeCredentials ?? false,
      childPlace(place, 'urlEncodeCredentials'),
    );
    const urlEncode = encodeValue === true || String(encodeValue).toLowerCase() === 'true';
    const encode = (text: string): string => (urlEncode ? formUrlEncode(text) : text);
    return {
      async filter(exchange, next) {
        // Looked up per request: stores may rotate the password.
        const password = (await provider.getSecret(secretId)).revealText();
        const credentials = Buffer.from(`${encode(username)}:${encode(password)}`, 'utf8').toString('base64');
        exchange.request.headers.set('Authorization', `Basic ${credentials}`);
        return next.handle(exchange);
      },
    };
  },
});
