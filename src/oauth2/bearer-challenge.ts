import { MAX_DESCRIPTION_LENGTH } from './errors.js';

/**
 * The RFC 6750 §3 `WWW-Authenticate: Bearer` challenge of a failure answered with a 4xx: the
 * caller's token could not be exchanged, and the challenge says so in the words clients of a
 * protected resource understand.
 */

/** RFC 6750 §3.1's error codes, each under the status it goes with. */
const BEARER_ERRORS: ReadonlyMap<number, string> = new Map([
  [400, 'invalid_request'],
  [401, 'invalid_token'],
  [403, 'insufficient_scope'],
]);

// RFC 6750 §3: error_description = *( %x20-21 / %x23-5B / %x5D-7E ), inside double quotes.
const OUTSIDE_QUOTED_TEXT = /[^\x20\x21\x23-\x5b\x5d-\x7e]+/g;
const COMBINING_MARKS = /\p{M}+/gu;

/**
 * A description in RFC 6750's character set: letters lose their accents (servers localise
 * descriptions), `"` becomes `'`, and anything else outside the set becomes a space.
 */
export function bearerDescription(description: string): string {
  return description
    .normalize('NFKD')
    .replace(COMBINING_MARKS, '')
    .replaceAll('"', "'")
    .replace(OUTSIDE_QUOTED_TEXT, ' ')
    .replace(/ {2,}/g, ' ')
    .slice(0, MAX_DESCRIPTION_LENGTH)
    .trim();
}

/**
 * The challenge for a default failure answer of `status`, with `description` as its
 * error_description when there is one; undefined for a status RFC 6750 names no error for
 * (a 5xx is not about the caller's credentials).
 */
export function bearerChallenge(status: number, description: string): string | undefined {
  const error = BEARER_ERRORS.get(status);
  if (error === undefined) return undefined;
  const text = bearerDescription(description);
  return text === '' ? `Bearer error="${error}"` : `Bearer error="${error}", error_description="${text}"`;
}

/** What a protected resource's challenge says (RFC 6750 §3): the realm, and what went wrong if anything. */
export interface ResourceChallenge {
  readonly realm: string;
  readonly error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope';
  readonly description?: string;
  /** The scopes the resource needs, for insufficient_scope. */
  readonly scopes?: readonly string[];
}

/**
 * The `WWW-Authenticate: Bearer` challenge of an OAuth2ResourceServerFilter. A request without a
 * token gets the realm alone, as RFC 6750 §3.1 asks ("SHOULD NOT include an error code"); the
 * realm and scope are quoted in the same character set as the description.
 */
export function resourceServerChallenge(challenge: ResourceChallenge): string {
  const parts = [`realm="${bearerDescription(challenge.realm)}"`];
  if (challenge.error !== undefined) {
    parts.push(`error="${challenge.error}"`);
    const text = bearerDescription(challenge.description ?? '');
    if (text !== '') parts.push(`error_description="${text}"`);
  }
  if (challenge.scopes !== undefined && challenge.scopes.length > 0) {
    parts.push(`scope="${bearerDescription(challenge.scopes.join(' '))}"`);
  }
  return `Bearer ${parts.join(', ')}`;
}
