import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import type { Handler } from '../../../src/heap/types.js';
import { FILE, harness, type Harness } from '../filters/harness.js';

function staticResponse(config: Record<string, unknown> | undefined, h: Harness = harness()): Handler {
  const declaration = {
    name: 's',
    type: 'StaticResponseHandler',
    ...(config === undefined ? {} : { config }),
  };
  return h.build<Handler>([declaration], 's', 'Handler');
}

describe('StaticResponseHandler config errors carry a code and a pointer', () => {
  const errorsOf = (config: unknown): string[] =>
    harness().errorsOf([{ name: 's', type: 'StaticResponseHandler', config }]);

  test('status is a number or a string; entity a string or a list of them', () => {
    assert.deepEqual(errorsOf({ status: true }), [`TG_CONFIG_SCHEMA ${FILE}#/heap/0/config/status`]);
    assert.deepEqual(errorsOf({ entity: 42 }), [`TG_CONFIG_SCHEMA ${FILE}#/heap/0/config/entity`]);
    assert.deepEqual(errorsOf({ entity: ['a', 1] }), [`TG_CONFIG_SCHEMA ${FILE}#/heap/0/config/entity/1`]);
  });

  test('a literal status that is not an integer from 200 to 599 fails the load at its pointer', () => {
    for (const status of [100, 103, 0, 600, 1000, '200.5', 'soon', 'two hundred', '']) {
      assert.deepEqual(
        errorsOf({ status }),
        [`TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/status`],
        JSON.stringify(status),
      );
    }
    assert.deepEqual(errorsOf({ status: '404' }), []);
  });

  test('a literal header value no header can carry fails the load at its pointer', () => {
    assert.deepEqual(errorsOf({ headers: { 'X-A': ['ok', 'a\r\nb'] } }), [
      `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/headers/X-A/1`,
    ]);
    assert.deepEqual(errorsOf({ headers: { 'X-A': "${'a'}" } }), []);
  });

  test('every bad value of the handler is listed, not only the first', () => {
    assert.deepEqual(
      errorsOf({ status: 'soon', reason: 'a\nb', headers: { 'X A': 'x', 'X-B': '${request.}' } }),
      [
        `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/status`,
        `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/reason`,
        `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/headers/X A`,
        `TG_CONFIG_BAD_EXPRESSION ${FILE}#/heap/0/config/headers/X-B`,
      ],
    );
  });

  test('an expression that does not parse, at its key, or at its index in a list', () => {
    assert.deepEqual(errorsOf({ status: '${200 +}' }), [
      `TG_CONFIG_BAD_EXPRESSION ${FILE}#/heap/0/config/status`,
    ]);
    assert.deepEqual(errorsOf({ entity: '${request.}' }), [
      `TG_CONFIG_BAD_EXPRESSION ${FILE}#/heap/0/config/entity`,
    ]);
    assert.deepEqual(errorsOf({ entity: ['ok', '${request.}'] }), [
      `TG_CONFIG_BAD_EXPRESSION ${FILE}#/heap/0/config/entity/1`,
    ]);
    assert.deepEqual(errorsOf({ headers: { 'X-A': '${request.}' } }), [
      `TG_CONFIG_BAD_EXPRESSION ${FILE}#/heap/0/config/headers/X-A`,
    ]);
  });
});

describe('StaticResponseHandler', () => {
  test('with no config: 200, no headers, an empty body', async () => {
    const h = harness();
    const response = await staticResponse(undefined, h).handle(h.incoming());
    assert.equal(response.status, 200);
    assert.equal(response.reason, undefined);
    assert.equal(response.headers.size, 0);
    assert.equal(response.entity.length, 0);
  });

  test('status as a number, a string or an expression; reason as written', async () => {
    const h = harness();
    const status = async (config: Record<string, unknown>): Promise<[number, string | undefined]> => {
      const response = await staticResponse(config, h).handle(h.incoming({ headers: { 'X-Status': '418' } }));
      return [response.status, response.reason];
    };
    assert.deepEqual(await status({ status: 201, reason: 'Made' }), [201, 'Made']);
    assert.deepEqual(await status({ status: '202' }), [202, undefined]);
    assert.deepEqual(await status({ status: "${request.headers['X-Status'][0]}" }), [418, undefined]);
  });

  test('a status the request decides that is not a final HTTP status answers 500, logged with its place', async () => {
    const h = harness();
    for (const status of ['${null}', "${request.headers['X-Status'][0]}", '${1000}', '${103}']) {
      h.logs.length = 0;
      const response = await staticResponse({ status }, h).handle(
        h.incoming({ headers: { 'X-Status': 'two hundred' } }),
      );
      assert.equal(response.status, 500, JSON.stringify(status));
      const line = h.logs.find((l) => l.code === 'TG_RESPONSE_BAD_STATUS');
      assert.ok(line, `${status} is logged`);
      assert.equal(line.place, `${FILE}#/heap/0/config/status`);
    }
  });

  test('headers: every value of a list, a single string, null values left out', async () => {
    const h = harness();
    const response = await staticResponse(
      { headers: { 'X-List': ['a', '${request.method}', '${null}'], 'X-One': 'one' } },
      h,
    ).handle(h.incoming());
    assert.deepEqual(response.headers.get('X-List'), ['a', 'POST']);
    assert.deepEqual(response.headers.get('X-One'), ['one']);
  });

  test('entity: the parts of a list joined, values that are not text as JSON, null as nothing; Content-Length in bytes', async () => {
    const h = harness();
    const exchange = h.incoming();
    exchange.attributes.user = { name: 'Zoë' };
    const response = await staticResponse(
      { entity: ['€ ', '${attributes.user}', '${attributes.none}', ' ${attributes.user.name}'] },
      h,
    ).handle(exchange);
    const text = '€ {"name":"Zoë"} Zoë';
    assert.equal(response.entity.string, text);
    assert.deepEqual(response.headers.get('Content-Length'), [String(Buffer.byteLength(text))]);
  });

  test('an entity or a header that reads the request body has it loaded first', async () => {
    const h = harness();
    for (const config of [
      { entity: "hello ${request.entity.form['name'][0]}" },
      { headers: { 'X-Name': ["hello ${request.entity.form['name'][0]}"] } },
    ]) {
      const exchange = h.incoming({ headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
      exchange.request.entity.set(Readable.from([Buffer.from('name=Ada')]));
      const response = await staticResponse(config, h).handle(exchange);
      assert.equal(
        response.entity.string || response.headers.first('X-Name'),
        'hello Ada',
        JSON.stringify(config),
      );
    }
  });
});
