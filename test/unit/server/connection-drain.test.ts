import assert from 'node:assert/strict';
import { Agent, createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { test } from 'node:test';
import { ConnectionDrain } from '../../../src/server/connection-drain.js';
import { send, type Outcome } from '../../fixtures/keep-alive-client.js';

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

async function drainedServer(): Promise<{ server: Server; drain: ConnectionDrain; url: string }> {
  const server = createServer();
  const drain = new ConnectionDrain();
  drain.watch(server);
  server.on('request', (_req, res) => res.end('ok'));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { server, drain, url: `http://127.0.0.1:${port}` };
}

function answer(outcome: Outcome): string {
  return outcome.kind === 'answered' ? `${outcome.status} ${outcome.headers.connection}` : outcome.kind;
}

/** Reads what the server sends until it ends the connection. */
function readToEnd(socket: Socket): Promise<string> {
  let text = '';
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('latin1');
  });
  return new Promise((done) => socket.once('close', () => done(text)));
}

test('a client that reuses an idle connection soon after the drain began is answered, with Connection: close', async () => {
  const { drain, url } = await drainedServer();
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    assert.equal(answer(await send(url, agent)), '200 keep-alive');
    const drained = drain.drain(Number.POSITIVE_INFINITY);
    await sleep(200);
    assert.equal(answer(await send(url, agent)), '200 close');
    assert.equal(answer(await send(url, agent)), 'refused');
    assert.equal(await drained, 0);
  } finally {
    agent.destroy();
  }
});

test('a request that has begun to arrive keeps its connection open until it is answered', async () => {
  const { drain, url } = await drainedServer();
  const socket = connect(Number(new URL(url).port), '127.0.0.1');
  await new Promise((done) => socket.once('connect', done));
  const received = readToEnd(socket);
  const drained = drain.drain(Number.POSITIVE_INFINITY);
  // Each pause is shorter than the settle time, the whole request is longer.
  await sleep(350);
  socket.write('GET / HTTP/1.1\r\n');
  await sleep(350);
  socket.write('Host: test\r\n\r\n');
  assert.match(await received, /^HTTP\/1\.1 200 OK\r\n.*Connection: close\r\n.*ok$/s);
  assert.equal(await drained, 0);
});

test('an idle connection is closed and the drain ends, with nothing cut', async () => {
  const { drain, url } = await drainedServer();
  const socket = connect(Number(new URL(url).port), '127.0.0.1');
  await new Promise((done) => socket.once('connect', done));
  const received = readToEnd(socket);
  assert.equal(await drain.drain(Number.POSITIVE_INFINITY), 0);
  assert.equal(await received, '');
});

test('the grace period closes a connection whose response never ends and counts it as cut', async () => {
  const server = createServer();
  const drain = new ConnectionDrain();
  drain.watch(server);
  server.on('request', (_req, res) => res.write('never ends'));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true });
  try {
    const outcome = send(`http://127.0.0.1:${port}/`, agent);
    await sleep(50);
    assert.equal(await drain.drain(100), 1);
    assert.equal((await outcome).kind, 'lost');
  } finally {
    agent.destroy();
  }
});
