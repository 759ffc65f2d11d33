import { compactVerify, decodeJwt, decodeProtectedHeader, type JWTPayload } from 'jose';
import { parseDuration } from '../config/duration.js';
import { durationSchema, expressionSchema, objectSchema, referenceSchema } from '../config/schema.js';
import { childPlace, ConfigErrors, configError, TollgateError } from '../errors/tollgate-error.js';
import { entityNeeds, loadEntities } from '../http/entity-loading.js';
import { textResponse } from '../http/message.js';
import { defineType, type Filter, type Handler } from '../heap/types.js';
import {
  secretsProviderOnDemand,
  secretsProviderSchema,
  warnIfNoStoreHolds,
} from '../secrets/secret-store-types.js';
import { isCompactJwe, JweRefused, openJwe } from '../secrets/jwe.js';
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

/** Where a key comes from: a secrets provider and the id of the key in it. */
export interface KeyReference {
  readonly provider: SecretsProvider;
  readonly secretId: string;
}

/**
 * Checks a JWT: a compact JWE is first opened with the `decryption` key when one is configured;
 * then the signature with the `verification` key when one is configured (any token is then
 * refused unless signed by that key), and `exp`/`nbf` against the clock widened by `skewSeconds`
 * either way. Never throws for a bad token; a missing key is a violation too, so the request gets
 * the failure answer rather than a 500.
 */
export async function checkJwt(
  token: string,
  verification: KeyReference | undefined,
  skewSeconds: number,
  nowSeconds: number,
  decryption?: KeyReference,
): Promise<JwtCheck> {
  const read = await readJwt(token, decryption);
  if ('violations' in read) return read;
  const { jws, header, claims } = read;
  if (verification) {
    if (jws === null || header.alg === 'none' || typeof header.alg !== 'string') {
      return refuse('the JWT is not signed');
    }
    let key;
    try {
      key = (await verification.provider.getKey(verification.secretId)).key;
    } catch (error) {
      const detail = error instanceof TollgateError ? error.detail : 'unreadable';
      return refuse(`the verification key cannot be read: ${detail}`);
    }
    try {
      await compactVerify(jws, key);
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

/**
 * The JWT's header and claims, and the signed JWT to verify (null for one that is only
 * encrypted), opening a compact JWE first when a decryption key is configured.
 */
async function readJwt(
  token: string,
  decryption: KeyReference | undefined,
): Promise<
  | { jws: string | null; header: Record<string, unknown>; claims: JWTPayload }
  | { ok: false; violations: readonly Violation[] }
> {
  let jws = token;
  if (decryption && isCompactJwe(token)) {
    try {
      const opened = await openJwe(token, decryption.provider, decryption.secretId);
      if (!opened.nested) return { jws: null, header: opened.header, claims: opened.claims };
      jws = opened.jws;
    } catch (error) {
      if (error instanceof JweRefused) return refuse(error.message);
      const detail = error instanceof TollgateError ? error.detail : 'unreadable';
      return refuse(`the decryption key cannot be read: ${detail}`);
    }
  }
  try {
    return {
      jws,
      header: decodeProtectedHeader(jws) as Record<string, unknown>,
      claims: decodeJwt(jws),
    };
  } catch {
    return refuse('the value is not a JWT (compact JWS with a JSON claims set)');
  }
}

function refuse(description: string): { ok: false; violations: readonly Violation[] } {
  return { ok: false, violations: [{ description }] };
}

export const jwtValidationFilterType = defineType<JwtValidationFilterConfig, Filter>({
  type: 'JwtValidationFilter',
  kind: 'Filter',
  description:
    'Validates a signed or unsigned JWT, encrypted or not (decryption, signature, exp, nbf), into contexts.jwtValidation; otherwise contexts.jwtValidationError and the failureHandler (default 403).',
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
    if (config.customizer !== undefined) {
      throw new ConfigErrors([
        configError(
          'TG_CONFIG_JWT_CUSTOMIZER',
          childPlace(place, 'customizer'),
          'a customizer (a Java class or a Groovy script) is not supported: check further claims with a ConditionEnforcementFilter',
        ),
      ]);
    }
    const jwt = context.template(config.jwt, childPlace(place, 'jwt'));
    const needs = entityNeeds([jwt]);
    const skewMs = parseDuration(config.skewAllowance ?? 0, childPlace(place, 'skewAllowance'));
    const secretsProvider = secretsProviderOnDemand(
      config.secretsProvider,
      context,
      childPlace(place, 'secretsProvider'),
    );
    const keyAt = (key: 'verificationSecretId' | 'decryptionSecretId'): KeyReference | undefined => {
      if (config[key] === undefined) return undefined;
      const idPlace = childPlace(place, key);
      const secretId = String(context.configValue(config[key], idPlace));
      const provider = secretsProvider(key);
      warnIfNoStoreHolds(
        context,
        provider,
        secretId,
        key === 'decryptionSecretId' ? 'secret' : 'key',
        idPlace,
      );
      return { provider, secretId };
    };
    const verification = keyAt('verificationSecretId');
    const decryption = keyAt('decryptionSecretId');
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
            : await checkJwt(token, verification, skewMs / 1000, Math.floor(Date.now() / 1000), decryption);
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
