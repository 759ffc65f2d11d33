import { TollgateError } from '../errors/tollgate-error.js';
import { formUrlEncode } from '../http/form.js';
import { TOKEN_EXCHANGE_GRANT_TYPE } from './token-types.js';

/** What the filter evaluated for one exchange; tokens may be missing when an expression gave nothing. */
export interface TokenExchangeParameters {
  readonly subjectToken: string | null | undefined;
  readonly subjectTokenType: string;
  readonly actorToken?: string | null;
  readonly actorTokenType?: string | null;
  /** Omit (or null) to leave the choice to the authorization server; some reject the parameter. */
  readonly requestedTokenType?: string | null;
  /** Scope tokens; an entry holding several space-separated scopes is split. */
  readonly scopes?: readonly string[];
  /** RFC 8707 resource indicators: absolute URIs without a fragment. */
  readonly resources?: readonly string[];
  /** Logical names of the target services. */
  readonly audiences?: readonly string[];
}

/**
 * A checked RFC 8693 request: every value valid, optional ones undefined when not sent, lists
 * without duplicates and in the order given. It is what the form, the cache key and the
 * response check all read, so the three cannot disagree.
 */
export interface TokenExchangeRequest {
  readonly subjectToken: string;
  readonly subjectTokenType: string;
  readonly actorToken: string | undefined;
  readonly actorTokenType: string | undefined;
  readonly requestedTokenType: string | undefined;
  readonly scopes: readonly string[];
  readonly resources: readonly string[];
  readonly audiences: readonly string[];
}

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
// RFC 3986 absolute URI: a scheme, a colon, then no whitespace. Token types are URIs (RFC 8693 §3).
const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$/;

function badParameter(detail: string): TollgateError {
  return new TollgateError('TG_OAUTH2_BAD_PARAMETER', detail);
}

function present(value: string | null | undefined): value is string {
  return typeof value === 'string' && value !== '';
}

function tokenType(name: string, value: string): string {
  if (!ABSOLUTE_URI.test(value)) throw badParameter(`${name} must be an absolute URI`);
  return value;
}

/**
 * Scope tokens, split on spaces, checked against RFC 6749's character set and de-duplicated. A
 * value with a quote, a backslash or a control character is refused rather than sent, since
 * scopes often come from request-dependent expressions.
 */
export function normalizeScopes(scopes: readonly string[]): string[] {
  const result = new Set<string>();
  for (const entry of scopes) {
    for (const scope of entry.split(' ')) {
      if (scope === '') continue;
      if (!SCOPE_TOKEN.test(scope))
        throw badParameter(`scope ${JSON.stringify(scope)} has characters RFC 6749 forbids`);
      result.add(scope);
    }
  }
  return [...result];
}

function resourceIndicator(value: string): string {
  // RFC 8707 §2: an absolute URI, no fragment. A query is allowed (only discouraged).
  if (!ABSOLUTE_URI.test(value) || !URL.canParse(value) || value.includes('#')) {
    throw badParameter(`resource ${JSON.stringify(value)} must be an absolute URI without a fragment`);
  }
  return value;
}

function audience(value: string): string {
  if (value === '') throw badParameter('an audience cannot be empty');
  return value;
}

function unique(values: readonly string[], check: (value: string) => string): string[] {
  return [...new Set(values.map(check))];
}

/**
 * Checks and normalises the parameters of one exchange. Throws TG_OAUTH2_NO_SUBJECT_TOKEN when
 * there is no subject token, TG_OAUTH2_BAD_PARAMETER for anything else that RFC 8693 or RFC 8707
 * forbids, such as an actor token without its type or the reverse (§2.1: sent together or not at
 * all).
 */
export function buildTokenExchangeRequest(params: TokenExchangeParameters): TokenExchangeRequest {
  if (!present(params.subjectToken) || params.subjectToken.trim() === '') {
    throw new TollgateError('TG_OAUTH2_NO_SUBJECT_TOKEN', 'no subject token');
  }
  const hasActor = present(params.actorToken);
  const hasActorType = present(params.actorTokenType);
  if (hasActor && !hasActorType) throw badParameter('actor_token is set without actor_token_type');
  if (hasActorType && !hasActor) throw badParameter('actor_token_type is set without actor_token');
  return Object.freeze({
    subjectToken: params.subjectToken,
    subjectTokenType: tokenType('subject_token_type', params.subjectTokenType),
    actorToken: hasActor ? params.actorToken! : undefined,
    actorTokenType: hasActorType ? tokenType('actor_token_type', params.actorTokenType!) : undefined,
    requestedTokenType: present(params.requestedTokenType)
      ? tokenType('requested_token_type', params.requestedTokenType)
      : undefined,
    scopes: Object.freeze(normalizeScopes(params.scopes ?? [])),
    resources: Object.freeze(unique(params.resources ?? [], resourceIndicator)),
    audiences: Object.freeze(unique(params.audiences ?? [], audience)),
  });
}

/** The parameters a filter's configuration fixes for all of its exchanges. */
type FixedKeys = 'subjectTokenType' | 'actorTokenType' | 'requestedTokenType' | 'resources' | 'audiences';

/** The fixed parameters as configured. */
export type FixedExchangeParameters = Pick<TokenExchangeParameters, FixedKeys>;

/** The fixed parameters checked, lists de-duplicated: what the cache key fixes too. */
export type FixedExchangeParts = Readonly<Pick<TokenExchangeRequest, FixedKeys>>;

const formPair = (name: string, value: string): string => `&${name}=${formUrlEncode(value)}`;
const GRANT_TYPE_PART = `grant_type=${formUrlEncode(TOKEN_EXCHANGE_GRANT_TYPE)}`;

/**
 * The requests of one filter: what its configuration fixes is checked and form-encoded once,
 * and each exchange adds only its tokens and scopes. Its requests are the ones
 * buildTokenExchangeRequest gives for the same parameters.
 */
export class TokenExchangeTemplate {
  readonly fixed: FixedExchangeParts;
  /** `&subject_token_type=…` */
  readonly #subjectTypePart: string;
  /** `&actor_token_type=…`, when an actor token type is configured. */
  readonly #actorTypePart: string;
  /** `&requested_token_type=…`, when one is requested. */
  readonly #requestedPart: string;
  /** The `resource` and `audience` pairs. */
  readonly #tailPart: string;

  /** Throws TG_OAUTH2_BAD_PARAMETER for a fixed part RFC 8693 or RFC 8707 forbids. */
  constructor(fixed: FixedExchangeParameters) {
    const request = buildTokenExchangeRequest({
      ...fixed,
      subjectToken: 'subject',
      actorToken: present(fixed.actorTokenType) ? 'actor' : undefined,
    });
    this.fixed = Object.freeze({
      subjectTokenType: request.subjectTokenType,
      actorTokenType: request.actorTokenType,
      requestedTokenType: request.requestedTokenType,
      resources: request.resources,
      audiences: request.audiences,
    });
    this.#subjectTypePart = formPair('subject_token_type', request.subjectTokenType);
    this.#actorTypePart =
      request.actorTokenType === undefined ? '' : formPair('actor_token_type', request.actorTokenType);
    this.#requestedPart =
      request.requestedTokenType === undefined
        ? ''
        : formPair('requested_token_type', request.requestedTokenType);
    this.#tailPart = [
      ...request.resources.map((resource) => formPair('resource', resource)),
      ...request.audiences.map((name) => formPair('audience', name)),
    ].join('');
  }

  /**
   * One exchange's checked request. `scopes` must already be normalised (normalizeScopes), as
   * the filter and the cache key hold them. An actor token is needed exactly when an actor
   * token type is configured (RFC 8693 §2.1).
   */
  request(
    subjectToken: string | null | undefined,
    actorToken: string | null | undefined,
    scopes: readonly string[],
  ): TokenExchangeRequest {
    if (!present(subjectToken) || subjectToken.trim() === '') {
      throw new TollgateError('TG_OAUTH2_NO_SUBJECT_TOKEN', 'no subject token');
    }
    const hasActor = present(actorToken);
    const hasActorType = this.fixed.actorTokenType !== undefined;
    if (hasActor && !hasActorType) throw badParameter('actor_token is set without actor_token_type');
    if (hasActorType && !hasActor) throw badParameter('actor_token_type is set without actor_token');
    return Object.freeze({
      ...this.fixed,
      subjectToken,
      actorToken: hasActor ? actorToken : undefined,
      scopes: Object.isFrozen(scopes) ? scopes : Object.freeze([...scopes]),
    });
  }

  /**
   * The application/x-www-form-urlencoded body of a request this template made, in RFC 8693
   * §2.1's order, with `resource` and `audience` repeated once per value.
   */
  body(request: TokenExchangeRequest): string {
    let body = `${GRANT_TYPE_PART}&subject_token=${formUrlEncode(request.subjectToken)}${this.#subjectTypePart}`;
    if (request.actorToken !== undefined) {
      body += `&actor_token=${formUrlEncode(request.actorToken)}${this.#actorTypePart}`;
    }
    body += this.#requestedPart;
    if (request.scopes.length > 0) body += formPair('scope', request.scopes.join(' '));
    return body + this.#tailPart;
  }
}
