import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RequestUri } from '../../../src/http/uri.js';

test('path is rawPath decoded, and follows a new rawPath', () => {
  const uri = RequestUri.fromRequestTarget('/a%20b/c?x=%31', 'http', 'gw.test:8080');
  assert.equal(uri.path, '/a b/c');
  assert.equal(uri.rawPath, '/a%20b/c');
  assert.equal(uri.query, 'x=1');
  assert.equal(uri.port, 8080);
  uri.rawPath = '/other%2Fpart';
  assert.equal(uri.path, '/other/part');
  assert.equal(uri.toString(), 'http://gw.test:8080/other%2Fpart?x=%31');
});

test('a malformed escape leaves the path as it is', () => {
  assert.equal(RequestUri.fromRequestTarget('/bad%zz', 'http', 'gw.test').path, '/bad%zz');
});

test('rebase replaces scheme, host and port only', () => {
  const uri = RequestUri.fromRequestTarget('/p?q=1', 'https', 'front.test');
  uri.rebase(RequestUri.parse('http://back.test:9000/ignored'));
  assert.equal(uri.toString(), 'http://back.test:9000/p?q=1');
});
