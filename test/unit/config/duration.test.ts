import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseDuration } from '../../../src/config/duration.js';
import { TollgateError } from '../../../src/errors/tollgate-error.js';

const place = { file: 'config/routes/r.json', pointer: '/handler/config/scanInterval' };

describe('parseDuration', () => {
  const valid: [value: string | number, ms: number][] = [
    ['10 seconds', 10_000],
    ['1 second', 1_000],
    ['1 minute and 30 seconds', 90_000],
    ['23 hours 59 minutes and 59 seconds', 86_399_000],
    ['2 days, 3 hours', 183_600_000],
    ['2h', 7_200_000],
    ['5m', 300_000],
    ['5min', 300_000],
    ['30s', 30_000],
    ['30 sec', 30_000],
    ['250ms', 250],
    ['250 millis', 250],
    ['1 milli', 1],
    ['1500 micros', 1.5],
    ['2000000 ns', 2],
    ['1 d', 86_400_000],
    ['10 SECONDS', 10_000],
    ['  10 seconds  ', 10_000],
    ['disabled', 0],
    ['zero', 0],
    ['ZERO', 0],
    ['unlimited', Number.POSITIVE_INFINITY],
    ['indefinite', Number.POSITIVE_INFINITY],
    ['infinity', Number.POSITIVE_INFINITY],
    ['undefined', Number.POSITIVE_INFINITY],
    ['10', 10_000],
    [10, 10_000],
    [0, 0],
    ['0 seconds', 0],
  ];
  for (const [value, ms] of valid) {
    test(`${JSON.stringify(value)} is ${ms} ms`, () => {
      assert.equal(parseDuration(value, place), ms);
    });
  }

  const invalid: (string | number)[] = [
    '',
    '   ',
    'ten seconds',
    '10 fortnights',
    '-5 seconds',
    '1.5 seconds',
    '10 seconds and',
    'and 10 seconds',
    '10 seconds 5',
    'seconds',
    -1,
    Number.NaN,
    Number.POSITIVE_INFINITY,
  ];
  for (const value of invalid) {
    test(`${JSON.stringify(value)} is TG_CONFIG_BAD_DURATION at its place`, () => {
      assert.throws(
        () => parseDuration(value, place),
        (error: unknown) =>
          error instanceof TollgateError &&
          error.code === 'TG_CONFIG_BAD_DURATION' &&
          error.place?.pointer === place.pointer &&
          error.place.file === place.file,
      );
    });
  }
});
