import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import type { Handler } from '../../../src/heap/types.js';
import { Entity } from '../../../src/http/entity.js';
import { Response } from '../../../src/http/message.js';
import { FILE, harness, type Respond } from '../filters/harness.js';

/** A SequenceHandler "s" of three Stubs, whose answers `respond` makes; `postconditions` by binding. */
function sequence(respond: Respond, postconditions: (string | undefined)[]) {
  const h = harness({ respond });
  const handler = h.build<Handler>(
    [
      {
        name: 's',
        type: 'SequenceHandler',
        config: {
          bindings: postconditions.map((postcondition) =>
            postcondition === undefined ? { handler: 'Stub' } : { handler: 'Stub', postcondition },
          ),
        },
      },
      { name: 'Stub', type: 'Stub' },
    ],
    's',
    'Handler',
  );
  return { h, handler };
}

/** Answers the first request with the first status, the second with the second… */
function statuses(...codes: number[]): Respond {
  let calls = 0;
  return () => new Response({ status: codes[calls++]! });
}

describe('SequenceHandler config errors carry a code and a pointer', () => {
  const errorsOf = (config: unknown): string[] =>
    harness().errorsOf([
      { name: 's', type: 'SequenceHandler', config },
      { name: 'f', type: 'HeaderFilter', config: { messageType: 'REQUEST' } },
    ]);

  test('bindings is a list of at least one; each binding needs a handler, and has no condition', () => {
    assert.deepEqual(errorsOf({}), [`TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/bindings`]);
    assert.deepEqual(errorsOf({ bindings: [] }), [`TG_CONFIG_SCHEMA ${FILE}#/heap/0/config/bindings`]);
    assert.deepEqual(
      errorsOf({ bindings: [{ postcondition: true }, { handler: 'ClientHandler', condition: true }] }),
      [
        `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/bindings/0/handler`,
        `TG_CONFIG_UNKNOWN_PROPERTY ${FILE}#/heap/0/config/bindings/1/condition`,
      ],
    );
  });

  test('a handler that is not one, a postcondition that does not parse', () => {
    assert.deepEqual(errorsOf({ bindings: [{ handler: 'ClientHandler' }, { handler: 'f' }] }), [
      `TG_CONFIG_WRONG_KIND ${FILE}#/heap/0/config/bindings/1/handler`,
    ]);
    assert.deepEqual(
      errorsOf({ bindings: [{ handler: 'ClientHandler', postcondition: '${response.status.code ==}' }] }),
      [`TG_CONFIG_BAD_EXPRESSION ${FILE}#/heap/0/config/bindings/0/postcondition`],
    );
  });
});

describe('SequenceHandler', () => {
  test('goes on while each postcondition holds, with the response bound, and returns the last answer', async () => {
    const { h, handler } = sequence(statuses(200, 201, 202), [
      '${response.status.code == 200}',
      '${response.status.code == 201}',
      undefined,
    ]);
    const response = await handler.handle(h.incoming());
    assert.equal(response.status, 202);
    assert.equal(h.seen.length, 3);
  });

  test('stops at the first postcondition that fails, and returns that answer', async () => {
    const { h, handler } = sequence(statuses(500, 200, 200), [
      '${response.status.isSuccessful}',
      undefined,
      undefined,
    ]);
    const exchange = h.incoming();
    const response = await handler.handle(exchange);
    assert.equal(response.status, 500);
    assert.equal(h.seen.length, 1);
    assert.equal(exchange.response, response);
  });

  test('a binding without a postcondition goes on', async () => {
    const { h, handler } = sequence(statuses(500, 404, 200), [undefined, undefined, undefined]);
    assert.equal((await handler.handle(h.incoming())).status, 200);
    assert.equal(h.seen.length, 3);
  });

  test('a postcondition that reads the body has it loaded; a body left unread is drained when the sequence goes on', async () => {
    const bodies: Readable[] = [];
    const { h, handler } = sequence(() => {
      const body = Readable.from([Buffer.from('{"more":'), Buffer.from('true}')]);
      bodies.push(body);
      return new Response({ status: 200, entity: new Entity(body) });
    }, ['${response.entity.json.more}', undefined, undefined]);
    const response = await handler.handle(h.incoming());
    assert.equal(h.seen.length, 3, 'the first body said to go on');
    assert.equal(bodies[1]!.readableFlowing, true, 'the unread second body is drained');
    assert.equal(response.entity.isBuffered, false, 'the last answer is returned unread');
  });
});
