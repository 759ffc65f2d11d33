import { KeyObject, randomUUID } from 'node:crypto';
import { SignJWT, type CryptoKey } from 'jose';
import { TollgateError } from '../errors/tollgate-error.js';
import { formUrlEncode } from '../http/form.js';
import type { Headers } from '../http/headers.js';
import type { CryptoKeyLike, Secret, StoredKey } from '../secrets/secret.js';
import { JWT_BEARER_ASSERTION_TYPE } from './token-types.js';

/** The token request a client authenticator adds its credentials to. */
export interface TokenEndpointRequest {
  readonly endpoint: string;
  readonly form: URLSearchParams;
  readonly headers: Headers;
}

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';

/** Adds one client authentication method's credentials to a token request. */
export interface ClientAuthenticator {
  readonly method: ClientAuthMethod;
  readonly clientId: string;
  authenticate(request: TokenEndpointRequest): Promise<void>;
}

/**
 * A secret, or how to get it when it is needed: reading it per request (through a
 * SecretsProvider) means a rotated secret is used without rebuilding the route.
 */
export type SecretSource = Secret | (() => Promise<Secret>);
export type KeySource = StoredKey | (() => Promise<StoredKey>);

function resolveSource<T extends object>(source: T | (() => Promise<T>)): T | Promise<T> {
  return typeof source === 'function' ? (source as () => Promise<T>)() : source;
}

function requireClientId(clientId: string): string {
  if (typeof clientId !== 'string' || clientId === '') {
    throw new TollgateError('TG_OAUTH2_CLIENT_AUTH', 'the client id cannot be empty');
  }
  return clientId;
}

/**
 * The `Authorization` header value for client_secret_basic. RFC 6749 §2.3.1 has the id and the
 * secret form-urlencoded before they are joined with `:` and base64-encoded, so an id holding a
 * colon stays unambiguous and non-ASCII survives. Some servers skip that step; with ids and
 * secrets of unreserved characters only, the two encodings are the same.
 */
export function basicAuthorization(clientId: string, clientSecret: Secret): string {
  const secret = clientSecret.revealText();
  const credentials = `${formUrlEncode(clientId)}:${formUrlEncode(secret)}`;
  return `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
}

/** RFC 6749 §2.3.1: client id and secret in an HTTP Basic `Authorization` header. */
export function clientSecretBasic(clientId: string, clientSecret: SecretSource): ClientAuthenticator {
  requireClientId(clientId);
  // Stores hand back the same Secret while its value is unchanged: reuse the header made from it.
  let last: { secret: Secret; header: string } | undefined;
  return Object.freeze({
    method: 'client_secret_basic' as const,
    clientId,
    async authenticate(request: TokenEndpointRequest): Promise<void> {
      const secret = await resolveSource(clientSecret);
      if (last?.secret !== secret) last = { secret, header: basicAuthorization(clientId, secret) };
      request.headers.set('Authorization', last.header);
    },
  });
}

/**
 * RFC 6749 §2.3.1: client id and secret in the form body. `set`, not `append`: §3.2 forbids a
 * parameter appearing twice.
 */
export function clientSecretPost(clientId: string, clientSecret: SecretSource): ClientAuthenticator {
  requireClientId(clientId);
  return Object.freeze({
    method: 'client_secret_post' as const,
    clientId,
    async authenticate(request: TokenEndpointRequest): Promise<void> {
      const secret = await resolveSource(clientSecret);
      request.form.set('client_id', clientId);
      request.form.set('client_secret', secret.revealText());
    },
  });
}

/** A public client (RFC 6749 §2.1): it only names itself. */
export function noClientAuthentication(clientId: string): ClientAuthenticator {
  requireClientId(clientId);
  return Object.freeze({
    method: 'none' as const,
    clientId,
    async authenticate(request: TokenEndpointRequest): Promise<void> {
      request.form.set('client_id', clientId);
    },
  });
}

/** The algorithms a private_key_jwt assertion may be signed with here: asymmetric, widely supported. */
export const ASSERTION_ALGORITHMS = Object.freeze(['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'] as const);
export type AssertionAlgorithm = (typeof ASSERTION_ALGORITHMS)[number];

/** Claims the assertion sets itself; extra claims cannot override them. */
const RESERVED_CLAIMS: ReadonlySet<string> = new Set(['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'nbf']);

export const DEFAULT_ASSERTION_LIFETIME_SECONDS = 60;

export interface PrivateKeyJwtOptions {
  readonly clientId: string;
  /** Its `kid`, when it has one, is the JWS `kid` header: the server picks the key among several by it. */
  readonly signingKey: KeySource;
  /** Default: chosen from the key (RSA → RS256, P-256 → ES256, P-384 → ES384, Ed25519 → EdDSA). */
  readonly algorithm?: AssertionAlgorithm;
  /** The assertion's `aud`. Default: the token endpoint the request goes to (RFC 7523 §3). */
  readonly audience?: string;
  /** Default 60 s: long enough for clock skew, short enough to limit replay. */
  readonly lifetimeSeconds?: number;
  /** Extra claims, for servers that want them. */
  readonly claims?: Readonly<Record<string, unknown>>;
  /** Milliseconds since the epoch; injectable for tests. */
  readonly now?: () => number;
}

/** The signing algorithm that fits a key; TG_OAUTH2_CLIENT_AUTH for keys this layer does not sign with. */
export function defaultAssertionAlgorithm(key: CryptoKeyLike): AssertionAlgorithm {
  const algorithm = key instanceof KeyObject ? keyObjectAlgorithm(key) : cryptoKeyAlgorithm(key);
  if (algorithm === undefined) {
    throw new TollgateError(
      'TG_OAUTH2_CLIENT_AUTH',
      'the signing key is of a type private_key_jwt cannot use',
    );
  }
  return algorithm;
}

function keyObjectAlgorithm(key: KeyObject): AssertionAlgorithm | undefined {
  switch (key.asymmetricKeyType) {
    // An 'rsa-pss' KeyObject is left out: jose cannot use one on Node 20 (no JWK export). A
    // plain RSA key signs PS256 when the algorithm is configured.
    case 'rsa':
      return 'RS256';
    case 'ed25519':
      return 'EdDSA';
    case 'ec':
      return curveAlgorithm(key.asymmetricKeyDetails?.namedCurve);
    default:
      return undefined;
  }
}

function cryptoKeyAlgorithm(key: CryptoKey): AssertionAlgorithm | undefined {
  const algorithm = key.algorithm as { name: string; namedCurve?: string };
  switch (algorithm.name) {
    case 'RSASSA-PKCS1-v1_5':
      return 'RS256';
    case 'RSA-PSS':
      return 'PS256';
    case 'Ed25519':
      return 'EdDSA';
    case 'ECDSA':
      return curveAlgorithm(algorithm.namedCurve);
    default:
      return undefined;
  }
}

function curveAlgorithm(curve: string | undefined): AssertionAlgorithm | undefined {
  if (curve === 'prime256v1' || curve === 'P-256') return 'ES256';
  if (curve === 'secp384r1' || curve === 'P-384') return 'ES384';
  return undefined;
}

/**
 * Signs one RFC 7523 client assertion: iss = sub = client id, aud, iat, a short exp and a fresh
 * jti (servers reject a replayed jti, so each call makes a new one).
 */
export async function signClientAssertion(
  options: PrivateKeyJwtOptions,
  tokenEndpoint: string,
): Promise<string> {
  const { key, kid } = await resolveSource(options.signingKey);
  const algorithm = options.algorithm ?? defaultAssertionAlgorithm(key);
  const issuedAt = Math.floor((options.now ?? Date.now)() / 1000);
  const header = kid === undefined ? { alg: algorithm } : { alg: algorithm, kid };
  try {
    return await new SignJWT({ ...options.claims })
      .setProtectedHeader(header)
      .setIssuer(options.clientId)
      .setSubject(options.clientId)
      .setAudience(options.audience ?? tokenEndpoint)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + (options.lifetimeSeconds ?? DEFAULT_ASSERTION_LIFETIME_SECONDS))
      .setJti(randomUUID())
      .sign(key);
  } catch (error) {
    // jose's messages name the algorithm and key type, never key material.
    throw new TollgateError('TG_OAUTH2_CLIENT_AUTH', `cannot sign the client assertion with ${algorithm}`, {
      cause: error,
    });
  }
}

/**
 * RFC 7523 §2.2 private_key_jwt: `client_id`, `client_assertion_type` and a freshly signed
 * `client_assertion` in the form body. Options are checked here, once, not per request.
 */
export function privateKeyJwt(options: PrivateKeyJwtOptions): ClientAuthenticator {
  const clientId = requireClientId(options.clientId);
  if (options.algorithm !== undefined && !ASSERTION_ALGORITHMS.includes(options.algorithm)) {
    throw new TollgateError(
      'TG_OAUTH2_CLIENT_AUTH',
      `unsupported signing algorithm '${String(options.algorithm)}'`,
    );
  }
  const lifetime = options.lifetimeSeconds ?? DEFAULT_ASSERTION_LIFETIME_SECONDS;
  if (!Number.isInteger(lifetime) || lifetime <= 0) {
    throw new TollgateError(
      'TG_OAUTH2_CLIENT_AUTH',
      'the assertion lifetime must be a positive number of seconds',
    );
  }
  for (const claim of Object.keys(options.claims ?? {})) {
    if (RESERVED_CLAIMS.has(claim)) {
      throw new TollgateError(
        'TG_OAUTH2_CLIENT_AUTH',
        `the extra claim '${claim}' is set by the assertion itself`,
      );
    }
  }
  const frozen: PrivateKeyJwtOptions = Object.freeze({
    ...options,
    claims: Object.freeze({ ...options.claims }),
  });
  return Object.freeze({
    method: 'private_key_jwt' as const,
    clientId,
    async authenticate(request: TokenEndpointRequest): Promise<void> {
      const assertion = await signClientAssertion(frozen, request.endpoint);
      request.form.set('client_id', clientId);
      request.form.set('client_assertion_type', JWT_BEARER_ASSERTION_TYPE);
      request.form.set('client_assertion', assertion);
    },
  });
}
