import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { plainData } from '../../../src/services/plain-data.js';

describe('plainData', () => {
  test('keeps data and drops objects with behaviour', () => {
    const copy = plainData({
      a: [1, 'x', null],
      e: new Error('hidden'),
      f: () => 1,
      n: Number.NaN,
      nested: { ok: true },
    });
    assert.deepEqual(JSON.parse(JSON.stringify(copy)), { a: [1, 'x', null], nested: { ok: true } });
    assert.equal(Object.getPrototypeOf(copy), null);
  });
});
