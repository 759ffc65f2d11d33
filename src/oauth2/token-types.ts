/** RFC 8693 §2.1 grant type. */
export const TOKEN_EXCHANGE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** RFC 8693 §3 token type identifiers. Any other URI is accepted as well: vendors define their own. */
export const TokenType = Object.freeze({
  accessToken: 'urn:ietf:params:oauth:token-type:access_token',
  refreshToken: 'urn:ietf:params:oauth:token-type:refresh_token',
  idToken: 'urn:ietf:params:oauth:token-type:id_token',
  saml1: 'urn:ietf:params:oauth:token-type:saml1',
  saml2: 'urn:ietf:params:oauth:token-type:saml2',
  jwt: 'urn:ietf:params:oauth:token-type:jwt',
} as const);

// PingGateway documents its defaults by these constant names (e.g. "Default: URN_ACCESS_TOKEN"),
// so route files written from its docs may use them.
const PINGGATEWAY_NAMES: ReadonlyMap<string, string> = new Map([
  ['URN_ACCESS_TOKEN', TokenType.accessToken],
  ['URN_REFRESH_TOKEN', TokenType.refreshToken],
  ['URN_ID_TOKEN', TokenType.idToken],
  ['URN_SAML1', TokenType.saml1],
  ['URN_SAML2', TokenType.saml2],
  ['URN_JWT', TokenType.jwt],
]);

/** A configured token type: a PingGateway constant name becomes its URI; anything else is kept. */
export function resolveTokenType(value: string): string {
  return PINGGATEWAY_NAMES.get(value) ?? value;
}

/** RFC 7523 §2.2 client assertion type, sent with a private_key_jwt assertion. */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
