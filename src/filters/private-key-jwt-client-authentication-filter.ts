import { parseDuration } from '../config/duration.js';
import { durationSchema, expressionSchema, objectSchema } from '../config/schema.js';
import { childPlace, ConfigErrors, configError, TollgateError } from '../errors/tollgate-error.js';
import { defineType, type Filter } from '../heap/types.js';
import { ASSERTION_ALGORITHMS, privateKeyJwt, type AssertionAlgorithm } from '../oauth2/client-auth.js';
import {
  resolveSecretsProvider,
  secretsProviderSchema,
  warnIfNoStoreHolds,
} from '../secrets/secret-store-types.js';
import { authenticateRequest, configText } from './client-secret-post-authentication-filter.js';

interface PrivateKeyJwtClientAuthenticationFilterConfig {
  clientId: string;
  tokenEndpoint: string;
  secretsProvider: unknown;
  signingSecretId: string;
  signingAlgorithm?: AssertionAlgorithm;
  jwtExpirationTimeout?: string | number;
  claims?: Record<string, unknown>;
}

export const privateKeyJwtClientAuthenticationFilterType = defineType<
  PrivateKeyJwtClientAuthenticationFilterConfig,
  Filter
>({
  type: 'PrivateKeyJwtClientAuthenticationFilter',
  kind: 'Filter',
  description:
    'Adds client_id, client_assertion_type and a freshly signed client_assertion (RFC 7523 private_key_jwt) to the form body of the outgoing request.',
  schema: objectSchema(
    {
      clientId: { ...expressionSchema, minLength: 1 },
      tokenEndpoint: { ...expressionSchema, minLength: 1 },
      secretsProvider: secretsProviderSchema,
      signingSecretId: { ...expressionSchema, minLength: 1 },
      signingAlgorithm: { enum: [...ASSERTION_ALGORITHMS] },
      jwtExpirationTimeout: durationSchema,
      claims: { type: 'object' },
    },
    ['clientId', 'tokenEndpoint', 'secretsProvider', 'signingSecretId'],
  ),
  create: (config, context) => {
    const { place } = context;
    const clientId = configText(context, config.clientId, childPlace(place, 'clientId'));
    const tokenEndpoint = configText(context, config.tokenEndpoint, childPlace(place, 'tokenEndpoint'));
    if (!URL.canParse(tokenEndpoint)) {
      throw new ConfigErrors([
        configError('TG_CONFIG_BAD_VALUE', childPlace(place, 'tokenEndpoint'), 'tokenEndpoint must be a URL'),
      ]);
    }
    const signingSecretId = configText(context, config.signingSecretId, childPlace(place, 'signingSecretId'));
    const lifetimePlace = childPlace(place, 'jwtExpirationTimeout');
    const lifetimeMs = parseDuration(config.jwtExpirationTimeout ?? '1 minute', lifetimePlace);
    if (!Number.isSafeInteger(lifetimeMs / 1000) || lifetimeMs < 1000) {
      throw new ConfigErrors([
        configError(
          'TG_CONFIG_BAD_VALUE',
          lifetimePlace,
          'the assertion lifetime must be a whole number of seconds, at least 1',
        ),
      ]);
    }
    const claims: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(config.claims ?? {})) {
      claims[name] = context.configValue(value, childPlace(place, 'claims', name));
    }
    const provider = resolveSecretsProvider(
      config.secretsProvider,
      context,
      childPlace(place, 'secretsProvider'),
    );
    warnIfNoStoreHolds(context, provider, signingSecretId, 'key', childPlace(place, 'signingSecretId'));
    let authenticator;
    try {
      authenticator = privateKeyJwt({
        clientId,
        // RFC 7523 §3: the assertion's audience is the authorization server; PingGateway uses
        // the configured token endpoint for it.
        audience: tokenEndpoint,
        // Read per request: a rotated key is used without a reload.
        signingKey: () => provider.getKey(signingSecretId),
        algorithm: config.signingAlgorithm,
        lifetimeSeconds: lifetimeMs / 1000,
        claims,
      });
    } catch (error) {
      // Extra claims that try to replace a registered one (iss, sub, aud, exp…).
      if (error instanceof TollgateError) {
        throw new ConfigErrors([
          configError('TG_CONFIG_BAD_VALUE', childPlace(place, 'claims'), error.detail, error),
        ]);
      }
      throw error;
    }
    return {
      async filter(exchange, next) {
        await authenticateRequest(exchange, authenticator, true);
        return next.handle(exchange);
      },
    };
  },
});
