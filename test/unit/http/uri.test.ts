import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRequestTarget, type RequestTarget } from '../../../src/http/request-target.js';
import { RequestUri } from '../../../src/http/uri.js';

function target(text: string): RequestTarget {
  const parsed = parseRequestTarget(text);
  assert.ok(!('refused' in parsed), text);
  return parsed;
}

test('path is rawPath decoded, and follows a new rawPath', () => {
  const uri = RequestUri.fromRequestTarget(target('/a%20b/c?x=%31'), 'http', 'gw.test:8080');
  assert.equal(uri.path, '/a b/c');
  assert.equal(uri.rawPath, '/a%20b/c');
  assert.equal(uri.query, 'x=1');
  assert.equal(uri.port, 8080);
  uri.rawPath = '/other%2Fpart';
  assert.equal(uri.path, '/other/part');
  assert.equal(uri.toString(), 'http://gw.test:8080/other%2Fpart?x=%31');
});

test('a malformed escape leaves the path as it is', () => {
  assert.equal(new RequestUri({ scheme: 'http', host: 'gw.test', rawPath: '/bad%zz' }).path, '/bad%zz');
});

test('rebase replaces scheme, host and port only', () => {
  const uri = RequestUri.fromRequestTarget(target('/p?q=1'), 'https', 'front.test');
  uri.rebase(RequestUri.parse('http://back.test:9000/ignored'));
  assert.equal(uri.toString(), 'http://back.test:9000/p?q=1');
});

test("an absolute-form target's authority names the host, not the Host header", () => {
  const uri = RequestUri.fromRequestTarget(target('http://api.test:8443/p'), 'http', 'other.test');
  assert.equal(uri.host, 'api.test');
  assert.equal(uri.port, 8443);
  assert.equal(uri.rawUserInfo, null);
});
