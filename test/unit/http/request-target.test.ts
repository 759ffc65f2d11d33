import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { normalisePath, parseRequestTarget } from '../../../src/http/request-target.js';

function pathOf(target: string): string {
  const parsed = parseRequestTarget(target);
  assert.ok(!('refused' in parsed), `${target} is accepted`);
  return parsed.rawPath;
}

function refusal(target: string): string {
  const parsed = parseRequestTarget(target);
  assert.ok('refused' in parsed, `${target} is refused`);
  return parsed.refused;
}

test('every spelling of /admin/secret is /admin/secret', () => {
  for (const spelling of [
    '/admin/secret',
    '//admin/secret',
    '/admin//secret',
    '/admin///secret',
    '/./admin/secret',
    '/admin/./secret',
    '/x/../admin/secret',
    '/x/y/../../admin/secret',
    '/../admin/secret',
    '/../../admin/secret',
    '/%61dmin/secret',
    '/%61%64%6D%69%6E/%73ecret',
    '/%2e/admin/secret',
    '/%2E%2E/admin/secret',
    '/x/%2e%2e/admin/secret',
    '/x/.%2E/admin/secret',
    'http://127.0.0.1:8080/admin/secret',
    'HTTP://127.0.0.1/admin/secret',
    'https://gateway.test/x/../admin/secret',
  ]) {
    assert.equal(pathOf(spelling), '/admin/secret', spelling);
  }
});

test('a path keeps its trailing slash and case; the query is kept as sent', () => {
  assert.equal(pathOf('/admin/'), '/admin/');
  assert.equal(pathOf('/admin/x/..'), '/admin/');
  assert.equal(pathOf('/Admin'), '/Admin');
  assert.deepEqual(parseRequestTarget('/a/../b?x=%2e%2e/&y'), {
    rawPath: '/b',
    rawQuery: 'x=%2e%2e/&y',
    authority: undefined,
  });
  assert.deepEqual(parseRequestTarget('http://h.test:81?q'), {
    rawPath: '/',
    rawQuery: 'q',
    authority: 'h.test:81',
  });
});

test('escapes that are not unreserved stay escaped, with upper-case hex; unsafe characters are escaped', () => {
  assert.equal(pathOf('/a%c3%a9b'), '/a%C3%A9b');
  assert.equal(pathOf('/a%20b'), '/a%20b');
  assert.equal(pathOf('/a b'), '/a%20b');
  assert.equal(pathOf('/a"<>^`{|}b'), '/a%22%3C%3E%5E%60%7B%7C%7Db');
  // node:http hands the target's bytes over as latin1.
  assert.equal(pathOf('/caf\u00c3\u00a9'), '/caf%C3%A9');
  assert.equal(pathOf("/a;b=c,d!$&'()*+:@e"), "/a;b=c,d!$&'()*+:@e");
  assert.equal(pathOf('/%25'), '/%25');
});

test('targets with no single spelling are refused, each with its reason', () => {
  assert.match(refusal('/admin%2Fsecret'), /encoded \/ or \\/);
  assert.match(refusal('/public/..%2Fadmin'), /encoded \/ or \\/);
  assert.match(refusal('/public/..%5Cadmin'), /encoded \/ or \\/);
  assert.match(refusal('/admin\\secret'), /a \\ in the path/);
  assert.match(refusal('/admin%00'), /control character/);
  assert.match(refusal('/admin%0d%0a'), /control character/);
  assert.match(refusal('/admin%7F'), /control character/);
  assert.match(refusal('/admin%zz'), /malformed/);
  assert.match(refusal('/admin%4'), /malformed/);
  assert.match(refusal('/admin#frag'), /fragment/);
  assert.match(refusal('*'), /asterisk/);
  assert.match(refusal('127.0.0.1:443'), /authority-form/);
  assert.match(refusal('ftp://h.test/admin'), /http and https/);
  assert.match(refusal('http://user:pw@127.0.0.1/admin/secret'), /userinfo/);
  assert.match(refusal('http://user@127.0.0.1/admin'), /userinfo/);
  assert.match(refusal('http:///admin'), /needs a host/);
  assert.match(refusal('admin/secret'), /authority-form/);
});

test('normalisePath removes dot segments as RFC 3986 §5.2.4 does', () => {
  for (const [input, output] of [
    ['/', '/'],
    ['/.', '/'],
    ['/..', '/'],
    ['/a/b/c/./../../g', '/a/g'],
    ['/mid/content=5/../6', '/mid/6'],
    ['/a/b/..', '/a/'],
    ['/a/./', '/a/'],
    ['/a/.../b', '/a/.../b'],
    ['/a/..b/c', '/a/..b/c'],
  ] as const) {
    assert.equal(normalisePath(input), output, input);
  }
});

test('any target that is accepted comes out in its one spelling, and that spelling is kept as it is', () => {
  const piece = fc.oneof(
    fc.constantFrom(
      '/',
      '//',
      '.',
      '..',
      '%2e',
      '%2E%2e',
      '%41',
      '%7e',
      '%c3%a9',
      '%25',
      '%2F',
      '%5c',
      '%00',
      '%',
    ),
    fc.constantFrom(
      'a',
      'B',
      '-',
      '_',
      '~',
      ';',
      '=',
      ':',
      '@',
      ' ',
      '"',
      '{',
      '\u00e9',
      '\\',
      '#',
      '?',
      '*',
    ),
  );
  const target = fc
    .tuple(
      fc.constantFrom('/', 'http://h.test', 'https://h.test:8443/', ''),
      fc.array(piece, { maxLength: 12 }),
    )
    .map(([start, pieces]) => `${start}${pieces.join('')}`);
  fc.assert(
    fc.property(target, (text) => {
      const parsed = parseRequestTarget(text);
      if ('refused' in parsed) return;
      const path = parsed.rawPath;
      assert.equal(normalisePath(path), path, `${text} → ${path}`);
      assert.ok(path.startsWith('/'));
      assert.ok(!path.includes('//'), path);
      assert.ok(!/(^|\/)\.\.?(\/|$)/.test(path), path);
      assert.ok(!/%(2[dDeE]|[46][1-9a-fA-F]|[57][0-9aA]|3[0-9]|5[fF]|7[eE])/.test(path), path);
      assert.ok(!/%[0-9A-F]?[a-f]/.test(path), path);
    }),
    { numRuns: 3000 },
  );
});
