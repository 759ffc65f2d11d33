import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { Request } from '../../../src/http/message.js';
import { RequestUri } from '../../../src/http/uri.js';
import { Exchange } from '../../../src/server/exchange.js';

function exchangeWith(signal: AbortSignal): Exchange {
  return new Exchange({
    request: new Request({ method: 'GET', uri: RequestUri.parse('http://gateway.test/a') }),
    client: {
      remoteAddress: '127.0.0.1',
      remotePort: 1,
      localAddress: '127.0.0.1',
      localPort: 2,
      isSecure: false,
      userAgent: null,
    },
    log: pino({ level: 'silent' }),
    environment: { env: {}, system: {} },
    maxEntityBytes: 1024,
    signal,
    transactionId: 'tx',
  });
}

const call = (): Request => new Request({ method: 'POST', uri: RequestUri.parse('http://as.test/token') });

test('a sub-exchange shares contexts, attributes and the transaction, with its own request', () => {
  const parent = exchangeWith(new AbortController().signal);
  parent.attributes.user = 'demo';
  const sub = parent.subExchange(call());
  assert.equal(sub.attributes, parent.attributes);
  assert.equal(sub.contexts, parent.contexts);
  assert.equal(sub.request.uri.host, 'as.test');
  assert.equal(parent.request.uri.host, 'gateway.test');
  assert.equal(parent.nextSubTransactionId(), 'tx/0');
  assert.equal(sub.nextSubTransactionId(), 'tx/1');
});

test("a sub-exchange is aborted by the client's disconnect unless detached", () => {
  const client = new AbortController();
  const parent = exchangeWith(client.signal);
  const attached = parent.subExchange(call(), 60_000);
  const detached = parent.subExchange(call(), 60_000, { detached: true });
  client.abort();
  assert.equal(attached.signal.aborted, true);
  assert.equal(detached.signal.aborted, false);
});

test('a sub-exchange is aborted when its time-out passes', async () => {
  const sub = exchangeWith(new AbortController().signal).subExchange(call(), 20, { detached: true });
  await new Promise((done) => setTimeout(done, 60));
  assert.equal(sub.signal.aborted, true);
  assert.equal((sub.signal.reason as Error).name, 'TimeoutError');
});
