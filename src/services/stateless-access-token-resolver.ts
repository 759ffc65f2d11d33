import { errors as joseErrors, jwtDecrypt, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { parseDuration } from '../config/duration.js';
import { durationSchema, expressionSchema, objectSchema } from '../config/schema.js';
import {
  childPlace,
  ConfigErrors,
  configError,
  type Place,
  TollgateError,
} from '../errors/tollgate-error.js';
import type { Exchange } from '../http/exchange.js';
import { defineType, type CreateContext } from '../heap/types.js';
import {
  invalidToken,
  resolutionFailed,
  tokenInfo,
  type AccessTokenResolution,
  type AccessTokenResolver,
} from '../oauth2/access-token.js';
import {
  resolveSecretsProvider,
  secretsProviderSchema,
  warnIfNoStoreHolds,
} from '../secrets/secret-store-types.js';
import { isCompactJwe, JweRefused, openJwe, SHARED_KEY_ALGORITHMS } from '../secrets/jwe.js';
import type { CryptoKeyLike } from '../secrets/secret.js';
import type { SecretsProvider } from '../secrets/secrets-provider.js';

interface StatelessConfig {
  issuer: string;
  secretsProvider: unknown;
  verificationSecretId?: string;
  decryptionSecretId?: string;
  skewAllowance?: string | number;
  audience?: string | string[];
}

export interface StatelessSettings {
  readonly issuer: string;
  readonly secretsProvider: SecretsProvider;
  /** The signing key's id; without it, the key the JWT's `kid` names. */
  readonly verificationSecretId?: string;
  /** The key that opens encrypted (JWE) tokens; without it, only signed ones are taken. */
  readonly decryptionSecretId?: string;
  readonly skewAllowanceMs: number;
  /** Accepted `aud` values; empty checks no audience, as PingGateway does. */
  readonly audiences: readonly string[];
}

/** A key lookup that found nothing: the token names a key the gateway does not trust. */
class UnknownKey extends Error {}

/**
 * Validates JWT access tokens (RFC 9068) without calling the authorization server: the signature
 * with a key from the secretsProvider, then `exp` (required), `nbf`, `iss` and, when configured,
 * `aud`, each allowing skewAllowance for clock drift. The key is the one verificationSecretId
 * names (a PEM or JWK secret), else the one the JWT's `kid` names (how a JwkSetSecretStore holds
 * keys): the operator's choice first, so a token cannot pick another of the gateway's secrets
 * while that one is there.
 * An encrypted token (JWE) is opened with decryptionSecretId's key first: a signed JWT inside is
 * then checked as above. One that is only encrypted is taken only when a shared secret opened it;
 * anyone can encrypt to a public key, so such a token proves nothing about who made it.
 * A token that fails a check is invalid; a key source that cannot be read is a failure.
 */
export class StatelessAccessTokenResolver implements AccessTokenResolver {
  readonly #settings: StatelessSettings;
  readonly #getKey: JWTVerifyGetKey;

  constructor(settings: StatelessSettings) {
    this.#settings = settings;
    const { secretsProvider, verificationSecretId } = settings;
    this.#getKey = async (header) => {
      const key =
        (verificationSecretId === undefined
          ? null
          : await keyOrNull(secretsProvider, verificationSecretId, NOT_FOUND)) ??
        (header.kid === undefined ? null : await keyOrNull(secretsProvider, header.kid, NOT_A_TRUSTED_KEY));
      if (key === null) throw new UnknownKey();
      return key as Awaited<ReturnType<JWTVerifyGetKey>>;
    };
  }

  async resolve(token: string, _exchange: Exchange): Promise<AccessTokenResolution> {
    const { issuer, audiences, skewAllowanceMs, decryptionSecretId, secretsProvider } = this.#settings;
    const checks = {
      issuer,
      ...(audiences.length > 0 ? { audience: [...audiences] } : {}),
      clockTolerance: skewAllowanceMs / 1000,
      requiredClaims: ['exp'],
    };
    try {
      let payload: JWTPayload;
      if (decryptionSecretId !== undefined && isCompactJwe(token)) {
        const opened = await openJwe(token, secretsProvider, decryptionSecretId);
        if (opened.nested) {
          ({ payload } = await jwtVerify(opened.jws, this.#getKey, checks));
        } else if (!opened.shared) {
          return invalidToken('an encrypted token that is not signed is taken only from a shared key');
        } else {
          // jose checks a claims set only as it decrypts it: decrypted again, with the same key.
          ({ payload } = await jwtDecrypt(token, opened.key, {
            ...checks,
            keyManagementAlgorithms: [...SHARED_KEY_ALGORITHMS],
          }));
        }
      } else {
        ({ payload } = await jwtVerify(token, this.#getKey, checks));
      }
      return Object.freeze({ valid: true, token: tokenInfo(token, payload) });
    } catch (error) {
      return invalidOrThrow(error);
    }
  }
}

/** The configured id: only its absence is not an error. */
const NOT_FOUND: ReadonlySet<string> = new Set(['TG_SECRET_NOT_FOUND']);
/**
 * A kid the token chose: whatever it names that is not a key (an id a store refuses, a secret that
 * is not a key) is a key the gateway does not trust, not the gateway's failure.
 */
const NOT_A_TRUSTED_KEY: ReadonlySet<string> = new Set([
  'TG_SECRET_NOT_FOUND',
  'TG_SECRET_BAD_ID',
  'TG_SECRET_NOT_A_KEY',
  'TG_SECRET_BAD_FORMAT',
]);

async function keyOrNull(
  provider: SecretsProvider,
  id: string,
  absent: ReadonlySet<string>,
): Promise<CryptoKeyLike | null> {
  try {
    return (await provider.getKey(id)).key;
  } catch (error) {
    if (error instanceof TollgateError && absent.has(error.code)) return null;
    throw error;
  }
}

/** jose's verdicts become reasons; a key source that failed is the resolver's failure. */
function invalidOrThrow(error: unknown): AccessTokenResolution {
  if (error instanceof JweRefused) return invalidToken(error.message);
  if (error instanceof UnknownKey) return invalidToken('the token is signed with an unknown key');
  if (error instanceof joseErrors.JWTExpired) return invalidToken('the token has expired');
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return invalidToken(`the token's "${error.claim}" claim is not accepted`);
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
    return invalidToken('the token signature is not valid');
  }
  if (error instanceof joseErrors.JOSEError) return invalidToken('the token is not a valid signed JWT');
  if (error instanceof TollgateError) {
    throw resolutionFailed(`the verification or decryption key cannot be read: ${error.code}`, error);
  }
  // What is left comes from the token itself: an algorithm the key cannot be used with (an HS256
  // token against an RSA key) raises a TypeError in jose. Refused, never a pass.
  return invalidToken('the token cannot be verified with the key it names');
}

function configString(context: CreateContext, value: unknown, place: Place): string {
  const evaluated = context.configValue(value, place);
  if (typeof evaluated !== 'string' || evaluated === '') {
    throw new ConfigErrors([configError('TG_CONFIG_BAD_VALUE', place, 'expected a non-empty string')]);
  }
  return evaluated;
}

export const statelessAccessTokenResolverType = defineType<StatelessConfig, AccessTokenResolver>({
  type: 'StatelessAccessTokenResolver',
  kind: 'AccessTokenResolver',
  description:
    'Validates JWT access tokens locally: signed, or encrypted (decryptionSecretId) and signed, or encrypted with a shared key; signature (key from the secretsProvider), exp, nbf, iss and optionally aud.',
  schema: objectSchema(
    {
      issuer: expressionSchema,
      secretsProvider: secretsProviderSchema,
      verificationSecretId: expressionSchema,
      decryptionSecretId: expressionSchema,
      skewAllowance: durationSchema,
      audience: { type: ['string', 'array'], items: expressionSchema, minLength: 1 },
    },
    ['issuer', 'secretsProvider'],
  ),
  create: (config, context) => {
    const { place } = context;
    const at = (key: string): Place => childPlace(place, key);
    if (config.verificationSecretId === undefined && config.decryptionSecretId === undefined) {
      throw new ConfigErrors([
        configError(
          'TG_CONFIG_MISSING_PROPERTY',
          at('verificationSecretId'),
          'give verificationSecretId, decryptionSecretId, or both',
        ),
      ]);
    }
    const verificationSecretId =
      config.verificationSecretId === undefined
        ? undefined
        : configString(context, config.verificationSecretId, at('verificationSecretId'));
    const decryptionSecretId =
      config.decryptionSecretId === undefined
        ? undefined
        : configString(context, config.decryptionSecretId, at('decryptionSecretId'));
    const skewAllowanceMs = parseDuration(config.skewAllowance ?? 0, at('skewAllowance'));
    if (!Number.isFinite(skewAllowanceMs)) {
      throw new ConfigErrors([
        configError('TG_CONFIG_BAD_VALUE', at('skewAllowance'), 'skewAllowance must be finite'),
      ]);
    }
    const audienceList =
      config.audience === undefined
        ? []
        : Array.isArray(config.audience)
          ? config.audience
          : [config.audience];
    const audiences = audienceList.map((audience, index) =>
      configString(
        context,
        audience,
        Array.isArray(config.audience) ? childPlace(place, 'audience', index) : at('audience'),
      ),
    );
    const secretsProvider = resolveSecretsProvider(config.secretsProvider, context, at('secretsProvider'));
    if (verificationSecretId !== undefined) {
      warnIfNoStoreHolds(context, secretsProvider, verificationSecretId, 'key', at('verificationSecretId'));
    }
    return new StatelessAccessTokenResolver({
      issuer: configString(context, config.issuer, at('issuer')),
      secretsProvider,
      ...(verificationSecretId === undefined ? {} : { verificationSecretId }),
      ...(decryptionSecretId === undefined ? {} : { decryptionSecretId }),
      skewAllowanceMs,
      audiences: Object.freeze(audiences),
    });
  },
});
