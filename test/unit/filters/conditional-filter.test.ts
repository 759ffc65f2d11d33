import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Filter } from '../../../src/heap/types.js';
import { FILE, harness, recordingNext, run } from './harness.js';

/** A ConditionalFilter "f" whose delegate adds X-Delegate to the request. */
const conditional = (condition: unknown, delegate: unknown = 'AddHeader', h = harness()): Filter =>
  h.build<Filter>(
    [
      { name: 'f', type: 'ConditionalFilter', config: { condition, delegate } },
      {
        name: 'AddHeader',
        type: 'HeaderFilter',
        config: { messageType: 'REQUEST', add: { 'X-Delegate': ['ran'] } },
      },
    ],
    'f',
    'Filter',
  );

describe('ConditionalFilter config errors carry a code and a pointer', () => {
  const errorsOf = (config: unknown): string[] =>
    harness().errorsOf([{ name: 'f', type: 'ConditionalFilter', config }]);

  test('condition and delegate are both required', () => {
    assert.deepEqual(errorsOf({}), [
      `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/condition`,
      `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/delegate`,
    ]);
  });

  test('a condition that is not one expression, a delegate that is missing or not a filter', () => {
    assert.deepEqual(errorsOf({ condition: 'on ${true}', delegate: 'ClientHandler' }), [
      `TG_CONFIG_BAD_EXPRESSION ${FILE}#/heap/0/config/condition`,
    ]);
    assert.deepEqual(errorsOf({ condition: true, delegate: 'Nope' }), [
      `TG_CONFIG_BAD_REFERENCE ${FILE}#/heap/0/config/delegate`,
    ]);
    assert.deepEqual(errorsOf({ condition: true, delegate: 'ClientHandler' }), [
      `TG_CONFIG_WRONG_KIND ${FILE}#/heap/0/config/delegate`,
    ]);
  });
});

describe('ConditionalFilter', () => {
  test('a true condition runs the delegate, which passes the request on', async () => {
    const h = harness();
    const next = recordingNext();
    await run(conditional("${request.method == 'POST'}", 'AddHeader', h), h.incoming(), next);
    assert.deepEqual(next.calls[0]!.request.headers.get('X-Delegate'), ['ran']);
  });

  test('a false condition passes the request on untouched', async () => {
    const h = harness();
    const next = recordingNext();
    await run(conditional("${request.method == 'GET'}", 'AddHeader', h), h.incoming(), next);
    assert.equal(next.calls.length, 1);
    assert.equal(next.calls[0]!.request.headers.has('X-Delegate'), false);
  });

  test('the delegate gets the next handler: it may answer instead of calling it', async () => {
    const h = harness();
    const next = recordingNext();
    const refuse = { type: 'ConditionEnforcementFilter', config: { condition: false } };
    const { response } = await run(conditional(true, refuse, h), h.incoming(), next);
    assert.equal(response.status, 403);
    assert.equal(next.calls.length, 0);
  });
});
