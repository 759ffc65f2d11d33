import { TollgateError } from '../errors/tollgate-error.js';
import type { Exchange } from '../http/exchange.js';

/**
 * PingGateway's AccessTokenInfo: what a resolver learnt about a valid access token. It is what
 * `contexts.oauth2.accessToken` holds for the filters and handlers behind an
 * OAuth2ResourceServerFilter.
 */
export interface AccessTokenInfo {
  /** The token as the client presented it. */
  readonly token: string;
  readonly scopes: readonly string[];
  /** Milliseconds since the epoch, as PingGateway's getExpiresAt(); null when the token says none. */
  readonly expiresAt: number | null;
  /** Every claim the resolver got: the introspection answer or the JWT's payload. */
  readonly info: Readonly<Record<string, unknown>>;
}

/**
 * A resolver's verdict. An invalid token (unknown, expired, wrong issuer or audience, bad
 * signature) is an answer, not an error: the filter turns it into a 401. `reason` is for logs and
 * the challenge's error_description, and never holds the token.
 */
export type AccessTokenResolution =
  | { readonly valid: true; readonly token: AccessTokenInfo }
  | { readonly valid: false; readonly reason: string };

/**
 * PingGateway's AccessTokenResolver. `resolve` rejects (with a TollgateError) only when it could
 * not decide: the authorization server unreachable or answering nonsense, a key that cannot be
 * found. The filter answers those with their status and never lets the request through.
 */
export interface AccessTokenResolver {
  resolve(token: string, exchange: Exchange): Promise<AccessTokenResolution>;
}

export function invalidToken(reason: string): AccessTokenResolution {
  return Object.freeze({ valid: false, reason });
}

/** A resolver failure: the authorization server could not say whether the token is valid. */
export function resolutionFailed(detail: string, cause?: unknown): TollgateError {
  return new TollgateError('TG_OAUTH2_RESOLVER_FAILED', detail, { cause });
}

/** RFC 7662 §2.2 and RFC 9068 give `scope` as a space-separated string; some servers send a list. */
export function scopesOf(claims: Readonly<Record<string, unknown>>): readonly string[] {
  const { scope, scp } = claims;
  const value = scope ?? scp;
  const items =
    typeof value === 'string'
      ? value.split(' ')
      : Array.isArray(value)
        ? value.filter((item): item is string => typeof item === 'string')
        : [];
  return Object.freeze([...new Set(items.filter((item) => item !== ''))]);
}

/** A NumericDate claim (seconds since the epoch), or undefined when absent or not a number. */
export function numericDate(claims: Readonly<Record<string, unknown>>, name: string): number | undefined {
  const value = claims[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The AccessTokenInfo of a token whose claims a resolver has checked. */
export function tokenInfo(token: string, claims: Readonly<Record<string, unknown>>): AccessTokenInfo {
  const exp = numericDate(claims, 'exp');
  return Object.freeze({
    token,
    scopes: scopesOf(claims),
    expiresAt: exp === undefined ? null : exp * 1000,
    info: Object.freeze({ ...claims }),
  });
}

/** The `error` of an OAuth error answer, if the body is one. */
function oauthError(body: string): unknown {
  try {
    return (JSON.parse(body) as { error?: unknown } | null)?.error;
  } catch {
    return undefined;
  }
}

/** What the introspection endpoint answered, as the resolver read it. */
export interface IntrospectionAnswer {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: string;
}

/**
 * Reads an RFC 7662 §2.2 introspection answer. `active: false` is an invalid token; a token the
 * server calls active but whose `exp` (or `nbf`) says otherwise is invalid too, since a server's
 * clock and cache may lag. Anything else than a 200 JSON object with a boolean `active` means the
 * server could not answer the question, and is a failure.
 */
export function readIntrospectionAnswer(
  answer: IntrospectionAnswer,
  token: string,
  nowMs: number,
): AccessTokenResolution {
  if (answer.status === 400 && oauthError(answer.body) === 'unsupported_token_type') {
    // What oidc-provider answers for a JWT access token: the caller's token is not one this
    // server introspects, which says nothing good about it.
    return invalidToken('the authorization server does not introspect this kind of token');
  }
  if (answer.status !== 200) {
    const hint =
      answer.status === 401 || answer.status === 403
        ? ": the gateway's client credentials for introspection were refused"
        : '';
    throw resolutionFailed(`the introspection endpoint answered HTTP ${answer.status}${hint}`);
  }
  if (!/^application\/([a-z0-9.+-]*\+)?json\b/i.test(answer.contentType ?? '')) {
    throw resolutionFailed(
      `the introspection endpoint answered ${answer.contentType ?? 'no content type'}, not JSON`,
    );
  }
  let claims: unknown;
  try {
    claims = JSON.parse(answer.body);
  } catch {
    // JSON.parse's message quotes the text, which may hold the token's claims.
    throw resolutionFailed('the introspection answer is not valid JSON');
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
    throw resolutionFailed('the introspection answer is not a JSON object');
  }
  const record = claims as Record<string, unknown>;
  if (typeof record.active !== 'boolean') {
    throw resolutionFailed('the introspection answer has no boolean "active" member');
  }
  if (!record.active) return invalidToken('the token is not active');
  const nowSeconds = nowMs / 1000;
  const exp = numericDate(record, 'exp');
  if (exp !== undefined && exp <= nowSeconds) return invalidToken('the token has expired');
  const nbf = numericDate(record, 'nbf');
  if (nbf !== undefined && nbf > nowSeconds) return invalidToken('the token is not valid yet');
  return Object.freeze({ valid: true, token: tokenInfo(token, record) });
}
