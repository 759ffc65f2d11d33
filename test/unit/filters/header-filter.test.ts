import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import type { Filter, Handler } from '../../../src/heap/types.js';
import { Headers } from '../../../src/http/headers.js';
import { Response } from '../../../src/http/message.js';
import { FILE, harness, recordingNext, run } from './harness.js';

const headerFilter = (config: Record<string, unknown>, h = harness()): Filter =>
  h.build<Filter>([{ name: 'f', type: 'HeaderFilter', config }], 'f', 'Filter');

/** A next handler that answers 200 with `headers`. */
const answering = (headers: Record<string, string | string[]>): Handler => ({
  handle: async () => new Response({ status: 200, headers: Headers.fromRecord(headers) }),
});

describe('HeaderFilter config errors carry a code and a pointer', () => {
  const errorsOf = (config: unknown): string[] =>
    harness().errorsOf([{ name: 'f', type: 'HeaderFilter', config }]);

  test('messageType is required, and is REQUEST or RESPONSE', () => {
    assert.deepEqual(errorsOf({ add: {} }), [
      `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/messageType`,
    ]);
    assert.deepEqual(errorsOf({ messageType: 'BOTH' }), [
      `TG_CONFIG_SCHEMA ${FILE}#/heap/0/config/messageType`,
    ]);
  });

  test('header names and literal values are checked at load, every bad one in add and replace listed', () => {
    assert.deepEqual(
      errorsOf({ messageType: 'REQUEST', add: { 'X-A': 'a\u0000b', 'X-B': 'ok' }, replace: { 'X C': 'x' } }),
      [
        `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/add/X-A`,
        `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/replace/X C`,
      ],
    );
  });

  test('remove is a list of names; add and replace map names to values', () => {
    assert.deepEqual(errorsOf({ messageType: 'REQUEST', remove: 'X-A' }), [
      `TG_CONFIG_SCHEMA ${FILE}#/heap/0/config/remove`,
    ]);
    assert.deepEqual(errorsOf({ messageType: 'REQUEST', add: { 'X-A': 1 } }), [
      `TG_CONFIG_SCHEMA ${FILE}#/heap/0/config/add/X-A`,
    ]);
  });

  test('a name no header may have, at its key', () => {
    assert.deepEqual(errorsOf({ messageType: 'REQUEST', replace: { 'X Bad': ['v'] } }), [
      `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/replace/X Bad`,
    ]);
  });

  test('a value that does not parse, at the value: its index in a list, the key for a single string', () => {
    assert.deepEqual(errorsOf({ messageType: 'REQUEST', add: { 'X-A': ['ok', '${1 +}'] } }), [
      `TG_CONFIG_BAD_EXPRESSION ${FILE}#/heap/0/config/add/X-A/1`,
    ]);
    assert.deepEqual(errorsOf({ messageType: 'REQUEST', add: { 'X-A': '${1 +}' } }), [
      `TG_CONFIG_BAD_EXPRESSION ${FILE}#/heap/0/config/add/X-A`,
    ]);
  });
});

describe('HeaderFilter', () => {
  test('on the request: removes, then adds (appending), then replaces', async () => {
    const h = harness();
    const filter = headerFilter(
      {
        messageType: 'REQUEST',
        remove: ['x-old', 'X-Both'],
        add: { 'X-Add': ['1', '2'], 'X-Both': ['new'], 'X-Replaced': ['added'] },
        replace: { 'X-Replaced': ['replaced'], 'X-Single': 'one' },
      },
      h,
    );
    const next = recordingNext();
    await run(
      filter,
      h.incoming({ headers: { 'X-Old': 'gone', 'X-Both': 'old', 'X-Add': '0', 'X-Replaced': 'first' } }),
      next,
    );
    const headers = next.calls[0]!.request.headers;
    assert.equal(headers.has('X-Old'), false, 'names are matched in any case');
    assert.deepEqual(headers.get('X-Both'), ['new'], 'removed before the values are added');
    assert.deepEqual(headers.get('X-Add'), ['0', '1', '2']);
    assert.deepEqual(headers.get('X-Replaced'), ['replaced'], 'replaced after the values are added');
    assert.deepEqual(headers.get('X-Single'), ['one']);
  });

  test('values are expressions; a null one is left out', async () => {
    const h = harness();
    const next = recordingNext();
    await run(
      headerFilter({ messageType: 'request', add: { 'X-Method': ['${request.method}', '${null}'] } }, h),
      h.incoming(),
      next,
    );
    assert.deepEqual(next.calls[0]!.request.headers.get('X-Method'), ['POST']);
  });

  test('on the response: changes the response and leaves the request alone; its expressions see the response', async () => {
    const h = harness();
    const filter = headerFilter(
      { messageType: 'RESPONSE', remove: ['Server'], add: { 'X-Status': ['${response.status.code}'] } },
      h,
    );
    const exchange = h.incoming({ headers: { Server: 'client-side' } });
    const { response } = await run(filter, exchange, answering({ Server: 'backend/1.0' }));
    assert.equal(response.headers.has('Server'), false);
    assert.deepEqual(response.headers.get('X-Status'), ['200']);
    assert.deepEqual(exchange.request.headers.get('Server'), ['client-side']);
  });

  test('on the request, the response is left alone', async () => {
    const h = harness();
    const { response } = await run(
      headerFilter({ messageType: 'REQUEST', remove: ['Server'] }, h),
      h.incoming(),
      answering({ Server: 'backend/1.0' }),
    );
    assert.deepEqual(response.headers.get('Server'), ['backend/1.0']);
  });

  test('a value that reads the body has it loaded first', async () => {
    const h = harness();
    const exchange = h.incoming({ headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    exchange.request.entity.set(Readable.from([Buffer.from('user=ada')]));
    const next = recordingNext();
    await run(
      headerFilter(
        { messageType: 'REQUEST', replace: { 'X-User': ["${request.entity.form['user'][0]}"] } },
        h,
      ),
      exchange,
      next,
    );
    assert.deepEqual(next.calls[0]!.request.headers.get('X-User'), ['ada']);
  });
});
