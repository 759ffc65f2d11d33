import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formUrlEncode } from '../../../src/http/form.js';

test('formUrlEncode matches application/x-www-form-urlencoded', () => {
  assert.equal(formUrlEncode('a b:c'), 'a+b%3Ac');
  assert.equal(formUrlEncode('eyJh.bc-d_e*f'), 'eyJh.bc-d_e*f');
  assert.equal(formUrlEncode(''), '');
});

test('formUrlEncode gives what URLSearchParams gives, for every ASCII character and beyond', () => {
  const values = [
    ...Array.from({ length: 128 }, (_, code) => `a${String.fromCharCode(code)}b`),
    'é€😀',
    'x~y',
    'line\r\nbreak',
  ];
  for (const value of values) {
    assert.equal(formUrlEncode(value), new URLSearchParams({ v: value }).toString().slice(2), value);
  }
});
