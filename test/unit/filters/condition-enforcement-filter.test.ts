import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import type { Filter } from '../../../src/heap/types.js';
import { FILE, harness, recordingNext, run } from './harness.js';

const enforce = (config: Record<string, unknown>, h = harness()): Filter =>
  h.build<Filter>(
    [
      { name: 'f', type: 'ConditionEnforcementFilter', config },
      { name: 'Refuse', type: 'StaticResponseHandler', config: { status: 401, entity: 'who are you?' } },
    ],
    'f',
    'Filter',
  );

describe('ConditionEnforcementFilter config errors carry a code and a pointer', () => {
  const errorsOf = (config: unknown): string[] =>
    harness().errorsOf([
      { name: 'f', type: 'ConditionEnforcementFilter', config },
      { name: 'g', type: 'HeaderFilter', config: { messageType: 'REQUEST' } },
    ]);

  test('condition is required, and is a boolean, an expression or { expression, label }', () => {
    assert.deepEqual(errorsOf({}), [`TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/condition`]);
    assert.deepEqual(errorsOf({ condition: 1 }), [`TG_CONFIG_SCHEMA ${FILE}#/heap/0/config/condition`]);
    assert.deepEqual(errorsOf({ condition: '${request.method ==}' }), [
      `TG_CONFIG_BAD_EXPRESSION ${FILE}#/heap/0/config/condition`,
    ]);
    assert.deepEqual(errorsOf({ condition: { expression: 'maybe', label: 'l' } }), [
      `TG_CONFIG_BAD_EXPRESSION ${FILE}#/heap/0/config/condition/expression`,
    ]);
  });

  test('a failureHandler that does not exist, or is not a handler', () => {
    assert.deepEqual(errorsOf({ condition: true, failureHandler: 'Nope' }), [
      `TG_CONFIG_BAD_REFERENCE ${FILE}#/heap/0/config/failureHandler`,
    ]);
    assert.deepEqual(errorsOf({ condition: true, failureHandler: 'g' }), [
      `TG_CONFIG_WRONG_KIND ${FILE}#/heap/0/config/failureHandler`,
    ]);
  });
});

describe('ConditionEnforcementFilter', () => {
  test('a true condition lets the request on', async () => {
    const h = harness();
    const next = recordingNext();
    const { response } = await run(
      enforce({ condition: "${request.headers['X-Allowed'][0] == 'yes'}" }, h),
      h.incoming({ headers: { 'X-Allowed': 'yes' } }),
      next,
    );
    assert.equal(response.status, 200);
    assert.equal(next.calls.length, 1);
  });

  test('otherwise an empty 403, and the request goes no further', async () => {
    const h = harness();
    const next = recordingNext();
    const { response, body } = await run(
      enforce({ condition: "${request.headers['X-Allowed'][0] == 'yes'}" }, h),
      h.incoming(),
      next,
    );
    assert.equal(response.status, 403);
    assert.equal(body, '');
    assert.equal(next.calls.length, 0);
  });

  test('otherwise the failureHandler answers, named or inline', async () => {
    for (const failureHandler of ['Refuse', { type: 'StaticResponseHandler', config: { status: 401 } }]) {
      const h = harness();
      const next = recordingNext();
      const { response } = await run(enforce({ condition: false, failureHandler }, h), h.incoming(), next);
      assert.equal(response.status, 401);
      assert.equal(next.calls.length, 0);
    }
  });

  test('a condition that reads the body has it loaded first', async () => {
    const h = harness();
    const exchange = h.incoming({ headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    exchange.request.entity.set(Readable.from([Buffer.from('role=admin')]));
    const { response } = await run(
      enforce({ condition: "${request.entity.form['role'][0] == 'admin'}" }, h),
      exchange,
    );
    assert.equal(response.status, 200);
  });
});
