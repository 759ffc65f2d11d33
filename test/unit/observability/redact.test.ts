import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Headers } from '../../../src/http/headers.js';
import { Request } from '../../../src/http/message.js';
import { RequestUri } from '../../../src/http/uri.js';
import {
  describeRequest,
  isTextMediaType,
  REDACTED,
  redactEntity,
  redactParams,
  redactText,
  redactValue,
} from '../../../src/observability/redact.js';
import { within } from '../../fixtures/within.js';

test('credential headers are redacted, by well-known name or by a name that says token or secret', () => {
  const request = new Request({
    method: 'GET',
    uri: RequestUri.parse('http://gw.test/api?access_token=abc&page=2&client_secret=s3'),
    headers: Headers.fromRecord({
      Authorization: 'Bearer abc',
      Cookie: 'session=xyz',
      'X-Actor-Token': 'actor',
      'X-Client-Secret': 'shh',
      'X-Api-Key': 'k',
      Accept: 'application/json',
    }),
  });
  const described = describeRequest(request) as { uri: string; headers: Record<string, string[]> };
  assert.deepEqual(described.headers, {
    Authorization: [REDACTED],
    Cookie: [REDACTED],
    'X-Actor-Token': [REDACTED],
    'X-Client-Secret': [REDACTED],
    'X-Api-Key': [REDACTED],
    Accept: ['application/json'],
  });
  assert.equal(described.uri, `http://gw.test/api?access_token=${REDACTED}&page=2&client_secret=${REDACTED}`);
  assert.doesNotMatch(JSON.stringify(described), /abc|xyz|actor"|shh|s3/);
});

test('form parameters named like credentials lose their values', () => {
  assert.equal(
    redactParams('subject_token=t1&scope=mail&password=p'),
    `subject_token=${REDACTED}&scope=mail&password=${REDACTED}`,
  );
});

test('free text loses the given credentials, JWT-shaped strings and credential parameter values', () => {
  const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJkZW1vIn0.c2lnbmF0dXJl';
  assert.equal(
    redactText(`token abc123 for demo; assertion ${jwt}; client_secret=s3 & scope=mail`, ['abc123', '']),
    `token ${REDACTED} for demo; assertion ${REDACTED}; client_secret=${REDACTED}& scope=mail`,
  );
  assert.equal(redactText('nothing to hide: scope=mail', ['abc123']), 'nothing to hide: scope=mail');
});

test('free text from a server is redacted in time linear in its length', async () => {
  const redact = new URL('../../../src/observability/redact.js', import.meta.url);
  const text = `${'eyJ'.repeat(100_000)} eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.`;
  assert.deepEqual(await within(5000, redact, 'redactText', [text, []]), {
    ok: true,
    value: `${'eyJ'.repeat(100_000)} ${REDACTED}`,
  });
});

test('odd parameters keep the redaction the pattern gave them', () => {
  assert.equal(redactParams('=token=abc&x&&a==b&=&'), `=token=${REDACTED}&x&&a==b&=&`);
  assert.equal(redactParams('code=1&codes=2&api-key=k'), `code=${REDACTED}&codes=2&api-key=${REDACTED}`);
});

test('a long query from a client is redacted in time linear in its length', async () => {
  const redact = new URL('../../../src/observability/redact.js', import.meta.url);
  const query = `${'a'.repeat(1_000_000)}&token=t`;
  assert.deepEqual(await within(5000, redact, 'redactParams', [query]), {
    ok: true,
    value: `${'a'.repeat(1_000_000)}&token=${REDACTED}`,
  });
});

test('a captured body: JSON fields and form parameters named like credentials, and JWTs in other text', () => {
  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln';
  assert.equal(
    redactEntity(
      '{"access_token":"abc","nested":{"Authorization":"Bearer x","id":7},"list":[{"password":"p"}]}',
      'application/json; charset=utf-8',
    ),
    `{"access_token":"${REDACTED}","nested":{"Authorization":"${REDACTED}","id":7},"list":[{"password":"${REDACTED}"}]}`,
  );
  assert.equal(
    redactEntity('a=1&client_secret=s', 'application/x-www-form-urlencoded'),
    `a=1&client_secret=${REDACTED}`,
  );
  assert.equal(redactEntity(`token is ${jwt}.`, 'text/plain'), `token is ${REDACTED}.`);
  assert.equal(
    redactEntity('{not json, access_token=abc', 'application/json'),
    `{not json, access_token=${REDACTED}`,
  );
});

test('a captured value: masks for the names they match, functions left out, deep values summarised', () => {
  const masked = redactValue({ customer: 'alice', plan: 'gold', run: () => 1 }, (name) =>
    name === 'customer' ? '***' : undefined,
  );
  assert.deepEqual(masked, { customer: '***', plan: 'gold' });
  const cyclic: Record<string, unknown> = { name: 'loop' };
  cyclic.self = cyclic;
  assert.doesNotThrow(() => JSON.stringify(redactValue(cyclic)));
  assert.deepEqual(redactValue(new Map([['id_token', 'x']])), { id_token: REDACTED });
});

test('text media types are told from binary ones', () => {
  for (const type of [
    'text/html',
    'application/json',
    'application/problem+json',
    'application/soap+xml',
    'application/x-www-form-urlencoded; charset=utf-8',
  ])
    assert.ok(isTextMediaType(type), type);
  for (const type of ['image/png', 'application/octet-stream', 'application/pdf'])
    assert.ok(!isTextMediaType(type), type);
});
