import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseForm } from '../../../src/http/entity.js';
import { TollgateError } from '../../../src/errors/tollgate-error.js';
import {
  buildTokenExchangeRequest,
  normalizeScopes,
  TokenExchangeTemplate,
  type FixedExchangeParameters,
  type TokenExchangeParameters,
  type TokenExchangeRequest,
} from '../../../src/oauth2/token-exchange-request.js';
import { resolveTokenType, TOKEN_EXCHANGE_GRANT_TYPE, TokenType } from '../../../src/oauth2/token-types.js';

const base: TokenExchangeParameters = {
  subjectToken: 'subject-token',
  subjectTokenType: TokenType.accessToken,
};

/** The body a filter configured with `params` sends for `params`' tokens and scopes. */
function tokenExchangeBody(params: TokenExchangeParameters): string {
  const template = new TokenExchangeTemplate(params);
  const request = template.request(
    params.subjectToken,
    params.actorToken,
    normalizeScopes(params.scopes ?? []),
  );
  return template.body(request);
}

/** RFC 8693 §2.1's form built with URLSearchParams, as an independent check of the template's encoding. */
function referenceForm(request: TokenExchangeRequest): URLSearchParams {
  const form = new URLSearchParams();
  form.append('grant_type', TOKEN_EXCHANGE_GRANT_TYPE);
  form.append('subject_token', request.subjectToken);
  form.append('subject_token_type', request.subjectTokenType);
  if (request.actorToken !== undefined && request.actorTokenType !== undefined) {
    form.append('actor_token', request.actorToken);
    form.append('actor_token_type', request.actorTokenType);
  }
  if (request.requestedTokenType !== undefined)
    form.append('requested_token_type', request.requestedTokenType);
  if (request.scopes.length > 0) form.append('scope', request.scopes.join(' '));
  for (const resource of request.resources) form.append('resource', resource);
  for (const name of request.audiences) form.append('audience', name);
  return form;
}

function names(body: string): string[] {
  return [...new URLSearchParams(body).keys()];
}

function throwsCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (error: unknown) => error instanceof TollgateError && error.code === code);
}

describe('the RFC 8693 request body', () => {
  test('the minimal request: grant_type, subject_token, subject_token_type, nothing else', () => {
    const body = tokenExchangeBody(base);
    assert.deepEqual(names(body), ['grant_type', 'subject_token', 'subject_token_type']);
    const form = parseForm(body);
    assert.deepEqual(form.grant_type, [TOKEN_EXCHANGE_GRANT_TYPE]);
    assert.deepEqual(form.subject_token, ['subject-token']);
    assert.deepEqual(form.subject_token_type, [TokenType.accessToken]);
  });

  test('every parameter, in RFC order, resource and audience repeated', () => {
    const body = tokenExchangeBody({
      ...base,
      actorToken: 'actor-token',
      actorTokenType: TokenType.jwt,
      requestedTokenType: TokenType.saml2,
      scopes: ['read', 'write'],
      resources: ['https://api.example.com/a', 'https://api.example.com/b?x=1'],
      audiences: ['orders', 'billing'],
    });
    assert.deepEqual(names(body), [
      'grant_type',
      'subject_token',
      'subject_token_type',
      'actor_token',
      'actor_token_type',
      'requested_token_type',
      'scope',
      'resource',
      'resource',
      'audience',
      'audience',
    ]);
    const form = parseForm(body);
    assert.deepEqual(form.scope, ['read write']);
    assert.deepEqual(form.resource, ['https://api.example.com/a', 'https://api.example.com/b?x=1']);
    assert.deepEqual(form.audience, ['orders', 'billing']);
    assert.deepEqual(form.requested_token_type, [TokenType.saml2]);
  });

  test('values are form-encoded and decode back exactly', () => {
    const subjectToken = 'a+b/c=d&e f%g\u00e9\u{1f600}';
    const body = tokenExchangeBody({ ...base, subjectToken, audiences: ['x&audience=evil'] });
    assert.ok(body.includes('subject_token=a%2Bb%2Fc%3Dd%26e+f%25g%C3%A9%F0%9F%98%80'));
    const form = parseForm(body);
    assert.deepEqual(form.subject_token, [subjectToken]);
    assert.deepEqual(form.audience, ['x&audience=evil']);
  });

  test('scope is omitted when empty; entries are split on spaces and de-duplicated', () => {
    assert.equal(parseForm(tokenExchangeBody({ ...base, scopes: [] })).scope, undefined);
    assert.equal(parseForm(tokenExchangeBody({ ...base, scopes: ['', ' '] })).scope, undefined);
    assert.deepEqual(normalizeScopes(['read write', 'read', ' admin ']), ['read', 'write', 'admin']);
  });

  test('a scope with a quote, backslash or control character is refused', () => {
    for (const scope of ['a"b', 'a\\b', 'a\nb', 'caf\u00e9']) {
      throwsCode(() => tokenExchangeBody({ ...base, scopes: [scope] }), 'TG_OAUTH2_BAD_PARAMETER');
    }
  });

  test('requested_token_type is omitted when not set, null or empty', () => {
    for (const requestedTokenType of [undefined, null, '']) {
      assert.ok(!names(tokenExchangeBody({ ...base, requestedTokenType })).includes('requested_token_type'));
    }
  });

  test('repeated resources and audiences are sent once each', () => {
    const form = parseForm(
      tokenExchangeBody({ ...base, resources: ['urn:x:y', 'urn:x:y'], audiences: ['a', 'a', 'b'] }),
    );
    assert.deepEqual(form.resource, ['urn:x:y']);
    assert.deepEqual(form.audience, ['a', 'b']);
  });

  test('vendor token type URIs pass through', () => {
    const form = parseForm(
      tokenExchangeBody({ ...base, subjectTokenType: 'https://vendor.example/token-type/x' }),
    );
    assert.deepEqual(form.subject_token_type, ['https://vendor.example/token-type/x']);
  });

  test('PingGateway constant names resolve to the URIs', () => {
    assert.equal(resolveTokenType('URN_ACCESS_TOKEN'), TokenType.accessToken);
    assert.equal(resolveTokenType('URN_ID_TOKEN'), TokenType.idToken);
    assert.equal(resolveTokenType('urn:other'), 'urn:other');
  });
});

describe('request rules', () => {
  test('no subject token → TG_OAUTH2_NO_SUBJECT_TOKEN', () => {
    for (const subjectToken of [undefined, null, '', '   ']) {
      throwsCode(() => buildTokenExchangeRequest({ ...base, subjectToken }), 'TG_OAUTH2_NO_SUBJECT_TOKEN');
    }
  });

  test('actor_token and actor_token_type go together or not at all', () => {
    throwsCode(() => buildTokenExchangeRequest({ ...base, actorToken: 'actor' }), 'TG_OAUTH2_BAD_PARAMETER');
    throwsCode(
      () => buildTokenExchangeRequest({ ...base, actorTokenType: TokenType.accessToken }),
      'TG_OAUTH2_BAD_PARAMETER',
    );
    throwsCode(
      () => buildTokenExchangeRequest({ ...base, actorToken: '', actorTokenType: TokenType.accessToken }),
      'TG_OAUTH2_BAD_PARAMETER',
    );
    const neither = names(tokenExchangeBody({ ...base, actorToken: null, actorTokenType: null }));
    assert.ok(!neither.includes('actor_token') && !neither.includes('actor_token_type'));
  });

  test('token types must be absolute URIs', () => {
    for (const bad of ['', 'access_token', 'urn:has space']) {
      throwsCode(
        () => buildTokenExchangeRequest({ ...base, subjectTokenType: bad }),
        'TG_OAUTH2_BAD_PARAMETER',
      );
    }
    throwsCode(
      () => buildTokenExchangeRequest({ ...base, requestedTokenType: 'jwt' }),
      'TG_OAUTH2_BAD_PARAMETER',
    );
  });

  test('resource must be an absolute URI without a fragment (RFC 8707)', () => {
    for (const bad of ['/relative', 'api.example.com', 'https://api.example.com/#frag', 'https://a b', '']) {
      throwsCode(() => buildTokenExchangeRequest({ ...base, resources: [bad] }), 'TG_OAUTH2_BAD_PARAMETER');
    }
    for (const good of ['https://api.example.com', 'urn:example:api', 'https://api.example.com/p?q=1']) {
      assert.deepEqual(buildTokenExchangeRequest({ ...base, resources: [good] }).resources, [good]);
    }
  });

  test('an empty audience is refused', () => {
    throwsCode(() => buildTokenExchangeRequest({ ...base, audiences: [''] }), 'TG_OAUTH2_BAD_PARAMETER');
  });

  test('the checked request is frozen', () => {
    const request = buildTokenExchangeRequest({ ...base, scopes: ['a'] });
    assert.ok(Object.isFrozen(request) && Object.isFrozen(request.scopes));
  });
});

describe("a filter's request template", () => {
  const fixedSets: FixedExchangeParameters[] = [
    { subjectTokenType: TokenType.accessToken },
    {
      subjectTokenType: TokenType.idToken,
      actorTokenType: TokenType.accessToken,
      requestedTokenType: TokenType.jwt,
      resources: ['https://api.example/a?x=1', 'urn:x:y', 'urn:x:y'],
      audiences: ['orders service', 'b&c=d', 'b&c=d'],
    },
    { subjectTokenType: 'https://vendor.example/token-type/x', requestedTokenType: null, audiences: ['é'] },
  ];
  const tokens = ['subject-token', 'eyJhbGciOi.eyJzdWIi.c2ln-_*', 'a b+c&d=e%f', 'ünï €'];
  const scopeSets = [[], ['read'], ['read write', 'read', 'x:y/z']];

  test('gives the request buildTokenExchangeRequest gives, encoded as URLSearchParams would', () => {
    for (const fixed of fixedSets) {
      const template = new TokenExchangeTemplate(fixed);
      for (const subjectToken of tokens) {
        for (const scopes of scopeSets) {
          const actorToken = fixed.actorTokenType === undefined ? undefined : `${subjectToken}-actor`;
          const params = { ...fixed, subjectToken, actorToken, scopes };
          const expected = buildTokenExchangeRequest(params);
          const request = template.request(subjectToken, actorToken, normalizeScopes(scopes));
          assert.deepEqual(request, expected);
          assert.ok(Object.isFrozen(request) && Object.isFrozen(request.scopes));
          assert.equal(template.body(request), referenceForm(expected).toString());
        }
      }
    }
  });

  test('refuses what buildTokenExchangeRequest refuses', () => {
    const plain = new TokenExchangeTemplate({ subjectTokenType: TokenType.accessToken });
    for (const subjectToken of [undefined, null, '', '  ']) {
      throwsCode(() => plain.request(subjectToken, undefined, []), 'TG_OAUTH2_NO_SUBJECT_TOKEN');
    }
    throwsCode(() => plain.request('s', 'actor', []), 'TG_OAUTH2_BAD_PARAMETER');
    const delegation = new TokenExchangeTemplate({
      subjectTokenType: TokenType.accessToken,
      actorTokenType: TokenType.accessToken,
    });
    throwsCode(() => delegation.request('s', '', []), 'TG_OAUTH2_BAD_PARAMETER');
    throwsCode(
      () => new TokenExchangeTemplate({ subjectTokenType: TokenType.accessToken, resources: ['urn:x#f'] }),
      'TG_OAUTH2_BAD_PARAMETER',
    );
    throwsCode(
      () => new TokenExchangeTemplate({ subjectTokenType: TokenType.accessToken, requestedTokenType: 'jwt' }),
      'TG_OAUTH2_BAD_PARAMETER',
    );
  });
});
