import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TokenBucket } from '../../../src/services/throttling-rate.js';

describe('TokenBucket', () => {
  const rate = { numberOfRequests: 3, durationMs: 3000 };

  test('a full bucket lets the whole rate through at once, then says how long until the next token', () => {
    const bucket = new TokenBucket(rate, 0);
    assert.deepEqual([bucket.take(rate, 0), bucket.take(rate, 0), bucket.take(rate, 0)], [0, 0, 0]);
    assert.equal(bucket.take(rate, 0), 1000);
    assert.equal(bucket.take(rate, 400), 600);
  });

  test('tokens come back at the rate, never past its capacity', () => {
    const bucket = new TokenBucket(rate, 0);
    for (let i = 0; i < 3; i++) bucket.take(rate, 0);
    assert.equal(bucket.take(rate, 1000), 0, 'one token a second');
    assert.equal(bucket.isFull(1000), false);
    assert.equal(bucket.isFull(4000), true);
    const results = [0, 0, 0, 0].map(() => bucket.take(rate, 60_000));
    assert.deepEqual(results, [0, 0, 0, 1000], 'an hour idle still holds only three');
  });

  test('a smaller rate for the same partition keeps its tokens within the new capacity', () => {
    const bucket = new TokenBucket(rate, 0);
    const smaller = { numberOfRequests: 1, durationMs: 1000 };
    assert.equal(bucket.take(smaller, 0), 0);
    assert.equal(bucket.take(smaller, 0), 1000);
  });
});
