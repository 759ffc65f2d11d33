import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  bearerChallenge,
  bearerDescription,
  resourceServerChallenge,
} from '../../../src/oauth2/bearer-challenge.js';

describe('the Bearer challenge of a default failure answer (RFC 6750 §3)', () => {
  test('each 4xx gets the RFC 6750 §3.1 error of its status, with the description', () => {
    assert.equal(
      bearerChallenge(401, 'the token expired'),
      'Bearer error="invalid_token", error_description="the token expired"',
    );
    assert.equal(
      bearerChallenge(400, 'no subject token'),
      'Bearer error="invalid_request", error_description="no subject token"',
    );
    assert.equal(
      bearerChallenge(403, "scope admin is not within the subject token's scope"),
      'Bearer error="insufficient_scope", error_description="scope admin is not within the subject token\'s scope"',
    );
  });

  test('no error_description when there is none, or nothing of it is left', () => {
    assert.equal(bearerChallenge(401, ''), 'Bearer error="invalid_token"');
    assert.equal(bearerChallenge(401, '\u4e0d\u53ef'), 'Bearer error="invalid_token"');
  });

  test('no challenge for a 5xx: it is not about the caller credentials', () => {
    for (const status of [500, 502, 504]) assert.equal(bearerChallenge(status, 'whatever'), undefined);
  });

  test("the description keeps to RFC 6750's quoted text: %x20-21 / %x23-5B / %x5D-7E", () => {
    assert.equal(bearerDescription('Jeton expir\u00e9 \u00e0 10 h'), 'Jeton expire a 10 h');
    assert.equal(bearerDescription('say "no" \\ or \u201cno\u201d'), "say 'no' or no");
    assert.equal(bearerDescription('tab\there\u00a0and\u2028there'), 'tab here and there');
    assert.equal(bearerDescription('\ufb01le \u2460'), 'file 1');
    const long = bearerDescription('x'.repeat(300));
    assert.equal(long.length, 256);
    for (let code = 0; code < 0x3000; code++) {
      const text = bearerDescription(`a${String.fromCodePoint(code)}b`);
      assert.match(text, /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/, `U+${code.toString(16)}`);
    }
  });
});

describe("a protected resource's challenge (RFC 6750 §3)", () => {
  test('no token: the realm alone, with no error code', () => {
    assert.equal(resourceServerChallenge({ realm: 'OpenIG' }), 'Bearer realm="OpenIG"');
  });

  test('an invalid token: realm, error and description', () => {
    assert.equal(
      resourceServerChallenge({
        realm: 'api',
        error: 'invalid_token',
        description: 'the token has "expired"',
      }),
      `Bearer realm="api", error="invalid_token", error_description="the token has 'expired'"`,
    );
  });

  test('insufficient scope names the scopes required; quotes in the realm cannot break out', () => {
    assert.equal(
      resourceServerChallenge({ realm: 'a"b', error: 'insufficient_scope', scopes: ['mail', 'profile'] }),
      `Bearer realm="a'b", error="insufficient_scope", scope="mail profile"`,
    );
  });
});
