import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  MAX_PARTITIONS,
  PartitionBuckets,
  SharedThrottleBuckets,
  TokenBucket,
} from '../../../src/services/throttling-rate.js';

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

describe('PartitionBuckets', () => {
  const rate = { numberOfRequests: 2, durationMs: 2000 };

  test('one bucket per partition, full when first seen', () => {
    const buckets = new PartitionBuckets();
    assert.deepEqual(
      [buckets.take('a', rate, 0), buckets.take('a', rate, 0), buckets.take('a', rate, 0)],
      [0, 0, 1000],
    );
    assert.equal(buckets.take('b', rate, 0), 0);
    assert.equal(buckets.size, 2);
  });

  test(`at most MAX_PARTITIONS (${MAX_PARTITIONS}): past it the least recently seen starts again full`, () => {
    const buckets = new PartitionBuckets();
    const one = { numberOfRequests: 1, durationMs: 60_000 };
    for (let i = 0; i <= MAX_PARTITIONS; i++) buckets.take(`p${i}`, one, 0);
    assert.equal(buckets.size, MAX_PARTITIONS);
    assert.equal(buckets.take(`p${MAX_PARTITIONS}`, one, 0), 60_000, 'the newest is still empty');
    assert.equal(buckets.take('p0', one, 0), 0, 'the oldest was forgotten');
  });

  test('a sweep drops the buckets that are full again, and only those', () => {
    const buckets = new PartitionBuckets();
    buckets.take('early', rate, 0);
    buckets.take('late', rate, 600);
    buckets.sweep(900);
    assert.equal(buckets.size, 2, 'neither has its token back yet (one a second)');
    buckets.sweep(1000);
    assert.equal(buckets.size, 1);
    buckets.sweep(1600);
    assert.equal(buckets.size, 0);
  });
});

describe('SharedThrottleBuckets (the primary’s, for every unit)', () => {
  const rate = { numberOfRequests: 3, durationMs: 60_000 };

  test('takes for the same filter and partition count together, whichever unit sent them', () => {
    const shared = new SharedThrottleBuckets();
    const waits = [0, 0, 0, 0].map(() => shared.take('routes/a.json#/handler f', 'alice', rate, 0));
    assert.deepEqual(waits, [0, 0, 0, 20_000]);
    assert.equal(shared.take('routes/a.json#/handler f', 'alice', rate, 5000), 15_000, 'the wait shrinks');
    assert.equal(shared.take('routes/a.json#/handler f', 'alice', rate, 20_000), 0, 'one token per 20 s');
  });

  test('another partition, or another filter, has its own bucket', () => {
    const shared = new SharedThrottleBuckets();
    for (let i = 0; i < 3; i++) shared.take('f', 'alice', rate, 0);
    assert.equal(shared.take('f', 'alice', rate, 0), 20_000);
    assert.equal(shared.take('f', 'bob', rate, 0), 0);
    assert.equal(shared.take('g', 'alice', rate, 0), 0);
    assert.deepEqual(shared.size, { filters: 2, partitions: 3 });
  });

  test('a rate sent anew with each take (as over IPC) is the same rate: the tokens are kept', () => {
    const shared = new SharedThrottleBuckets();
    const waits = [0, 0, 0, 0].map(() => shared.take('f', 'alice', { ...rate }, 0));
    assert.deepEqual(waits, [0, 0, 0, 20_000]);
  });

  test('each filter is bounded at MAX_PARTITIONS, as a filter bounds its own', () => {
    const shared = new SharedThrottleBuckets();
    for (let i = 0; i <= MAX_PARTITIONS; i++) shared.take('f', `p${i}`, rate, 0);
    shared.take('g', 'p0', rate, 0);
    assert.deepEqual(shared.size, { filters: 2, partitions: MAX_PARTITIONS + 1 });
  });

  test('a sweep drops full buckets, and forgets a filter none of whose buckets is left', () => {
    const shared = new SharedThrottleBuckets();
    shared.take('idle', 'alice', rate, 0);
    shared.take('busy', 'alice', rate, 0);
    shared.take('busy', 'bob', rate, 15_000);
    shared.sweep(10_000);
    assert.deepEqual(shared.size, { filters: 2, partitions: 3 });
    // One token back takes 20 s: alice's buckets are full again, bob's not yet.
    shared.sweep(25_000);
    assert.deepEqual(shared.size, { filters: 1, partitions: 1 }, 'the idle filter is forgotten');
    shared.sweep(35_000);
    assert.deepEqual(shared.size, { filters: 0, partitions: 0 });
  });
});
