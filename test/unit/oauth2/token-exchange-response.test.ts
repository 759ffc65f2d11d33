import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_DESCRIPTION_LENGTH, type TokenExchangeFailure } from '../../../src/oauth2/errors.js';
import {
  parseTokenExchangeResponse,
  type TokenEndpointAnswer,
  type TokenExchangeExpectations,
  type TokenExchangeSuccess,
} from '../../../src/oauth2/token-exchange-response.js';
import { TokenType } from '../../../src/oauth2/token-types.js';

const JSON_TYPE = 'application/json;charset=UTF-8';

function answer(status: number, body: unknown, contentType: string | null = JSON_TYPE): TokenEndpointAnswer {
  return { status, contentType, body: typeof body === 'string' ? body : JSON.stringify(body) };
}

function success(a: TokenEndpointAnswer, expectations?: TokenExchangeExpectations): TokenExchangeSuccess {
  const outcome = parseTokenExchangeResponse(a, expectations);
  assert.ok(outcome.ok, `expected success, got ${outcome.ok ? '' : outcome.failure.detail}`);
  return outcome.success;
}

function failure(a: TokenEndpointAnswer, expectations?: TokenExchangeExpectations): TokenExchangeFailure {
  const outcome = parseTokenExchangeResponse(a, expectations);
  assert.ok(!outcome.ok, 'expected a failure');
  return outcome.failure;
}

const good = {
  access_token: 'issued-token',
  issued_token_type: TokenType.accessToken,
  token_type: 'Bearer',
  expires_in: 3600,
  scope: 'read write',
};

describe('success', () => {
  test('all fields', () => {
    const s = success(answer(200, { ...good, refresh_token: 'rt' }), {
      requestedTokenType: TokenType.accessToken,
      requestedScopes: ['read'],
    });
    assert.equal(s.accessToken, 'issued-token');
    assert.equal(s.issuedTokenType, TokenType.accessToken);
    assert.equal(s.issuedTokenTypeAssumed, false);
    assert.equal(s.tokenType, 'Bearer');
    assert.equal(s.bearerUsable, true);
    assert.equal(s.expiresIn, 3600);
    assert.deepEqual(s.scopes, ['read', 'write']);
    assert.equal(s.scopeFromRequest, false);
    assert.equal(s.refreshToken, 'rt');
    assert.equal(s.raw.access_token, 'issued-token');
    assert.deepEqual(s.warnings, []);
    assert.ok(Object.isFrozen(s));
  });

  test('token_type is case-insensitive; N_A is flagged not usable as Bearer', () => {
    assert.equal(success(answer(200, { ...good, token_type: 'bearer' })).bearerUsable, true);
    const na = success(answer(200, { ...good, token_type: 'N_A', issued_token_type: TokenType.saml2 }));
    assert.equal(na.bearerUsable, false);
    assert.equal(na.tokenType, 'N_A');
  });

  test('no scope → the requested scopes, flagged (RFC 6749 §5.1)', () => {
    const { scope: _scope, ...noScope } = good;
    const s = success(answer(200, noScope), { requestedScopes: ['a', 'b'] });
    assert.deepEqual(s.scopes, ['a', 'b']);
    assert.equal(s.scopeFromRequest, true);
    assert.deepEqual(success(answer(200, noScope)).scopes, []);
  });

  test('scope is split on spaces, extra spaces ignored', () => {
    assert.deepEqual(success(answer(200, { ...good, scope: ' a  b ' })).scopes, ['a', 'b']);
    assert.deepEqual(success(answer(200, { ...good, scope: '' })).scopes, []);
  });

  test('lenient (default): no issued_token_type → the requested type, flagged and warned', () => {
    const { issued_token_type: _t, ...noType } = good;
    const s = success(answer(200, noType), { requestedTokenType: TokenType.jwt });
    assert.equal(s.issuedTokenType, TokenType.jwt);
    assert.equal(s.issuedTokenTypeAssumed, true);
    assert.equal(s.warnings.length, 1);
    assert.equal(success(answer(200, noType)).issuedTokenType, null);
  });

  test('lenient: expires_in as a digit string, scope as an array', () => {
    const s = success(answer(200, { ...good, expires_in: '120', scope: ['x', 'y'] }));
    assert.equal(s.expiresIn, 120);
    assert.deepEqual(s.scopes, ['x', 'y']);
    assert.equal(s.warnings.length, 2);
  });

  test('an unusable expires_in is ignored with a warning, fractional seconds are floored', () => {
    for (const expires_in of [-1, 'soon', null, {}]) {
      const s = success(answer(200, { ...good, expires_in }));
      assert.equal(s.expiresIn, undefined);
      assert.equal(s.warnings.length, 1);
    }
    assert.equal(success(answer(200, { ...good, expires_in: 59.9 })).expiresIn, 59);
    assert.equal(success(answer(200, { ...good, expires_in: undefined })).expiresIn, undefined);
  });

  test('application/*+json and a missing content type are read as JSON', () => {
    assert.ok(parseTokenExchangeResponse(answer(200, good, 'application/vnd.as+json')).ok);
    assert.ok(parseTokenExchangeResponse(answer(200, good, null)).ok);
  });
});

/** One test per row of FAILURE_MAPPING that the parser can reach (the table in docs/token-exchange.md). */
describe('failures', () => {
  test('rows as_oauth_error and as_configuration_error: the AS error kept verbatim, status per error', () => {
    const cases: [string, number, string][] = [
      ['invalid_request', 400, 'as_oauth_error'],
      ['invalid_grant', 401, 'as_oauth_error'],
      ['invalid_scope', 403, 'as_oauth_error'],
      ['invalid_target', 403, 'as_oauth_error'],
      ['access_denied', 403, 'as_oauth_error'],
      ['unauthorized_client', 500, 'as_configuration_error'],
      ['unsupported_grant_type', 500, 'as_configuration_error'],
      ['vendor_specific_error', 500, 'as_oauth_error'],
    ];
    for (const [error, status, situation] of cases) {
      const f = failure(
        answer(400, { error, error_description: 'Subject token is expired', error_uri: 'https://as/doc#e' }),
      );
      assert.equal(f.situation, situation, error);
      assert.equal(f.error, error);
      assert.equal(f.description, 'Subject token is expired');
      assert.equal(f.errorUri, 'https://as/doc#e');
      assert.equal(f.status, status, error);
      assert.equal(f.upstreamStatus, 400);
      assert.ok(f.exception instanceof Error);
    }
  });

  test('row as_configuration_error: 401 invalid_client with a JSON body', () => {
    const f = failure(answer(401, { error: 'invalid_client', error_description: 'bad secret' }));
    assert.equal(f.situation, 'as_configuration_error');
    assert.equal(f.error, 'invalid_client');
    assert.equal(f.status, 500);
    assert.equal(f.upstreamStatus, 401);
  });

  test('row as_oauth_error: 403 with an OAuth body is an OAuth error too', () => {
    assert.equal(failure(answer(403, { error: 'access_denied' })).error, 'access_denied');
  });

  test('the description is cleaned of control and bidi characters and cut to length', () => {
    const f = failure(
      answer(400, { error: 'invalid_request', error_description: 'line1\r\nFAKE LOG\u202e\u0000x' }),
    );
    assert.equal(f.description, 'line1 FAKE LOG x');
    const long = failure(answer(400, { error: 'invalid_request', error_description: '\u00e9'.repeat(1000) }));
    assert.equal(Array.from(long.description).length, MAX_DESCRIPTION_LENGTH);
    assert.ok(long.description.endsWith('…'));
    assert.equal(failure(answer(400, { error: 'invalid_grant' })).description, '');
    assert.equal(failure(answer(400, { error: 'invalid_grant', error_description: 42 })).description, '');
  });

  test('an error_uri that is not an http(s) URI in RFC 6749 charset is dropped', () => {
    for (const error_uri of ['javascript:alert(1)', 'https://a/"x', 'not a uri', 7]) {
      assert.equal(failure(answer(400, { error: 'invalid_request', error_uri })).errorUri, undefined);
    }
  });

  test('row as_client_auth_rejected: 401 without a usable body', () => {
    for (const a of [answer(401, '', null), answer(401, 'Unauthorized', 'text/plain'), answer(401, {})]) {
      const f = failure(a);
      assert.equal(f.situation, 'as_client_auth_rejected');
      assert.equal(f.error, 'invalid_client');
      assert.equal(f.status, 500);
    }
  });

  test('row as_server_error: 5xx, HTML, malformed JSON, JSON without error, bad error code, odd status', () => {
    const cases = [
      answer(500, { error: 'server_error' }),
      answer(503, '<html>down</html>', 'text/html'),
      answer(400, '<html>bad</html>', 'text/html'),
      answer(400, '{"error": "invalid_request"', JSON_TYPE),
      answer(400, { message: 'no error field' }),
      answer(400, ['error']),
      answer(400, { error: 'bad"code' }),
      answer(400, { error: 42 }),
      answer(400, { error: '' }),
      answer(200, '<html>ok</html>', 'text/html'),
      answer(200, '{not json', JSON_TYPE),
      answer(201, good),
      answer(302, '', null),
    ];
    for (const a of cases) {
      const f = failure(a);
      assert.equal(f.situation, 'as_server_error', `${a.status} ${a.body}`);
      assert.equal(f.error, 'server_error');
      assert.equal(f.description, 'the authorization server returned an unusable response');
      assert.equal(f.status, 502);
      assert.equal(f.upstreamStatus, a.status);
    }
  });

  test('no detail quotes the body: the status, the media type and the size only', () => {
    const sentTokens = ['subject-secret'];
    const html = `<html>subject-secret ${'x'.repeat(500)}</html>`;
    const cases: [TokenEndpointAnswer, string][] = [
      [
        answer(500, html, 'text/html; charset=utf-8'),
        `the authorization server answered 500 (text/html, ${Buffer.byteLength(html)} bytes)`,
      ],
      [
        answer(400, 'subject_token=subject-secret', 'text/plain'),
        'the authorization server answered 400 with a body that is not a JSON object (text/plain, 28 bytes)',
      ],
      [
        answer(400, { message: 'bad subject-secret' }),
        'the authorization server answered 400 with JSON without "error" (application/json, 32 bytes)',
      ],
      [
        answer(400, { error: 'subject"secret' }),
        `the authorization server answered 400 with an "error" outside RFC 6749's character set (application/json, 27 bytes)`,
      ],
      [
        answer(401, 'subject-secret', null),
        'the authorization server answered 401 with a body that is not a JSON object (no content type, 14 bytes)',
      ],
      [
        answer(200, 'subject-secret', 'text/subject-secret'),
        'the authorization server answered 200 with a body that is not JSON (an unusual content type, 14 bytes)',
      ],
      [
        answer(200, '{"access_token": "subject-secret', JSON_TYPE),
        'the authorization server answered 200 with malformed JSON (application/json, 32 bytes)',
      ],
    ];
    for (const [a, detail] of cases) {
      const f = failure(a, { sentTokens });
      assert.equal(f.detail, detail);
      assert.equal(f.exception.message, `TG_OAUTH2_EXCHANGE_FAILED: ${detail}`);
    }
  });

  test('the tokens sent are taken out of the error, its description and its error_uri', () => {
    const sentTokens = ['subject-secret', 'actor-secret'];
    const f = failure(
      answer(400, {
        error: 'invalid_grant',
        error_description: `subject token subject-secret and actor-secret refused; assertion eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln, client_secret=s3cr3t&x=1 ${'.'.repeat(300)}`,
        error_uri: 'https://as.test/errors?token=subject-secret',
      }),
      { sentTokens },
    );
    assert.equal(f.error, 'invalid_grant');
    assert.ok(
      f.description.startsWith(
        'subject token [REDACTED] and [REDACTED] refused; assertion [REDACTED], client_secret=[REDACTED]&x=1 ...',
      ),
      f.description,
    );
    assert.equal(f.errorUri, undefined);
    const echoed = failure(answer(400, { error: 'subject-secret' }), { sentTokens });
    assert.equal(echoed.error, '[REDACTED]');
    for (const text of [f.detail, f.description, f.exception.message, echoed.detail, echoed.error]) {
      assert.doesNotMatch(text, /subject-secret|actor-secret|s3cr3t/);
    }
  });

  test('a token cut at the description length is still taken out whole', () => {
    const token = 't'.repeat(40);
    const f = failure(
      answer(400, { error: 'invalid_grant', error_description: `${'x'.repeat(240)} ${token}` }),
      { sentTokens: [token] },
    );
    assert.ok(!f.description.includes('tttt'), f.description);
  });

  test('row response_check: 200 without access_token or token_type, type mismatch, strict mode', () => {
    const { issued_token_type: _t, ...noType } = good;
    const cases: [TokenEndpointAnswer, TokenExchangeExpectations?][] = [
      [answer(200, { ...good, access_token: undefined })],
      [answer(200, { ...good, access_token: '' })],
      [answer(200, { ...good, access_token: 42 })],
      [answer(200, { ...good, token_type: undefined })],
      [answer(200, { error: 'invalid_grant' })],
      [
        answer(200, { ...good, issued_token_type: TokenType.idToken }),
        { requestedTokenType: TokenType.accessToken },
      ],
      [answer(200, { ...good, issued_token_type: 5 })],
      [answer(200, { ...good, scope: 5 })],
      [answer(200, noType), { lenient: false }],
      [answer(200, { ...good, scope: ['a'] }), { lenient: false }],
    ];
    for (const [a, expectations] of cases) {
      const f = failure(a, expectations);
      assert.equal(f.situation, 'response_check', a.body);
      assert.equal(f.error, 'server_error');
      assert.equal(f.status, 502);
      assert.ok(!f.detail.includes('issued-token'), 'the detail never quotes a 200 body');
    }
  });

  test('an issued_token_type that is not a URI is not quoted', () => {
    const expectations = { requestedTokenType: TokenType.accessToken, sentTokens: ['subject-secret'] };
    const other = failure(answer(200, { ...good, issued_token_type: TokenType.jwt }), expectations);
    assert.equal(
      other.detail,
      `the token response issued a ${TokenType.jwt}, not the requested ${TokenType.accessToken}`,
    );
    for (const issued of ['subject-secret', 'urn:x:subject-secret', 'not a uri']) {
      const f = failure(answer(200, { ...good, issued_token_type: issued }), expectations);
      assert.equal(
        f.detail,
        `the token response issued a token type that cannot be logged, not the requested ${TokenType.accessToken}`,
      );
    }
  });

  test('strict mode: a string expires_in is ignored, not accepted', () => {
    const s = success(answer(200, { ...good, expires_in: '60' }), { lenient: false });
    assert.equal(s.expiresIn, undefined);
  });
});
