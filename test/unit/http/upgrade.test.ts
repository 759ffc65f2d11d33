import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { UpgradeConnection } from '../../../src/http/upgrade.js';

/** Both ends of a real TCP connection on 127.0.0.1. */
async function socketPair(): Promise<{ server: Socket; client: Socket; close(): void }> {
  const listener = createServer();
  await new Promise<void>((done) => listener.listen(0, '127.0.0.1', done));
  const { port } = listener.address() as { port: number };
  const accepted = new Promise<Socket>((done) => listener.once('connection', done));
  const client = connect(port, '127.0.0.1');
  const server = await accepted;
  return { server, client, close: () => listener.close() };
}

test('a connection starts untaken, and take() claims it', async (t) => {
  const pair = await socketPair();
  t.after(() => {
    pair.client.destroy();
    pair.close();
  });
  const upgrade = new UpgradeConnection(pair.server, Buffer.from('early'));
  assert.equal(upgrade.taken, false);
  upgrade.take();
  assert.equal(upgrade.taken, true);
  assert.equal(upgrade.head.toString(), 'early');
});

test('refuse() answers a complete response that says it closes, then closes', async (t) => {
  const pair = await socketPair();
  t.after(() => pair.close());
  let answer = '';
  pair.client.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
  const ended = new Promise<void>((done) => pair.client.once('end', done));
  new UpgradeConnection(pair.server, Buffer.alloc(0)).refuse(502, 'the upstream server cannot be reached');
  await ended;
  assert.equal(
    answer,
    'HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 37\r\n' +
      'Connection: close\r\n\r\nthe upstream server cannot be reached',
  );
  pair.client.destroy();
});
