import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  JWT_BEARER_ASSERTION_TYPE,
  resolveTokenType,
  TOKEN_EXCHANGE_GRANT_TYPE,
  TokenType,
} from '../../../src/oauth2/token-types.js';

test('the identifiers are the RFC 8693 and RFC 7523 URIs', () => {
  assert.equal(TOKEN_EXCHANGE_GRANT_TYPE, 'urn:ietf:params:oauth:grant-type:token-exchange');
  assert.equal(JWT_BEARER_ASSERTION_TYPE, 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
  assert.deepEqual(
    { ...TokenType },
    {
      accessToken: 'urn:ietf:params:oauth:token-type:access_token',
      refreshToken: 'urn:ietf:params:oauth:token-type:refresh_token',
      idToken: 'urn:ietf:params:oauth:token-type:id_token',
      saml1: 'urn:ietf:params:oauth:token-type:saml1',
      saml2: 'urn:ietf:params:oauth:token-type:saml2',
      jwt: 'urn:ietf:params:oauth:token-type:jwt',
    },
  );
  assert.ok(Object.isFrozen(TokenType));
});

test("PingGateway's constant names, as its docs write the defaults, resolve to their URIs", () => {
  assert.equal(resolveTokenType('URN_ACCESS_TOKEN'), TokenType.accessToken);
  assert.equal(resolveTokenType('URN_REFRESH_TOKEN'), TokenType.refreshToken);
  assert.equal(resolveTokenType('URN_ID_TOKEN'), TokenType.idToken);
  assert.equal(resolveTokenType('URN_SAML1'), TokenType.saml1);
  assert.equal(resolveTokenType('URN_SAML2'), TokenType.saml2);
  assert.equal(resolveTokenType('URN_JWT'), TokenType.jwt);
});

test('any other value is kept as it is: URIs, vendor types, and names in the wrong case', () => {
  for (const value of [
    TokenType.jwt,
    'urn:example:token-type:custom',
    'https://vendor.example/token',
    'urn_access_token',
    'URN_ACCESS_TOKEN ',
    '',
    'toString',
  ]) {
    assert.equal(resolveTokenType(value), value, JSON.stringify(value));
  }
});
