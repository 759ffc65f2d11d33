import { redactText } from '../observability/redact.js';
import {
  failureFor,
  failureFromAuthorizationServer,
  isOAuthErrorCode,
  type TokenExchangeFailure,
} from './errors.js';

/** The parts of the authorization server's answer the parser reads; the body already size-limited. */
export interface TokenEndpointAnswer {
  readonly status: number;
  readonly contentType: string | null | undefined;
  readonly body: string;
}

/** What was asked, to check the answer against. */
export interface TokenExchangeExpectations {
  /** The requested_token_type sent, if any. */
  readonly requestedTokenType?: string;
  /** The scopes sent; they are the granted ones when the answer has no `scope` (RFC 6749 §5.1). */
  readonly requestedScopes?: readonly string[];
  /**
   * Default true: accept an answer without `issued_token_type` (RFC 8693 requires it, but
   * servers in the field leave it out) and a `scope` given as a JSON array. When false, both are
   * failures.
   */
  readonly lenient?: boolean;
  /**
   * The subject and actor tokens sent. A server may repeat them in what it answers; they are
   * taken out of every word of the answer the failure keeps.
   */
  readonly sentTokens?: readonly string[];
}

export interface TokenExchangeSuccess {
  /** The issued token, whatever its type (RFC 8693 §2.2.1 names the field access_token regardless). */
  readonly accessToken: string;
  /** issued_token_type; when absent (lenient), the requested type or null if none was requested. */
  readonly issuedTokenType: string | null;
  /** True when issuedTokenType was not in the answer but taken from the request. */
  readonly issuedTokenTypeAssumed: boolean;
  readonly tokenType: string;
  /** False for `N_A` and any other non-Bearer type: the token must not be sent as a Bearer token. */
  readonly bearerUsable: boolean;
  /** Seconds; undefined when the answer gave none (or an unusable value, see `warnings`). */
  readonly expiresIn: number | undefined;
  readonly scopes: readonly string[];
  /** True when the answer had no `scope` and the requested scopes were taken. */
  readonly scopeFromRequest: boolean;
  readonly refreshToken: string | undefined;
  /** The parsed JSON answer. It holds the tokens: never log it whole. */
  readonly raw: Readonly<Record<string, unknown>>;
  /** Deviations from RFC 8693 that lenient parsing let through, for logs. */
  readonly warnings: readonly string[];
}

export type TokenExchangeOutcome =
  | { readonly ok: true; readonly success: TokenExchangeSuccess }
  | { readonly ok: false; readonly failure: TokenExchangeFailure };

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json$/i;
// RFC 9110 §8.3.1: type "/" subtype, each a token.
const MEDIA_TYPE = /^[\w!#$%&'*+.^`|~-]{1,64}\/[\w!#$%&'*+.^`|~-]{1,64}$/;
// RFC 3986 §3.1: a scheme, then a colon; token types are URIs (RFC 8693 §3).
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:[\x21-\x7e]{1,256}$/;

function isJsonContentType(contentType: string | null | undefined): boolean {
  if (contentType == null || contentType === '') return true; // absent: try the body anyway
  return JSON_MEDIA_TYPE.test(contentType.split(';', 1)[0]!.trim());
}

function parseJsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A value from the answer, for the logs, when it has the shape `shape` and none of the tokens
 * sent; otherwise `instead`. The answer's body itself never goes to a log: a server may repeat
 * the request in it, tokens and all.
 */
function shown(value: string, shape: RegExp, sentTokens: readonly string[], instead: string): string {
  return shape.test(value) && redactText(value, sentTokens) === value ? value : instead;
}

/** What the logs learn of a body that could not be used: its media type and size, never its text. */
function bodySummary(answer: TokenEndpointAnswer, sentTokens: readonly string[]): string {
  const contentType = answer.contentType;
  const mediaType =
    contentType == null || contentType === ''
      ? 'no content type'
      : shown(contentType.split(';', 1)[0]!.trim(), MEDIA_TYPE, sentTokens, 'an unusual content type');
  return `${mediaType}, ${Buffer.byteLength(answer.body)} bytes`;
}

function failure(outcome: TokenExchangeFailure): TokenExchangeOutcome {
  return Object.freeze({ ok: false as const, failure: outcome });
}

/**
 * Reads a token endpoint's answer to an RFC 8693 request. Every way it can go wrong maps to one
 * row of FAILURE_MAPPING (docs/token-exchange.md has the table).
 */
export function parseTokenExchangeResponse(
  answer: TokenEndpointAnswer,
  expectations: TokenExchangeExpectations = {},
): TokenExchangeOutcome {
  const { status } = answer;
  const sentTokens = expectations.sentTokens ?? [];
  if (status === 200) return parseSuccess(answer, expectations, sentTokens);
  if (status >= 400 && status < 500) return parseOAuthError(answer, sentTokens);
  const detail =
    status >= 500
      ? `the authorization server answered ${status} (${bodySummary(answer, sentTokens)})`
      : `the authorization server answered ${status}, not 200`;
  return failure(failureFor('as_server_error', detail, { upstreamStatus: status }));
}

function parseOAuthError(answer: TokenEndpointAnswer, sentTokens: readonly string[]): TokenExchangeOutcome {
  const { status } = answer;
  const json = isJsonContentType(answer.contentType) ? parseJsonObject(answer.body) : undefined;
  const error = json?.error;
  if (json !== undefined && isOAuthErrorCode(error)) {
    return failure(
      failureFromAuthorizationServer({
        error,
        description: json.error_description,
        errorUri: json.error_uri,
        upstreamStatus: status,
        sentTokens,
      }),
    );
  }
  const why =
    json === undefined
      ? 'a body that is not a JSON object'
      : error === undefined
        ? 'JSON without "error"'
        : 'an "error" outside RFC 6749\'s character set';
  const detail = `the authorization server answered ${status} with ${why} (${bodySummary(answer, sentTokens)})`;
  // RFC 6749 §5.2: a 401 is the server refusing the client's credentials, even without a usable body.
  if (status === 401)
    return failure(failureFor('as_client_auth_rejected', detail, { upstreamStatus: status }));
  return failure(failureFor('as_server_error', detail, { upstreamStatus: status }));
}

function parseSuccess(
  answer: TokenEndpointAnswer,
  expectations: TokenExchangeExpectations,
  sentTokens: readonly string[],
): TokenExchangeOutcome {
  const lenient = expectations.lenient ?? true;
  const checkFailed = (why: string): TokenExchangeOutcome =>
    failure(failureFor('response_check', `the token response ${why}`, { upstreamStatus: 200 }));

  const unusable = (why: string): TokenExchangeOutcome =>
    failure(
      failureFor(
        'as_server_error',
        `the authorization server answered 200 with ${why} (${bodySummary(answer, sentTokens)})`,
        { upstreamStatus: 200 },
      ),
    );
  if (!isJsonContentType(answer.contentType)) return unusable('a body that is not JSON');
  const raw = parseJsonObject(answer.body);
  if (raw === undefined) return unusable('malformed JSON');
  const warnings: string[] = [];

  const accessToken = raw.access_token;
  if (typeof accessToken !== 'string' || accessToken === '') return checkFailed('has no access_token');
  const tokenType = raw.token_type;
  if (typeof tokenType !== 'string' || tokenType === '') return checkFailed('has no token_type');

  const issued = raw.issued_token_type;
  const requested = expectations.requestedTokenType;
  let issuedTokenType: string | null;
  let issuedTokenTypeAssumed = false;
  if (typeof issued === 'string' && issued !== '') {
    if (requested !== undefined && issued !== requested) {
      const type = shown(issued, URI, sentTokens, 'token type that cannot be logged');
      return checkFailed(`issued a ${type}, not the requested ${requested}`);
    }
    issuedTokenType = issued;
  } else if (issued !== undefined) {
    return checkFailed('has an issued_token_type that is not a string');
  } else if (!lenient) {
    return checkFailed('has no issued_token_type');
  } else {
    warnings.push('no issued_token_type in the answer');
    issuedTokenType = requested ?? null;
    issuedTokenTypeAssumed = true;
  }

  const scope = raw.scope;
  let scopes: readonly string[];
  let scopeFromRequest = false;
  if (typeof scope === 'string') {
    scopes = scope.split(' ').filter((s) => s !== '');
  } else if (scope === undefined) {
    scopes = expectations.requestedScopes ?? [];
    scopeFromRequest = true;
  } else if (lenient && Array.isArray(scope) && scope.every((s) => typeof s === 'string')) {
    warnings.push('scope given as a JSON array');
    scopes = (scope as string[]).filter((s) => s !== '');
  } else {
    return checkFailed('has a scope that is not a string');
  }

  const expiresIn = readExpiresIn(raw.expires_in, lenient, warnings);
  const refreshToken = typeof raw.refresh_token === 'string' ? raw.refresh_token : undefined;
  const success: TokenExchangeSuccess = Object.freeze({
    accessToken,
    issuedTokenType,
    issuedTokenTypeAssumed,
    tokenType,
    // RFC 6749 §5.1: token_type is case-insensitive.
    bearerUsable: tokenType.toLowerCase() === 'bearer',
    expiresIn,
    scopes: Object.freeze([...scopes]),
    scopeFromRequest,
    refreshToken,
    raw: Object.freeze(raw),
    warnings: Object.freeze(warnings),
  });
  return Object.freeze({ ok: true as const, success });
}

/**
 * expires_in as whole seconds. A number-like string is accepted leniently; anything unusable is
 * treated as absent (with a warning) rather than failing an otherwise good exchange, since the
 * field is only RECOMMENDED (the cache then relies on the token's own `exp`, if it has one).
 */
function readExpiresIn(value: unknown, lenient: boolean, warnings: string[]): number | undefined {
  if (value === undefined) return undefined;
  let seconds = value;
  if (typeof value === 'string' && lenient && /^\d+$/.test(value)) {
    warnings.push('expires_in given as a string');
    seconds = Number(value);
  }
  if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0) return Math.floor(seconds);
  warnings.push('expires_in is not a non-negative number; ignored');
  return undefined;
}
