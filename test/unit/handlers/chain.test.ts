import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Handler } from '../../../src/heap/types.js';
import { FILE, harness } from '../filters/harness.js';

describe('Chain config errors carry a code and a pointer', () => {
  const errorsOf = (config: unknown): string[] =>
    harness().errorsOf([
      { name: 'c', type: 'Chain', config },
      { name: 'f', type: 'HeaderFilter', config: { messageType: 'REQUEST' } },
    ]);

  test('filters and handler are both required', () => {
    assert.deepEqual(errorsOf({}), [
      `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/filters`,
      `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/handler`,
    ]);
  });

  test('a filter where the handler goes, and a handler among the filters: every one listed', () => {
    assert.deepEqual(errorsOf({ filters: [], handler: 'f' }), [
      `TG_CONFIG_WRONG_KIND ${FILE}#/heap/0/config/handler`,
    ]);
    assert.deepEqual(errorsOf({ filters: ['f', 'ClientHandler'], handler: 'ClientHandler' }), [
      `TG_CONFIG_WRONG_KIND ${FILE}#/heap/0/config/filters/1`,
    ]);
    assert.deepEqual(errorsOf({ filters: ['ClientHandler', 'f', 'nope'], handler: 'f' }), [
      `TG_CONFIG_WRONG_KIND ${FILE}#/heap/0/config/filters/0`,
      `TG_CONFIG_BAD_REFERENCE ${FILE}#/heap/0/config/filters/2`,
      `TG_CONFIG_WRONG_KIND ${FILE}#/heap/0/config/handler`,
    ]);
    assert.deepEqual(errorsOf({ filters: 'f', handler: 'ClientHandler' }), [
      `TG_CONFIG_SCHEMA ${FILE}#/heap/0/config/filters`,
    ]);
  });
});

describe('Chain', () => {
  test('runs its filters in order, then its handler; the response comes back through them in reverse', async () => {
    const h = harness();
    const header = (messageType: string, name: string, value: string): unknown => ({
      type: 'HeaderFilter',
      config: { messageType, add: { [name]: [value] } },
    });
    const chain = h.build<Handler>(
      [
        {
          name: 'chain',
          type: 'Chain',
          config: {
            filters: [
              header('REQUEST', 'X-In', '1'),
              header('RESPONSE', 'X-Out', '1'),
              header('REQUEST', 'X-In', '2'),
              header('RESPONSE', 'X-Out', '2'),
            ],
            handler: 'Stub',
          },
        },
        { name: 'Stub', type: 'Stub' },
      ],
      'chain',
      'Handler',
    );
    const response = await chain.handle(h.incoming());
    assert.deepEqual(h.seen[0]!.headers.get('X-In'), ['1', '2']);
    assert.deepEqual(response.headers.get('X-Out'), ['2', '1']);
  });

  test('a filter that answers itself ends the chain: the filters after it and the handler are not reached', async () => {
    const h = harness();
    const chain = h.build<Handler>(
      [
        {
          name: 'chain',
          type: 'Chain',
          config: {
            filters: [
              { type: 'ConditionEnforcementFilter', config: { condition: false } },
              { type: 'HeaderFilter', config: { messageType: 'RESPONSE', add: { 'X-After': ['yes'] } } },
            ],
            handler: 'Stub',
          },
        },
        { name: 'Stub', type: 'Stub' },
      ],
      'chain',
      'Handler',
    );
    const response = await chain.handle(h.incoming());
    assert.equal(response.status, 403);
    assert.equal(response.headers.has('X-After'), false);
    assert.equal(h.seen.length, 0);
  });
});
