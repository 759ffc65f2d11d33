export const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded';

/** The characters the application/x-www-form-urlencoded serializer leaves as they are. */
const FORM_SAFE = /^[A-Za-z0-9*._-]*$/;

/**
 * application/x-www-form-urlencoded encoding of one value (RFC 6749 Appendix B, the WHATWG URL
 * serializer): UTF-8, then percent-encoding, with space as `+`. Tokens are mostly of the safe
 * characters already (base64url, JWTs), and those are returned as they are.
 */
export function formUrlEncode(value: string): string {
  return FORM_SAFE.test(value) ? value : new URLSearchParams([['', value]]).toString().slice(1);
}
