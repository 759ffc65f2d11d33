import { compactVerify, decodeJwt, decodeProtectedHeader, type JWTPayload } from 'jose';
import { parseDuration } from '../config/duration.js';
import { durationSchema, expressionSchema, objectSchema, referenceSchema } from '../config/schema.js';
import { childPlace, ConfigErrors, configError, TollgateError } from '../errors/tollgate-error.js';
import { entityNeeds, loadEntities } from '../http/entity-loading.js';
import { textResponse } from '../http/message.js';
import { defineType, type Filter, type Handler } from '../heap/types.js';
import {
  resolveSecretsProvider,
  secretsProviderSchema,
  warnIfNoStoreHolds,
} from '../secrets/secret-store-types.js';
import type { SecretsProvider } from '../secrets/secrets-provider.js';

interface JwtValidationFilterConfig {
  jwt: string;
  verificationSecretId?: string;
  decryptionSecretId?: unknown;
  secretsProvider?: unknown;
  skewAllowance?: string | number;
  customizer?: unknown;
  failureHandler?: unknown;
}

/** PingGateway's Violation: what one failed check says. */
export interface Violation {
  readonly description: string;
}

/** The outcome of checking one JWT: its header and claims, or why it was refused. */
export type JwtCheck =
  | { readonly ok: true; readonly header: Record<string, unknown>; readonly claims: JWTPayload }
  | { readonly ok: false; readonly violations: readonly Violation[] };

/**
 * Checks a compact JWS: its signature with the key `secretId` names when one is configured (any
 * token is then refused unless signed by that key), and `exp`/`nbf` against the clock widened by
 * `skewSeconds` either way. Never throws for a bad token; a missing key is a violation too, so
 * the request gets the failure answer rather than a 500.
 */
export async function checkJwt(
  jwt: string,
  verification: { provider: SecretsProvider; secretId: string } | undefined,
  skewSeconds: number,
  nowSeconds: number,
): Promise<JwtCheck> {
  let header: Record<string, unknown>;
  let claims: JWTPayload;
  try {
    header = decodeProtectedHeader(jwt) as Record<string, unknown>;
    claims = decodeJwt(jwt);
  } catch {
    return refuse('the value is not a JWT (compact JWS with a JSON claims set)');
  }
  if (verification) {
    if (header.alg === 'none' || typeof header.alg !== 'string') return refuse('the JWT is not signed');
    let key;
    try {
      key = (await verification.provider.getKey(verification.secretId)).key;
    } catch (error) {
      const detail = error instanceof TollgateError ? error.detail : 'unreadable';
      return refuse(`the verification key cannot be read: ${detail}`);
    }
    try {
      await compactVerify(jwt, key);
    } catch {
      return refuse('the signature is not valid for the verification key');
    }
  }
  const violations: Violation[] = [];
  if (
    claims.exp !== undefined &&
    (typeof claims.exp !== 'number' || claims.exp + skewSeconds <= nowSeconds)
  ) {
    violations.push({ description: 'the JWT has expired (exp)' });
  }
  if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf - skewSeconds > nowSeconds)) {
    violations.push({ description: 'the JWT is not valid yet (nbf)' });
  }
  if (violations.length > 0) return { ok: false, violations };
  return { ok: true, header, claims };
}

function refuse(description: string): JwtCheck {
  return { ok: false, violations: [{ description }] };
}

export const jwtValidationFilterType = defineType<JwtValidationFilterConfig, Filter>({
  type: 'JwtValidationFilter',
  kind: 'Filter',
  description:
    'Validates a signed or unsigned JWT (signature, exp, nbf) into contexts.jwtValidation; otherwise contexts.jwtValidationError and the failureHandler (default 403).',
  schema: objectSchema(
    {
      jwt: { ...expressionSchema, minLength: 1 },
      verificationSecretId: { ...expressionSchema, minLength: 1 },
      decryptionSecretId: expressionSchema,
      secretsProvider: secretsProviderSchema,
      skewAllowance: durationSchema,
      customizer: referenceSchema,
      failureHandler: referenceSchema,
    },
    ['jwt'],
  ),
  create: (config, context) => {
    const { place } = context;
    for (const key of ['decryptionSecretId', 'customizer'] as const) {
      if (config[key] !== undefined) {
        throw new ConfigErrors([
          configError('TG_CONFIG_JWT_ENCRYPTION', childPlace(place, key), `${key} is not supported`),
        ]);
      }
    }
    const jwt = context.template(config.jwt, childPlace(place, 'jwt'));
    const needs = entityNeeds([jwt]);
    const skewMs = parseDuration(config.skewAllowance ?? 0, childPlace(place, 'skewAllowance'));
    let verification: { provider: SecretsProvider; secretId: string } | undefined;
    if (config.verificationSecretId !== undefined) {
      const idPlace = childPlace(place, 'verificationSecretId');
      const secretId = String(context.configValue(config.verificationSecretId, idPlace));
      if (config.secretsProvider === undefined) {
        throw new ConfigErrors([
          configError(
            'TG_CONFIG_MISSING_PROPERTY',
            childPlace(place, 'secretsProvider'),
            'verificationSecretId needs a secretsProvider',
          ),
        ]);
      }
      const provider = resolveSecretsProvider(
        config.secretsProvider,
        context,
        childPlace(place, 'secretsProvider'),
      );
      warnIfNoStoreHolds(context, provider, secretId, 'key', idPlace);
      verification = { provider, secretId };
    }
    const failureHandler = context.resolveOptional<Handler>(
      config.failureHandler,
      'Handler',
      childPlace(place, 'failureHandler'),
    );
    return {
      async filter(exchange, next) {
        await loadEntities(exchange, needs);
        const value = jwt.evaluate(exchange);
        const token = typeof value === 'string' ? value.trim() : '';
        const check =
          token === ''
            ? refuse('the jwt expression gave no JWT')
            : await checkJwt(token, verification, skewMs / 1000, Math.floor(Date.now() / 1000));
        if (check.ok) {
          const claims = Object.freeze({ ...check.claims });
          exchange.contexts.jwtValidation = Object.freeze({
            value: token,
            claims,
            info: claims,
            jwt: Object.freeze({ header: Object.freeze({ ...check.header }), claims }),
          });
          return next.handle(exchange);
        }
        exchange.contexts.jwtValidationError = Object.freeze({
          jwt: token,
          violations: Object.freeze(check.violations),
        });
        return failureHandler ? failureHandler.handle(exchange) : textResponse(403);
      },
    };
  },
});
