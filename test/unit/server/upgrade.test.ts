import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { pino } from 'pino';
import { createUpgradeListener, type Serve } from '../../../src/server/upgrade.js';

const HANDSHAKE =
  'GET /chat HTTP/1.1\r\nHost: gateway\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
  'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';

/** Sends the handshake; what came back, and whether the server closed the connection (else: 5 s passed). */
function handshake(port: number): Promise<{ answer: string; closedByServer: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    let closedByServer = false;
    socket.setEncoding('latin1');
    socket.setTimeout(5000, () => socket.destroy());
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('end', () => (closedByServer = true));
    socket.on('error', () => (closedByServer = true));
    socket.on('close', () => resolve({ answer, closedByServer }));
    socket.write(HANDSHAKE, 'latin1');
  });
}

async function serverWith(serve: Serve): Promise<{ port: number; server: Server }> {
  const server = createServer();
  server.on('upgrade', createUpgradeListener(serve, pino({ level: 'silent' })));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { port: (server.address() as AddressInfo).port, server };
}

test('an upgrade nobody takes is answered through a ServerResponse, and its connection closes', async (t) => {
  const { port, server } = await serverWith((_req, res, upgrade) => {
    assert.equal(upgrade?.taken, false);
    res.writeHead(403, { 'Content-Type': 'text/plain', 'Content-Length': '2' });
    res.end('no');
    return Promise.resolve();
  });
  t.after(() => server.close());
  const { answer, closedByServer } = await handshake(port);
  assert.ok(closedByServer);
  assert.match(answer, /^HTTP\/1\.1 403 Forbidden\r\n/);
  assert.match(answer, /\r\nConnection: close\r\n/);
  assert.ok(answer.endsWith('\r\n\r\nno'));
});

test('a taken upgrade is left to its taker: nothing is written for it', async (t) => {
  const { port, server } = await serverWith((_req, _res, upgrade) => {
    upgrade!.take();
    upgrade!.socket.end('taken\r\n');
    return Promise.resolve();
  });
  t.after(() => server.close());
  assert.deepEqual(await handshake(port), { answer: 'taken\r\n', closedByServer: true });
});

test('a serve that fails outside every handler destroys the connection', async (t) => {
  const { port, server } = await serverWith(() => Promise.reject(new Error('boom')));
  t.after(() => server.close());
  assert.deepEqual(await handshake(port), { answer: '', closedByServer: true });
});
