import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Entity } from '../../../src/http/entity.js';
import { UpstreamBody } from '../../../src/http/upstream-body.js';

function body(): { body: UpstreamBody; resumed: () => number; aborted: Error[] } {
  let resumes = 0;
  const aborted: Error[] = [];
  const upstream = new UpstreamBody(
    () => resumes++,
    (reason) => aborted.push(reason),
  );
  return { body: upstream, resumed: () => resumes, aborted };
}

async function read(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text;
}

test('a body that arrived before it is read is handed over as one buffer, with no stream', () => {
  const { body: upstream } = body();
  assert.equal(upstream.push(Buffer.from('{"a":')), true);
  assert.equal(upstream.push(Buffer.from('1}')), true);
  assert.equal(upstream.complete, false);
  upstream.end();
  const entity = new Entity(upstream);
  assert.equal(entity.isBuffered, false);
  const sent = entity.body;
  assert.ok(Buffer.isBuffer(sent));
  assert.equal(sent.toString(), '{"a":1}');
  assert.equal(entity.isBuffered, true);
});

test('a body still arriving becomes a stream that replays the held chunks first', async () => {
  const { body: upstream } = body();
  upstream.push(Buffer.from('one '));
  const entity = new Entity(upstream);
  const stream = entity.body;
  assert.ok(!Buffer.isBuffer(stream));
  upstream.push(Buffer.from('two'));
  upstream.end();
  assert.equal(await read(stream), 'one two');
});

test('an unread body pauses the upstream past the held limit, and reading resumes it', async () => {
  const { body: upstream, resumed } = body();
  const chunk = Buffer.alloc(16 * 1024, 'x');
  let accepted = 0;
  while (upstream.push(chunk)) accepted++;
  assert.equal(accepted, 3);
  const stream = upstream.stream();
  const reading = read(stream);
  await new Promise((done) => setImmediate(done));
  assert.ok(resumed() >= 1);
  upstream.end();
  assert.equal((await reading).length, 4 * chunk.length);
});

test('Entity.load buffers a body that is still arriving', async () => {
  const { body: upstream } = body();
  const entity = new Entity(upstream);
  const loading = entity.load(1024, 'TG_UPSTREAM_RESPONSE_TOO_LARGE');
  upstream.push(Buffer.from('late'));
  upstream.end();
  await loading;
  assert.equal(entity.string, 'late');
});

test('a failure reaches the reader, whether it came before or after the stream was made', async () => {
  const early = body().body;
  early.push(Buffer.from('part'));
  early.fail(new Error('reset'));
  await assert.rejects(read(early.stream()), /reset/);

  const late = body().body;
  const stream = late.stream();
  const reading = read(stream);
  late.fail(new Error('reset later'));
  await assert.rejects(reading, /reset later/);
});

test('dropping a stream before its end aborts the upstream call; after its end it does not', async () => {
  const open = body();
  open.body.stream().destroy();
  await new Promise((done) => setImmediate(done));
  assert.equal(open.aborted.length, 1);

  const finished = body();
  finished.body.push(Buffer.from('x'));
  finished.body.end();
  const stream = finished.body.stream();
  await read(stream);
  stream.destroy();
  assert.equal(finished.aborted.length, 0);
});
