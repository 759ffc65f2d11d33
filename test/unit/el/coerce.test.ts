import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toNumber } from '../../../src/el/coerce.js';
import { TollgateError } from '../../../src/errors/tollgate-error.js';
import { within } from '../../fixtures/within.js';

const coerce = new URL('../../../src/el/coerce.js', import.meta.url);

test('strings coerce to numbers with Java Double.valueOf syntax', () => {
  for (const [text, number] of [
    ['1.', 1],
    ['1.5', 1.5],
    ['.5', 0.5],
    ['1e3', 1000],
    ['-1.5E-1f', -0.15],
    [' 2.5d ', 2.5],
  ] as const) {
    assert.equal(toNumber(text), number, text);
  }
  for (const text of ['1.2.3', '.', 'e5', '1e', '1.5x']) {
    assert.throws(() => toNumber(text), TollgateError, text);
  }
});

test('a long number-like string from a client is refused in time linear in its length', async () => {
  const digits = '1'.repeat(1_000_000);
  for (const text of [`${digits}.x`, `${digits}e`, `.${digits}x`, `${digits}.${digits}x`]) {
    assert.deepEqual(await within(5000, coerce, 'toNumber', [text]), { ok: false, code: 'TG_EL_EVALUATION' });
  }
  assert.deepEqual(await within(5000, coerce, 'toNumber', [`${digits}.5`]), {
    ok: true,
    value: Number.POSITIVE_INFINITY,
  });
});
