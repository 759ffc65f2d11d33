import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Filter } from '../../../src/heap/types.js';
import { FILE, harness, recordingNext, run } from './harness.js';

const answer = (name: string, status: number, entity: string): unknown => ({
  name,
  type: 'StaticResponseHandler',
  config: { status, entity },
});

/** A SwitchFilter "f" with the given config, beside the handlers Teapot (418) and Gone (410). */
const switchFilter = (config: unknown, h = harness()): Filter =>
  h.build<Filter>(
    [
      { name: 'f', type: 'SwitchFilter', config },
      answer('Teapot', 418, 'teapot'),
      answer('Gone', 410, 'gone'),
    ],
    'f',
    'Filter',
  );

describe('SwitchFilter config errors carry a code and a pointer', () => {
  const errorsOf = (config: unknown): string[] =>
    harness().errorsOf([{ name: 'f', type: 'SwitchFilter', config }, answer('Teapot', 418, 'teapot')]);

  test('a case needs a handler; its condition must be one expression; a typo is refused', () => {
    assert.deepEqual(errorsOf({ onRequest: [{ condition: '${true}' }] }), [
      `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/onRequest/0/handler`,
    ]);
    assert.deepEqual(errorsOf({ onResponse: [{ condition: 'x ${true}', handler: 'Teapot' }] }), [
      `TG_CONFIG_BAD_EXPRESSION ${FILE}#/heap/0/config/onResponse/0/condition`,
    ]);
    assert.deepEqual(errorsOf({ onRequest: [{ handler: 'Nope' }] }), [
      `TG_CONFIG_BAD_REFERENCE ${FILE}#/heap/0/config/onRequest/0/handler`,
    ]);
    assert.deepEqual(errorsOf({ onRequst: [] }), [
      `TG_CONFIG_UNKNOWN_PROPERTY ${FILE}#/heap/0/config/onRequst`,
    ]);
  });
});

describe('SwitchFilter', () => {
  test('on the way in, the first case that holds answers and the chain behind is not called', async () => {
    const h = harness();
    const next = recordingNext();
    const filter = switchFilter(
      {
        onRequest: [
          { condition: "${request.method == 'GET'}", handler: 'Gone' },
          { condition: "${request.method == 'POST'}", handler: 'Teapot' },
          { handler: 'Gone' },
        ],
      },
      h,
    );
    const { response, body } = await run(filter, h.incoming({ method: 'POST' }), next);
    assert.deepEqual([response.status, body, next.calls.length], [418, 'teapot', 0]);
  });

  test('no case holds: the request goes on, and the response of the chain comes back', async () => {
    const h = harness();
    const next = recordingNext();
    const filter = switchFilter({ onRequest: [{ condition: '${false}', handler: 'Teapot' }] }, h);
    const { response, body } = await run(filter, h.incoming(), next);
    assert.deepEqual([response.status, body, next.calls.length], [200, 'next', 1]);
  });

  test('on the way out, a case reads the response and its handler answers instead', async () => {
    const h = harness();
    const filter = switchFilter(
      {
        onResponse: [
          { condition: '${response.status.code == 500}', handler: 'Teapot' },
          { condition: '${response.status.code == 200}', handler: 'Gone' },
        ],
      },
      h,
    );
    const { response, body } = await run(filter, h.incoming());
    assert.deepEqual([response.status, body], [410, 'gone']);
  });

  test('on the way out with no case holding, the chain’s response is kept', async () => {
    const h = harness();
    const filter = switchFilter(
      { onResponse: [{ condition: '${response.status.code == 500}', handler: 'Teapot' }] },
      h,
    );
    const { response, body } = await run(filter, h.incoming());
    assert.deepEqual([response.status, body], [200, 'next']);
  });

  test('its class name resolves too', async () => {
    const h = harness();
    const filter = h.build<Filter>(
      [
        {
          name: 'f',
          type: 'org.forgerock.openig.filter.SwitchFilter',
          config: { onRequest: [{ handler: 'Teapot' }] },
        },
        answer('Teapot', 418, 'teapot'),
      ],
      'f',
      'Filter',
    );
    assert.equal((await run(filter, h.incoming())).response.status, 418);
  });
});
