import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TollgateError } from '../../../src/errors/tollgate-error.js';
import { readIntrospectionAnswer, scopesOf, tokenInfo } from '../../../src/oauth2/access-token.js';

const NOW = 1_700_000_000_000;
const json = (body: unknown, status = 200): { status: number; contentType: string; body: string } => ({
  status,
  contentType: 'application/json; charset=utf-8',
  body: JSON.stringify(body),
});

function failure(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof TollgateError);
    assert.equal(error.code, 'TG_OAUTH2_RESOLVER_FAILED');
    return error.detail ?? '';
  }
  assert.fail('expected a resolver failure');
}

describe('readIntrospectionAnswer', () => {
  test('an active token gives its scopes, expiry in ms and every claim', () => {
    const answer = json({ active: true, scope: 'mail  profile', exp: NOW / 1000 + 60, sub: 'demo' });
    const resolution = readIntrospectionAnswer(answer, 'tok', NOW);
    assert.ok(resolution.valid);
    assert.deepEqual(resolution.token.scopes, ['mail', 'profile']);
    assert.equal(resolution.token.expiresAt, NOW + 60_000);
    assert.equal(resolution.token.token, 'tok');
    assert.equal(resolution.token.info.sub, 'demo');
  });

  test('inactive, expired and not-yet-valid tokens are invalid, not failures', () => {
    assert.deepEqual(readIntrospectionAnswer(json({ active: false }), 't', NOW), {
      valid: false,
      reason: 'the token is not active',
    });
    const expired = readIntrospectionAnswer(json({ active: true, exp: NOW / 1000 }), 't', NOW);
    assert.equal(expired.valid, false);
    const early = readIntrospectionAnswer(json({ active: true, nbf: NOW / 1000 + 5 }), 't', NOW);
    assert.equal(early.valid, false);
  });

  test('a token type the server does not introspect (400 unsupported_token_type) is invalid', () => {
    const answer = json(
      { error: 'unsupported_token_type', error_description: 'JWTs cannot be introspected' },
      400,
    );
    assert.equal(readIntrospectionAnswer(answer, 't', NOW).valid, false);
    assert.match(
      failure(() => readIntrospectionAnswer(json({ error: 'invalid_request' }, 400), 't', NOW)),
      /400/,
    );
  });

  test('an answer that does not say whether the token is active is a failure', () => {
    assert.match(
      failure(() => readIntrospectionAnswer(json({ error: 'x' }, 401), 't', NOW)),
      /credentials/,
    );
    assert.match(
      failure(() => readIntrospectionAnswer(json({}, 503), 't', NOW)),
      /HTTP 503/,
    );
    assert.match(
      failure(() =>
        readIntrospectionAnswer({ status: 200, contentType: 'text/html', body: '<p>' }, 't', NOW),
      ),
      /not JSON/,
    );
    assert.match(
      failure(() =>
        readIntrospectionAnswer(
          { status: 200, contentType: 'application/json', body: '{"active":' },
          't',
          NOW,
        ),
      ),
      /not valid JSON/,
    );
    assert.match(
      failure(() => readIntrospectionAnswer(json([true]), 't', NOW)),
      /not a JSON object/,
    );
    assert.match(
      failure(() => readIntrospectionAnswer(json({ active: 'true' }), 't', NOW)),
      /boolean/,
    );
  });
});

describe('scopesOf and tokenInfo', () => {
  test('scope as a string or a list (scp), duplicates and empty items dropped', () => {
    assert.deepEqual(scopesOf({ scope: 'a b a' }), ['a', 'b']);
    assert.deepEqual(scopesOf({ scp: ['a', 3, 'c'] }), ['a', 'c']);
    assert.deepEqual(scopesOf({}), []);
  });

  test('a token without exp has no expiry', () => {
    assert.equal(tokenInfo('t', { scope: 'a' }).expiresAt, null);
    assert.ok(Object.isFrozen(tokenInfo('t', {}).info));
  });
});
