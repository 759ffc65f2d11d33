import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Handler } from '../../../src/heap/types.js';
import { FILE, harness } from '../filters/harness.js';

const ACCESS_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';

/** A Stub decorated by a CaptureDecorator named "my-capture" with `config`, capturing `points`. */
function captured(config: Record<string, unknown>, points: unknown = 'all') {
  const h = harness({
    respond: () => {
      throw new Error('not used');
    },
  });
  const stub = h.build<Handler>(
    [
      { name: 'my-capture', type: 'CaptureDecorator', config },
      {
        name: 'Answer',
        type: 'StaticResponseHandler',
        'my-capture': points,
        config: {
          headers: { 'Content-Type': ['application/json'], 'X-Session-Ref': ['ref-1'] },
          entity: `{"access_token":"${ACCESS_TOKEN}","expires_in":300,"note":"kept"}`,
        },
      },
    ],
    'Answer',
    'Handler',
  );
  const lines = () => h.logs.filter((l) => l.capture !== undefined);
  return { h, stub, lines };
}

describe('CaptureDecorator', () => {
  test('declared under a name, the name is a decoration key; its lines name the decorator and the object', async () => {
    const { h, stub, lines } = captured({});
    await stub.handle(h.incoming({ url: 'http://gateway.test/a' }));
    assert.deepEqual(
      lines().map((l) => [l.decorator, l.object, l.capture]),
      [
        ['my-capture', 'Answer', 'request'],
        ['my-capture', 'Answer', 'response'],
      ],
    );
    // By default no entity and no context are written.
    assert.equal((lines()[1]!.response as Record<string, unknown>).entity, undefined);
    assert.equal(lines()[1]!.context, undefined);
  });

  test('captureEntity writes the body, credentials redacted, cut at maxEntityLength', async () => {
    const { h, stub, lines } = captured({ captureEntity: true });
    await stub.handle(
      h.incoming({
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=x&subject_token=s3cret-subject',
      }),
    );
    const [request, response] = lines() as { request?: { entity: string }; response?: { entity: string } }[];
    assert.equal(request!.request!.entity, 'grant_type=x&subject_token=[REDACTED]');
    assert.equal(response!.response!.entity, '{"access_token":"[REDACTED]","expires_in":300,"note":"kept"}');
    assert.doesNotMatch(h.raw.join('\n'), /s3cret|eyJhbGci/);

    const short = captured({ captureEntity: '${true}', maxEntityLength: 10 });
    await short.stub.handle(short.h.incoming());
    const entity = (short.lines()[1]!.response as { entity: string }).entity;
    assert.equal(entity, '{"access_t[entity truncated]');
  });

  test('a body with no Content-Type is not written, a binary one is a marker', async () => {
    const h = harness();
    const stub = h.build<Handler>(
      [
        { name: 'c', type: 'CaptureDecorator', config: { captureEntity: true } },
        { name: 'Stub', type: 'Stub', c: 'request' },
      ],
      'Stub',
      'Handler',
    );
    await stub.handle(h.incoming({ body: 'no type' }));
    await stub.handle(h.incoming({ headers: { 'Content-Type': 'image/png' }, body: 'PNG…' }));
    const entities = h.logs
      .filter((l) => l.capture === 'request')
      .map((l) => (l.request as { entity?: string }).entity);
    assert.deepEqual(entities, [undefined, '[binary entity]']);
    assert.equal(h.seen.length, 2, 'the requests went on');
  });

  test('masks replace the values of the headers and attributes they match, in any case', async () => {
    const { h, stub, lines } = captured({
      captureContext: true,
      masks: { headers: ['x-session-.*'], attributes: ['CUSTOMER'], mask: '###' },
    });
    const exchange = h.incoming({ headers: { 'X-Session-Id': 'abc', 'X-Other': 'seen' } });
    exchange.attributes.customer = 'alice';
    exchange.attributes.plan = 'gold';
    exchange.attributes.refresh_token = 'r3fresh';
    await stub.handle(exchange);
    const [request, response] = lines() as Record<string, Record<string, unknown>>[];
    assert.deepEqual(request!.request!.headers, { 'X-Session-Id': ['###'], 'X-Other': ['seen'] });
    assert.deepEqual((response!.response!.headers as Record<string, unknown>)['X-Session-Ref'], ['###']);
    assert.deepEqual(request!.context!.attributes, {
      customer: '###',
      plan: 'gold',
      refresh_token: '[REDACTED]',
    });
    assert.equal((request!.context!.contexts as Record<string, unknown>).transactionId !== undefined, true);
    assert.doesNotMatch(h.raw.join('\n'), /r3fresh|alice/);
  });

  test('its configuration is checked at its place', () => {
    const errorsOf = (config: unknown, masks?: unknown): string[] =>
      harness().errorsOf([{ name: 'c', type: 'CaptureDecorator', config: masks ? { masks } : config }]);
    assert.deepEqual(errorsOf({ maxEntityLength: 2 ** 31 }), [
      `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/maxEntityLength`,
    ]);
    assert.deepEqual(errorsOf({ captureEntity: 1 }), [
      `TG_CONFIG_SCHEMA ${FILE}#/heap/0/config/captureEntity`,
    ]);
    assert.deepEqual(errorsOf(undefined, { headers: ['ok', '(unclosed'] }), [
      `TG_CONFIG_BAD_REGEX ${FILE}#/heap/0/config/masks/headers/1`,
    ]);
    assert.deepEqual(errorsOf(undefined, { cookies: [] }), [
      `TG_CONFIG_UNKNOWN_PROPERTY ${FILE}#/heap/0/config/masks/cookies`,
    ]);
  });

  test('answers to its OpenIG class name', () => {
    assert.deepEqual(
      harness().errorsOf([{ name: 'c', type: 'org.forgerock.openig.decoration.capture.CaptureDecorator' }]),
      [],
    );
  });
});
