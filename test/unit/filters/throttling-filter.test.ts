import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Filter, SharedRate, ThrottleStore } from '../../../src/heap/types.js';
import { SharedThrottleBuckets } from '../../../src/services/throttling-rate.js';
import { FILE, harness, recordingNext, run } from './harness.js';

const throttling = (config: unknown, h = harness(), extra: unknown[] = []): Filter =>
  h.build<Filter>([{ name: 'f', type: 'ThrottlingFilter', config }, ...extra], 'f', 'Filter');

/** The statuses of `count` requests from the client named by X-Client. */
async function statuses(
  filter: Filter,
  h: ReturnType<typeof harness>,
  client: string,
  count: number,
): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    out.push(
      (await run(filter, h.incoming({ headers: { 'X-Client': client } }), recordingNext())).response.status,
    );
  }
  return out;
}

const hourly = (n: number): unknown => ({ numberOfRequests: n, duration: '1 hour' });

describe('ThrottlingFilter config errors carry a code and a pointer', () => {
  const errorsOf = (config: unknown): string[] =>
    harness().errorsOf([{ name: 'f', type: 'ThrottlingFilter', config }]);

  test('exactly one of rate and throttlingRatePolicy; a rate needs a count of at least 1 and a duration', () => {
    assert.deepEqual(errorsOf({}), [`TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/rate`]);
    assert.deepEqual(errorsOf({ rate: hourly(1), throttlingRatePolicy: 'P' }), [
      `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/throttlingRatePolicy`,
    ]);
    assert.deepEqual(errorsOf({ rate: { numberOfRequests: 0, duration: '1 s' } }), [
      `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/rate/numberOfRequests`,
    ]);
    assert.deepEqual(errorsOf({ rate: { numberOfRequests: 1, duration: 'soon' } }), [
      `TG_CONFIG_BAD_DURATION ${FILE}#/heap/0/config/rate/duration`,
    ]);
    assert.deepEqual(errorsOf({ rate: { numberOfRequests: 1 } }), [
      `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/rate/duration`,
    ]);
  });
});

describe('ThrottlingFilter', () => {
  test('past the rate a partition gets 429 with Retry-After in whole seconds; another partition is not affected', async () => {
    const h = harness();
    const filter = throttling(
      { requestGroupingPolicy: "${request.headers['X-Client'][0]}", rate: hourly(2) },
      h,
    );
    assert.deepEqual(await statuses(filter, h, 'a', 3), [200, 200, 429]);
    assert.deepEqual(await statuses(filter, h, 'b', 2), [200, 200]);
    const { response } = await run(filter, h.incoming({ headers: { 'X-Client': 'a' } }));
    assert.equal(response.headers.first('Retry-After'), '1800');
  });

  test('without requestGroupingPolicy every request is in one partition; partitionKey is its old name', async () => {
    const h = harness();
    assert.deepEqual(await statuses(throttling({ rate: hourly(1) }, h), h, 'a', 2), [200, 429]);
    const old = throttling({ partitionKey: "${request.headers['X-Client'][0]}", rate: hourly(1) }, h);
    assert.deepEqual(
      [...(await statuses(old, h, 'a', 2)), ...(await statuses(old, h, 'b', 1))],
      [200, 429, 200],
    );
  });

  test('a grouping that gives null is a logged 500', async () => {
    const h = harness();
    const filter = throttling(
      { requestGroupingPolicy: "${request.headers['X-None'][0]}", rate: hourly(5) },
      h,
    );
    assert.equal((await run(filter, h.incoming())).response.status, 500);
    assert.ok(h.logs.some((line) => line.code === 'TG_THROTTLING_NO_PARTITION'));
  });

  test('a MappedThrottlingPolicy gives each group its rate; DefaultRateThrottlingPolicy fills in for no match', async () => {
    const h = harness();
    const mapped = {
      type: 'MappedThrottlingPolicy',
      config: {
        throttlingRateMapper: "${request.headers['X-Client'][0]}",
        throttlingRatesMapping: { gold: hourly(3), silver: hourly(1) },
      },
    };
    const filter = throttling(
      { requestGroupingPolicy: "${request.headers['X-Client'][0]}", throttlingRatePolicy: 'Policy' },
      h,
      [
        {
          name: 'Policy',
          type: 'DefaultRateThrottlingPolicy',
          config: { delegateThrottlingRatePolicy: mapped, defaultRate: hourly(2) },
        },
      ],
    );
    assert.deepEqual(await statuses(filter, h, 'gold', 4), [200, 200, 200, 429]);
    assert.deepEqual(await statuses(filter, h, 'silver', 2), [200, 429]);
    assert.deepEqual(await statuses(filter, h, 'bronze', 3), [200, 200, 429]);
  });

  test('a MappedThrottlingPolicy without a match or a defaultRate lets the request through', async () => {
    const h = harness();
    const filter = throttling(
      {
        throttlingRatePolicy: {
          type: 'MappedThrottlingPolicy',
          config: { throttlingRateMapper: 'x', throttlingRatesMapping: { y: hourly(1) } },
        },
      },
      h,
    );
    assert.deepEqual(await statuses(filter, h, 'a', 3), [200, 200, 200]);
  });
});

describe('ThrottlingFilter in units: the buckets the gateway shares', () => {
  const config = { requestGroupingPolicy: "${request.headers['X-Client'][0]}", rate: hourly(3) };

  /** The primary's buckets, with each take they were asked for. */
  function sharedStore(): { store: ThrottleStore; takes: [string, string, SharedRate][] } {
    const buckets = new SharedThrottleBuckets();
    const takes: [string, string, SharedRate][] = [];
    return {
      takes,
      store: {
        take(filter, partition, rate) {
          takes.push([filter, partition, rate]);
          return Promise.resolve(buckets.take(filter, partition, rate));
        },
      },
    };
  }

  test('the same filter built by two units counts once for both; another partition still passes', async () => {
    const { store, takes } = sharedStore();
    const units = [harness({ throttling: store }), harness({ throttling: store })];
    const filters = units.map((h) => throttling(config, h));
    const seen: number[] = [];
    for (let i = 0; i < 6; i++) {
      const unit = i % 2;
      seen.push(...(await statuses(filters[unit]!, units[unit]!, 'alice', 1)));
    }
    assert.deepEqual(seen, [200, 200, 200, 429, 429, 429]);
    assert.deepEqual(await statuses(filters[1]!, units[1]!, 'bob', 1), [200]);
    const { response } = await run(filters[0]!, units[0]!.incoming({ headers: { 'X-Client': 'alice' } }));
    assert.equal(response.headers.first('Retry-After'), '1200', 'one token every 20 minutes');
    // The filter's file, its config's pointer and its heap name: the same in every unit.
    assert.deepEqual(new Set(takes.map(([filter]) => filter)), new Set([`${FILE}#/heap/0/config f`]));
    assert.deepEqual(takes[0]!.slice(1), ['alice', { numberOfRequests: 3, durationMs: 3_600_000 }]);
  });

  test('two filters of one file keep apart, as in one process', async () => {
    const { store, takes } = sharedStore();
    const h = harness({ throttling: store });
    const context = h.contextFor([
      { name: 'f', type: 'ThrottlingFilter', config },
      { name: 'g', type: 'ThrottlingFilter', config },
    ]);
    const [f, g] = ['f', 'g'].map((name) => context.resolve<Filter>(name, 'Filter', { pointer: '' }));
    assert.deepEqual(await statuses(f!, h, 'alice', 4), [200, 200, 200, 429]);
    assert.deepEqual(await statuses(g!, h, 'alice', 1), [200]);
    assert.deepEqual(
      new Set(takes.map(([filter]) => filter)),
      new Set([`${FILE}#/heap/0/config f`, `${FILE}#/heap/1/config g`]),
    );
  });

  test('when the shared buckets cannot answer, the filter counts on its own and warns once; the request never fails', async () => {
    let asked = 0;
    const h = harness({
      throttling: {
        take() {
          asked++;
          return Promise.reject(new Error('the primary process is gone'));
        },
      },
    });
    const filter = throttling({ ...config, rate: hourly(2) }, h);
    assert.deepEqual(await statuses(filter, h, 'alice', 3), [200, 200, 429]);
    assert.equal(asked, 3, 'each request asks again');
    const warnings = h.logs.filter((line) => line.code === 'TG_THROTTLING_SHARED_UNAVAILABLE');
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.level, 40);
  });
});
