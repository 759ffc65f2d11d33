import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { elGet } from '../../../src/el/host.js';
import { TollgateError } from '../../../src/errors/tollgate-error.js';
import { Entity, parseForm } from '../../../src/http/entity.js';

function streamOf(...chunks: (string | Buffer)[]): Readable {
  return Readable.from(chunks.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk) : chunk)));
}

async function loadError(
  entity: Entity,
  limit: number,
  code: Parameters<Entity['load']>[1],
): Promise<unknown> {
  try {
    await entity.load(limit, code);
  } catch (error) {
    return error;
  }
  assert.fail('the body was loaded');
}

describe('Entity', () => {
  test('a body given as text or bytes is buffered at once; null or nothing is empty', () => {
    assert.equal(new Entity('é').length, 2);
    assert.deepEqual(new Entity(Buffer.from([1, 2])).bytes, Buffer.from([1, 2]));
    for (const empty of [new Entity(), new Entity(null)]) {
      assert.equal(empty.isBuffered, true);
      assert.equal(empty.string, '');
      assert.equal(empty.json, null);
    }
  });

  test('a stream stays a stream, with no views, until it is loaded', async () => {
    const entity = new Entity(streamOf('{"a":', '1}'));
    assert.equal(entity.isBuffered, false);
    assert.equal(entity.bytes, null);
    assert.equal(entity.length, undefined);
    assert.equal(entity.string, null);
    assert.equal(entity.form, null);
    assert.ok(!Buffer.isBuffer(entity.body));
    await entity.load(100, 'TG_REQUEST_ENTITY_TOO_LARGE');
    assert.equal(entity.isBuffered, true);
    assert.equal(entity.string, '{"a":1}');
    assert.ok(Buffer.isBuffer(entity.body));
  });

  test('reading json before the body is loaded does not hide the body once it is', async () => {
    const entity = new Entity(streamOf('{"a":1}'));
    assert.equal(entity.json, null);
    await entity.load(100, 'TG_REQUEST_ENTITY_TOO_LARGE');
    assert.deepEqual(entity.json, { a: 1 });
  });

  test('a body of exactly the limit loads; one byte more is refused with the given code', async () => {
    const exact = new Entity(streamOf('12345', '67890'));
    await exact.load(10, 'TG_REQUEST_ENTITY_TOO_LARGE');
    assert.equal(exact.string, '1234567890');
    assert.equal(exact.refused, false);

    const over = new Entity(streamOf('12345', '678901'));
    const error = await loadError(over, 10, 'TG_UPSTREAM_RESPONSE_TOO_LARGE');
    assert.ok(error instanceof TollgateError);
    assert.equal(error.code, 'TG_UPSTREAM_RESPONSE_TOO_LARGE');
    assert.equal(error.detail, 'body exceeds 10 bytes');
    assert.equal(over.refused, true);
    assert.equal(over.isBuffered, false);
  });

  test("a client's body past the limit is left unread, an upstream one is dropped", async () => {
    // The 413 must still reach the client, so its socket stays open; the upstream connection
    // is of no further use.
    const client = new PassThrough();
    const fromClient = new Entity(client);
    const refusing = loadError(fromClient, 4, 'TG_REQUEST_ENTITY_TOO_LARGE');
    client.write('too long');
    assert.equal(((await refusing) as TollgateError).code, 'TG_REQUEST_ENTITY_TOO_LARGE');
    assert.equal(client.destroyed, false);
    assert.equal(client.isPaused(), true);

    const upstream = new PassThrough();
    const refusingUpstream = loadError(new Entity(upstream), 4, 'TG_UPSTREAM_RESPONSE_TOO_LARGE');
    upstream.write('too long');
    await refusingUpstream;
    assert.equal(upstream.destroyed, true);
  });

  test('a refused body stays refused when replaced: its unread bytes are still on the connection', async () => {
    const entity = new Entity(streamOf('far too long'));
    await loadError(entity, 3, 'TG_REQUEST_ENTITY_TOO_LARGE');
    entity.set('a replacement');
    assert.equal(entity.refused, true);
    assert.equal(entity.string, 'a replacement');
  });

  test('a stream that fails while loading fails the load with its own error', async () => {
    const stream = new PassThrough();
    const loading = loadError(new Entity(stream), 100, 'TG_REQUEST_ENTITY_TOO_LARGE');
    stream.write('part');
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    stream.destroy(reset);
    assert.equal(await loading, reset);
  });

  test('string chunks from a stream with an encoding are counted and kept as bytes', async () => {
    const stream = streamOf('é', 'è');
    stream.setEncoding('utf8');
    const entity = new Entity(stream);
    await entity.load(4, 'TG_REQUEST_ENTITY_TOO_LARGE');
    assert.equal(entity.string, 'éè');
    assert.equal(entity.length, 4);
  });

  test('loading a buffered body does nothing', async () => {
    const entity = new Entity('already here, longer than the limit');
    await entity.load(1, 'TG_REQUEST_ENTITY_TOO_LARGE');
    assert.equal(entity.string, 'already here, longer than the limit');
  });

  test('json is parsed once; an empty or blank body is null; anything else must be JSON (400)', () => {
    const entity = new Entity('{"n": 1}');
    const first = entity.json;
    assert.equal(entity.json, first);
    assert.equal(new Entity(' \n\t').json, null);
    const bad = new Entity('{"n": ');
    assert.throws(
      () => bad.json,
      (error: unknown) =>
        error instanceof TollgateError &&
        error.code === 'TG_REQUEST_BAD_ENTITY' &&
        error.status === 400 &&
        error.detail === 'the body is not valid JSON' &&
        error.cause instanceof SyntaxError,
    );
  });

  test('set replaces the body and drops every parsed view', () => {
    const entity = new Entity('{"a": 1}');
    assert.deepEqual(entity.json, { a: 1 });
    assert.equal(entity.string, '{"a": 1}');
    entity.set('b=2&b=3');
    assert.equal(entity.string, 'b=2&b=3');
    assert.deepEqual({ ...entity.form }, { b: ['2', '3'] });
    assert.throws(() => entity.json, TollgateError);
    entity.set(Buffer.from('[true]'));
    assert.deepEqual(entity.json, [true]);
    assert.equal(entity.form?.['[true]']?.[0], '');
    entity.set(null);
    assert.equal(entity.length, 0);
    entity.set(streamOf('streamed'));
    assert.equal(entity.isBuffered, false);
    assert.equal(entity.string, null);
  });

  test('discard lets an unread stream flow to its end, so its socket is free again', async () => {
    const stream = new PassThrough();
    const entity = new Entity(stream);
    stream.end('unread');
    entity.discard();
    await new Promise((done) => stream.once('end', done));
    // Nothing to do for a buffered body.
    new Entity('x').discard();
  });

  test('expressions read string, json, form and bytes, and nothing else', () => {
    const entity = new Entity('a=1');
    assert.equal(entity[elGet]('string'), 'a=1');
    assert.deepEqual({ ...(entity[elGet]('form') as object) }, { a: ['1'] });
    assert.deepEqual(entity[elGet]('bytes'), Buffer.from('a=1'));
    assert.deepEqual(new Entity('[1]')[elGet]('json'), [1]);
    for (const name of ['length', 'body', 'load', 'set', 'refused', 'constructor']) {
      assert.equal(entity[elGet](name), undefined, name);
    }
  });
});

describe('parseForm', () => {
  test('every value of a name in order, + as space, percent-decoding, no prototype', () => {
    const form = parseForm('a=1&a=2&b=x+y%20z&__proto__=p&empty=&bare');
    assert.equal(Object.getPrototypeOf(form), null);
    assert.deepEqual(
      { ...form },
      { a: ['1', '2'], b: ['x y z'], ['__proto__']: ['p'], empty: [''], bare: [''] },
    );
    assert.deepEqual({ ...parseForm('') }, {});
  });
});
