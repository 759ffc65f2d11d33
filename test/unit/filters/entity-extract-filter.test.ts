import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Filter, Handler } from '../../../src/heap/types.js';
import { Entity } from '../../../src/http/entity.js';
import { Headers } from '../../../src/http/headers.js';
import { Response } from '../../../src/http/message.js';
import { FILE, harness, recordingNext, run } from './harness.js';

const extractFilter = (config: Record<string, unknown>, h = harness()): Filter =>
  h.build<Filter>([{ name: 'f', type: 'EntityExtractFilter', config }], 'f', 'Filter');

const page = (body: Buffer | string, contentType = 'text/html'): Handler => ({
  handle: async () =>
    new Response({
      status: 200,
      headers: Headers.fromRecord({ 'Content-Type': contentType }),
      entity: new Entity(body),
    }),
});

describe('EntityExtractFilter config errors carry a code and a pointer', () => {
  const errorsOf = (config: unknown): string[] =>
    harness().errorsOf([{ name: 'f', type: 'EntityExtractFilter', config }]);

  test('messageType and target are required; a bad pattern and charset are pointed at', () => {
    assert.deepEqual(errorsOf({ target: '${attributes.x}' }), [
      `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/messageType`,
    ]);
    assert.deepEqual(
      errorsOf({
        messageType: 'RESPONSE',
        target: '${attributes.x}',
        charset: 'klingon',
        bindings: [{ key: 'a', pattern: '(open' }],
      }),
      [
        `TG_CONFIG_BAD_REGEX ${FILE}#/heap/0/config/bindings/0/pattern`,
        `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/charset`,
      ],
    );
  });
});

describe('EntityExtractFilter', () => {
  const bindings = [
    { key: 'nonce', pattern: 'name="nonce" value="([^"]*)"', template: '$1' },
    { key: 'action', pattern: 'action="(/[^"]*)"', template: 'https://app$1\\$1' },
    { key: 'form', pattern: '<form' },
    { key: 'missing', pattern: 'captcha' },
  ];

  test('on the response: each key gets its template applied to the first match, the match itself, or null', async () => {
    const h = harness();
    const exchange = h.incoming({ method: 'GET' });
    const body = '<form action="/login"><input name="nonce" value="n-42"></form>';
    const { body: passed } = await run(
      extractFilter({ messageType: 'RESPONSE', target: '${attributes.extracted}', bindings }, h),
      exchange,
      page(body),
    );
    assert.equal(passed, body, 'the body still reaches the client');
    assert.deepEqual(
      { ...(exchange.attributes.extracted as object) },
      {
        nonce: 'n-42',
        action: 'https://app/login$1',
        form: '<form',
        missing: null,
      },
    );
  });

  test('a body larger than one regular expression input is searched line by line, as PingGateway does', async () => {
    const h = harness();
    const exchange = h.incoming({ method: 'GET' });
    const filler = `<p>${'x'.repeat(200)}</p>\n`.repeat(1000);
    const body = `${filler}<input name="nonce" value="n-7">\r\n<form action=\n"/split">`;
    await run(
      extractFilter({ messageType: 'RESPONSE', target: '${attributes.extracted}', bindings }, h),
      exchange,
      page(body),
    );
    assert.deepEqual(
      { ...(exchange.attributes.extracted as object) },
      { nonce: 'n-7', action: null, form: '<form', missing: null },
      'a match does not span lines',
    );
  });

  test('on the request, before the next handler; charset overrides the message’s', async () => {
    const h = harness();
    const exchange = h.incoming({
      body: 'user=j\u00fcrgen',
      headers: { 'Content-Type': 'text/plain; charset=utf-8' },
    });
    exchange.request.entity.set(Buffer.from('user=j\u00fcrgen', 'latin1'));
    const next = recordingNext();
    await run(
      extractFilter(
        {
          messageType: 'request',
          charset: 'ISO-8859-1',
          target: '${attributes.found}',
          bindings: [{ key: 'user', pattern: 'user=(.+)', template: '$1' }],
        },
        h,
      ),
      exchange,
      next,
    );
    assert.equal(next.calls.length, 1);
    assert.deepEqual({ ...(exchange.attributes.found as object) }, { user: 'j\u00fcrgen' });
  });
});
