import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import type { Filter, Handler } from '../../../src/heap/types.js';
import { Entity } from '../../../src/http/entity.js';
import { Response } from '../../../src/http/message.js';
import { FILE, harness, run } from './harness.js';

const build = (config: Record<string, unknown>, h = harness()): Filter =>
  h.build<Filter>([{ name: 'f', type: 'AssignmentFilter', config }], 'f', 'Filter');

describe('AssignmentFilter config errors carry a code and a pointer', () => {
  const errorsOf = (config: unknown): string[] =>
    harness().errorsOf([{ name: 'f', type: 'AssignmentFilter', config }]);

  test('a binding without a target, a misspelt key, bindings that are not a list', () => {
    assert.deepEqual(errorsOf({ onRequest: [{ value: 'x' }, { target: '${attributes.a}', vaule: 'x' }] }), [
      `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/onRequest/0/target`,
      `TG_CONFIG_UNKNOWN_PROPERTY ${FILE}#/heap/0/config/onRequest/1/vaule`,
    ]);
    assert.deepEqual(errorsOf({ onResponse: { target: '${attributes.a}' } }), [
      `TG_CONFIG_SCHEMA ${FILE}#/heap/0/config/onResponse`,
    ]);
  });

  test('a target that is not one expression, and a value or condition that does not parse', () => {
    assert.deepEqual(errorsOf({ onRequest: [{ target: 'attributes.a', value: 'x' }] }), [
      `TG_CONFIG_BAD_EXPRESSION ${FILE}#/heap/0/config/onRequest/0/target`,
    ]);
    assert.deepEqual(
      errorsOf({
        onRequest: [{ target: '${attributes.a}' }, { target: '${attributes.b}', value: '${1 +}' }],
      }),
      [`TG_CONFIG_BAD_EXPRESSION ${FILE}#/heap/0/config/onRequest/1/value`],
    );
    assert.deepEqual(errorsOf({ onResponse: [{ target: '${attributes.a}', condition: 'sometimes' }] }), [
      `TG_CONFIG_BAD_EXPRESSION ${FILE}#/heap/0/config/onResponse/0/condition`,
    ]);
  });
});

describe('AssignmentFilter', () => {
  test('onRequest bindings run in order before the next handler, each seeing the ones before it', async () => {
    const h = harness();
    const filter = build(
      {
        onRequest: [
          { target: '${attributes.a}', value: 'one' },
          { target: '${attributes.b}', value: '${attributes.a}-two' },
          { target: '${request.method}', value: 'PUT' },
        ],
      },
      h,
    );
    let seen: unknown[] = [];
    const next: Handler = {
      async handle(exchange) {
        seen = [exchange.attributes.a, exchange.attributes.b, exchange.request.method];
        return new Response({ status: 200 });
      },
    };
    await run(filter, h.incoming(), next);
    assert.deepEqual(seen, ['one', 'one-two', 'PUT']);
  });

  test('a binding whose condition is false is skipped; one without a value assigns null', async () => {
    const h = harness();
    const filter = build(
      {
        onRequest: [
          { target: '${attributes.skipped}', value: 'x', condition: '${request.method == "DELETE"}' },
          { target: '${attributes.kept}', value: 'x', condition: { expression: '${true}', label: 'always' } },
          { target: '${attributes.cleared}', value: 'set first' },
          { target: '${attributes.cleared}' },
        ],
      },
      h,
    );
    const exchange = h.incoming();
    await run(filter, exchange);
    assert.equal('skipped' in exchange.attributes, false);
    assert.equal(exchange.attributes.kept, 'x');
    assert.equal(exchange.attributes.cleared, null);
  });

  test('onResponse bindings run once the response is back, and see it', async () => {
    const h = harness();
    const filter = build(
      {
        onResponse: [
          { target: '${attributes.status}', value: '${response.status.code}' },
          { target: '${attributes.failed}', value: 'yes', condition: '${response.status.isServerError}' },
        ],
      },
      h,
    );
    const exchange = h.incoming();
    let before: unknown = 'not called';
    const next: Handler = {
      async handle(ex) {
        before = ex.attributes.status;
        return new Response({ status: 503 });
      },
    };
    const { response } = await run(filter, exchange, next);
    assert.equal(before, undefined);
    assert.equal(response.status, 503);
    assert.equal(exchange.attributes.status, 503);
    assert.equal(exchange.attributes.failed, 'yes');
  });

  test('a condition or value that reads the body has the body loaded first', async () => {
    const h = harness();
    const filter = build(
      {
        onRequest: [
          {
            target: '${attributes.name}',
            value: "${request.entity.form['name'][0]}",
            condition: "${request.entity.form['kind'][0] == 'person'}",
          },
        ],
        onResponse: [{ target: '${attributes.answer}', value: '${response.entity.json.ok}' }],
      },
      h,
    );
    const exchange = h.incoming({ headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    exchange.request.entity.set(Readable.from([Buffer.from('kind=person&'), Buffer.from('name=Ada')]));
    const next: Handler = {
      handle: async () =>
        new Response({ status: 200, entity: new Entity(Readable.from(['{"ok":', 'true}'])) }),
    };
    await run(filter, exchange, next);
    assert.equal(exchange.attributes.name, 'Ada');
    assert.equal(exchange.attributes.answer, true);
  });
});
