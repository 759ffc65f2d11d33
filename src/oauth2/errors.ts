import { TollgateError } from '../errors/tollgate-error.js';
import { redactText } from '../observability/redact.js';

/**
 * The OAuth error model. What a client may see (RFC 6749 §5.2 `error`, `error_description`,
 * `error_uri`) is kept apart from what only the logs get (`detail`, `exception`), because an
 * authorization server's answer or a network error can say more about the gateway's setup than
 * its clients should learn.
 */

/** RFC 6749 §5.2 / RFC 8693 §2.2.2 error codes, plus the two §4.1.2.1 codes used for transport failures. */
export const OAuthErrorCode = Object.freeze({
  invalidRequest: 'invalid_request',
  invalidClient: 'invalid_client',
  invalidGrant: 'invalid_grant',
  unauthorizedClient: 'unauthorized_client',
  unsupportedGrantType: 'unsupported_grant_type',
  invalidScope: 'invalid_scope',
  invalidTarget: 'invalid_target',
  accessDenied: 'access_denied',
  serverError: 'server_error',
  temporarilyUnavailable: 'temporarily_unavailable',
} as const);

/**
 * What went wrong, as a key into FAILURE_MAPPING. One value per row of the table in
 * docs/token-exchange.md.
 */
export type FailureSituation =
  | 'no_subject_token'
  | 'bad_request_parameter'
  | 'as_oauth_error'
  | 'as_configuration_error'
  | 'as_client_auth_rejected'
  | 'as_server_error'
  | 'network'
  | 'timeout'
  | 'response_check'
  | 'internal';

export interface FailureMappingRow {
  /** The `error` value; null means the authorization server's own code is kept. */
  readonly error: string | null;
  /** The client-visible description; null means the authorization server's is kept. */
  readonly description: string | null;
  /** What our default failure handler answers (PingGateway's default is always 500). */
  readonly status: number;
  /**
   * True when the failure says the gateway's own configuration or client registration is wrong:
   * nothing the caller does can fix it, so it is logged as a configuration problem.
   */
  readonly configuration: boolean;
}

function row(
  error: string | null,
  description: string | null,
  status: number,
  configuration = false,
): FailureMappingRow {
  return Object.freeze({ error, description, status, configuration });
}

/**
 * The one table that decides `contexts.oauth2Failure.error`, its description, the default
 * status and which failures are logged as configuration problems. The rule behind the statuses:
 * what a client can cause with the token it presents is a 4xx, so a client cannot make the
 * gateway answer 5xx at will; what the gateway or the authorization server got wrong keeps
 * PingGateway's 500, or 502/504 when the authorization server did not answer usefully.
 */
export const FAILURE_MAPPING: Readonly<Record<FailureSituation, FailureMappingRow>> = Object.freeze({
  no_subject_token: row(OAuthErrorCode.invalidRequest, 'no subject token', 400),
  bad_request_parameter: row(
    OAuthErrorCode.invalidRequest,
    'the token exchange request cannot be built',
    500,
    true,
  ),
  // Status: see AS_ERROR_STATUS.
  as_oauth_error: row(null, null, 500),
  as_configuration_error: row(null, null, 500, true),
  as_client_auth_rejected: row(OAuthErrorCode.invalidClient, 'client authentication failed', 500, true),
  as_server_error: row(
    OAuthErrorCode.serverError,
    'the authorization server returned an unusable response',
    502,
  ),
  network: row(OAuthErrorCode.temporarilyUnavailable, 'the authorization server cannot be reached', 502),
  timeout: row(OAuthErrorCode.temporarilyUnavailable, 'the authorization server did not answer in time', 504),
  response_check: row(OAuthErrorCode.serverError, 'the token response is not valid', 502),
  internal: row(OAuthErrorCode.serverError, 'the token exchange could not be performed', 500),
});

/**
 * Default status of an OAuth error the authorization server returned about the caller's token or
 * the access asked for with it (situation as_oauth_error): the caller's doing, so a 4xx.
 * invalid_request is here only when it is about the subject or actor token (isAboutCallerToken).
 */
export const AS_ERROR_STATUS: Readonly<Record<string, number>> = Object.freeze({
  invalid_request: 400,
  invalid_grant: 401,
  invalid_scope: 403,
  invalid_target: 403,
  access_denied: 403,
});

/** Any other code the authorization server invents. */
export const AS_ERROR_DEFAULT_STATUS = 500;

/**
 * OAuth errors about the gateway's own client registration (situation as_configuration_error):
 * the caller can do nothing about them. So is an invalid_request that is not about the subject
 * or actor token.
 */
export const AS_CONFIGURATION_ERRORS: readonly string[] = Object.freeze([
  OAuthErrorCode.invalidClient,
  OAuthErrorCode.unauthorizedClient,
  OAuthErrorCode.unsupportedGrantType,
]);

// The subject or actor token in any spelling a server uses (subject_token, subject token,
// subject-token, subjectToken), but not its type, which the route configures.
const CALLER_TOKEN = /(?:subject|actor)[ _-]?token(?![ _-]?type)/i;

/**
 * Whether an invalid_request is about what the caller sent. RFC 8693 §2.2.2 answers
 * invalid_request both for a subject or actor token the server will not accept and for a
 * malformed request. Of the request, the caller supplies only those tokens; the grant type,
 * token types, scopes, resources, audiences and client credentials are the gateway's. So it is
 * the caller's when the server's description names the subject or actor token, and the
 * gateway's otherwise, also when there is no description.
 */
export function isAboutCallerToken(description: string): boolean {
  return CALLER_TOKEN.test(description);
}

function asErrorSituation(error: string, description: string): 'as_oauth_error' | 'as_configuration_error' {
  if (AS_CONFIGURATION_ERRORS.includes(error)) return 'as_configuration_error';
  if (error === OAuthErrorCode.invalidRequest && !isAboutCallerToken(description)) {
    return 'as_configuration_error';
  }
  return 'as_oauth_error';
}

// RFC 6749 §5.2: error = 1*( %x20-21 / %x23-5B / %x5D-7E ), same set for error_description.
const ERROR_CODE = /^[\x20\x21\x23-\x5b\x5d-\x7e]+$/;
// RFC 6749 §5.2: error-uri = *( %x21 / %x23-5B / %x5D-7E ).
const ERROR_URI = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * Replaces control characters, format characters (bidi overrides, zero-width) and line or
 * paragraph separators with a space: they can forge log lines or reorder text where an
 * authorization server's words are shown.
 */
export function withoutUnsafeText(value: string): string {
  return value.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+/gu, ' ');
}

/** Longest description kept, in code points: enough for any real message, short for a page. */
export const MAX_DESCRIPTION_LENGTH = 256;

export function isOAuthErrorCode(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 128 && ERROR_CODE.test(value);
}

/**
 * An authorization server's error_description made safe to show: unsafe characters become a
 * space, runs of spaces collapse, and the text is cut at MAX_DESCRIPTION_LENGTH code points.
 * Characters outside RFC 6749's ASCII set are kept, since servers do localise these messages.
 */
export function sanitizeDescription(value: string): string {
  const cleaned = withoutUnsafeText(value).replace(/\s+/g, ' ').trim();
  const codePoints = Array.from(cleaned);
  if (codePoints.length <= MAX_DESCRIPTION_LENGTH) return cleaned;
  return `${codePoints.slice(0, MAX_DESCRIPTION_LENGTH - 1).join('')}…`;
}

/** error_uri when it is a valid absolute http(s) URI in RFC 6749's character set, else undefined. */
export function sanitizeErrorUri(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 2048 || !ERROR_URI.test(value)) return undefined;
  return URL.canParse(value) && /^https?:/i.test(value) ? value : undefined;
}

/**
 * Why a token exchange failed. `error`, `description` and `errorUri` may be shown to the client
 * (they are what PingGateway's OAuth2FailureContext holds); `detail` and `exception` go to logs
 * only. `status` is what the default failure handler answers; `upstreamStatus` is the
 * authorization server's HTTP status when there was an answer.
 */
export class TokenExchangeFailure {
  readonly situation: FailureSituation;
  readonly error: string;
  readonly description: string;
  readonly errorUri: string | undefined;
  readonly status: number;
  readonly upstreamStatus: number | undefined;
  readonly detail: string;
  readonly exception: Error;

  constructor(init: {
    situation: FailureSituation;
    error: string;
    description: string;
    errorUri?: string;
    status: number;
    upstreamStatus?: number;
    detail: string;
    exception: Error;
  }) {
    this.situation = init.situation;
    this.error = init.error;
    this.description = init.description;
    this.errorUri = init.errorUri;
    this.status = init.status;
    this.upstreamStatus = init.upstreamStatus;
    this.detail = init.detail;
    this.exception = init.exception;
    Object.freeze(this);
  }
}

/**
 * A failure of one of the gateway's own situations (every row but the two that keep the
 * authorization server's error), with the table's error, description and status. The exception
 * is the given one or, when there is none, a TG_OAUTH2_EXCHANGE_FAILED carrying the detail, so
 * the failure context always has one.
 */
export function failureFor(
  situation: Exclude<FailureSituation, 'as_oauth_error' | 'as_configuration_error'>,
  detail: string,
  options: { exception?: Error; upstreamStatus?: number } = {},
): TokenExchangeFailure {
  const mapped = FAILURE_MAPPING[situation];
  return new TokenExchangeFailure({
    situation,
    error: mapped.error!,
    description: mapped.description!,
    status: mapped.status,
    upstreamStatus: options.upstreamStatus,
    detail,
    exception: options.exception ?? new TollgateError('TG_OAUTH2_EXCHANGE_FAILED', detail),
  });
}

/**
 * A failure carrying the authorization server's own OAuth error. `error` is already checked
 * (isOAuthErrorCode); the description and error_uri are taken as the server sent them and made
 * safe here. The server may repeat what it was sent, so the tokens of the request are taken out
 * of everything kept, before a description is cut to length (a cut could leave a token's start).
 */
export function failureFromAuthorizationServer(init: {
  error: string;
  description: unknown;
  errorUri: unknown;
  upstreamStatus: number;
  sentTokens?: readonly string[];
}): TokenExchangeFailure {
  const sentTokens = init.sentTokens ?? [];
  const raw = typeof init.description === 'string' ? init.description : '';
  // Read before the tokens are taken out: a caller whose token is a word of the server's
  // description must not be able to turn its own failure into the gateway's.
  const situation = asErrorSituation(init.error, withoutUnsafeText(raw));
  const error = redactText(init.error, sentTokens);
  const description = sanitizeDescription(redactText(raw, sentTokens));
  const errorUri = sanitizeErrorUri(init.errorUri);
  const detail = `the authorization server answered ${init.upstreamStatus} ${error}`;
  return new TokenExchangeFailure({
    situation,
    error,
    description,
    errorUri: errorUri !== undefined && redactText(errorUri, sentTokens) === errorUri ? errorUri : undefined,
    status:
      situation === 'as_configuration_error'
        ? FAILURE_MAPPING.as_configuration_error.status
        : Object.hasOwn(AS_ERROR_STATUS, error)
          ? AS_ERROR_STATUS[error]!
          : AS_ERROR_DEFAULT_STATUS,
    upstreamStatus: init.upstreamStatus,
    detail,
    exception: new TollgateError('TG_OAUTH2_EXCHANGE_FAILED', detail),
  });
}

// undici / Node error codes that mean the request never got an answer.
const TIMEOUT_CODES: ReadonlySet<string> = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * Classifies an error thrown while building or sending the exchange: the coded errors of this
 * layer and of the upstream client, undici's and Node's network codes, and AbortSignal.timeout's
 * TimeoutError. Anything else is `internal`.
 */
export function failureFromError(error: unknown): TokenExchangeFailure {
  const exception = error instanceof Error ? error : new Error(String(error));
  const message = exception.message;
  if (error instanceof TollgateError) {
    switch (error.code) {
      case 'TG_OAUTH2_NO_SUBJECT_TOKEN':
        return failureFor('no_subject_token', message, { exception });
      case 'TG_OAUTH2_BAD_PARAMETER':
        return failureFor('bad_request_parameter', message, { exception });
      case 'TG_UPSTREAM_TIMEOUT':
        return failureFor('timeout', message, { exception });
      case 'TG_UPSTREAM_UNREACHABLE':
        return failureFor('network', message, { exception });
      case 'TG_UPSTREAM_RESPONSE_TOO_LARGE':
        return failureFor('as_server_error', message, { exception });
      default:
        return failureFor('internal', message, { exception });
    }
  }
  const code = errorCode(exception);
  if (exception.name === 'TimeoutError' || (code !== undefined && TIMEOUT_CODES.has(code))) {
    return failureFor('timeout', message, { exception });
  }
  if (code !== undefined && NETWORK_CODES.has(code)) return failureFor('network', message, { exception });
  return failureFor('internal', message, { exception });
}

// fetch() wraps the socket error in a TypeError whose `cause` holds the code.
function errorCode(error: Error): string | undefined {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 3; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return undefined;
}
