import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Filter, Handler } from '../../../src/heap/types.js';
import { FILE, harness, recordingNext, run } from './harness.js';

/** A HeaderFilter that appends `value` to `header` of the request or of the response. */
const mark = (name: string, messageType: 'REQUEST' | 'RESPONSE', header: string, value: string): unknown => ({
  name,
  type: 'HeaderFilter',
  config: { messageType, add: { [header]: [value] } },
});

describe('ChainOfFilters config errors carry a code and a pointer', () => {
  const errorsOf = (config: unknown): string[] =>
    harness().errorsOf([
      { name: 'f', type: 'ChainOfFilters', config },
      { name: 'h', type: 'StaticResponseHandler' },
    ]);

  test('filters is required, and is a list', () => {
    assert.deepEqual(errorsOf({}), [`TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/filters`]);
    assert.deepEqual(errorsOf({ filters: 'h' }), [`TG_CONFIG_SCHEMA ${FILE}#/heap/0/config/filters`]);
  });

  test('a missing filter, and a handler among the filters, are reported at their index', () => {
    assert.deepEqual(errorsOf({ filters: ['Nope'] }), [
      `TG_CONFIG_BAD_REFERENCE ${FILE}#/heap/0/config/filters/0`,
    ]);
    assert.deepEqual(
      errorsOf({ filters: [{ type: 'HeaderFilter', config: { messageType: 'REQUEST' } }, 'h'] }),
      [`TG_CONFIG_WRONG_KIND ${FILE}#/heap/0/config/filters/1`],
    );
  });
});

describe('ChainOfFilters', () => {
  test('is one filter: in a Chain its filters run at its place, in order, and the response comes back in reverse', async () => {
    const h = harness();
    const chain = h.build<Handler>(
      [
        mark('in1', 'REQUEST', 'X-In', '1'),
        mark('in2', 'REQUEST', 'X-In', '2'),
        mark('in3', 'REQUEST', 'X-In', '3'),
        mark('out1', 'RESPONSE', 'X-Out', '1'),
        mark('out2', 'RESPONSE', 'X-Out', '2'),
        { name: 'group', type: 'ChainOfFilters', config: { filters: ['in2', 'out1', 'in3'] } },
        { name: 'chain', type: 'Chain', config: { filters: ['in1', 'group', 'out2'], handler: 'Stub' } },
        { name: 'Stub', type: 'Stub' },
      ],
      'chain',
      'Handler',
    );
    const response = await chain.handle(h.incoming());
    assert.deepEqual(h.seen[0]!.headers.get('X-In'), ['1', '2', '3']);
    // out2 is nearer the handler than the group, so it adds its value first.
    assert.deepEqual(response.headers.get('X-Out'), ['2', '1']);
  });

  test('passes the request on to the next handler of each call; with no filters, straight to it', async () => {
    const h = harness();
    const group = h.build<Filter>(
      [
        mark('in', 'REQUEST', 'X-In', 'x'),
        { name: 'group', type: 'ChainOfFilters', config: { filters: ['in'] } },
      ],
      'group',
      'Filter',
    );
    const [first, second] = [recordingNext(), recordingNext()];
    await run(group, h.incoming(), first);
    await run(group, h.incoming(), second);
    assert.equal(first.calls.length, 1);
    assert.equal(second.calls.length, 1);
    assert.deepEqual(second.calls[0]!.request.headers.get('X-In'), ['x']);

    const empty = h.build<Filter>(
      [{ name: 'e', type: 'ChainOfFilters', config: { filters: [] } }],
      'e',
      'Filter',
    );
    const next = recordingNext();
    const { body } = await run(empty, h.incoming(), next);
    assert.equal(next.calls.length, 1);
    assert.equal(body, 'next');
  });
});
