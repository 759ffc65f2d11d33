import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { Request } from '../../../src/http/message.js';
import { RequestUri } from '../../../src/http/uri.js';
import { TollgateError } from '../../../src/errors/tollgate-error.js';
import { Cancellation } from '../../../src/http/cancellation.js';
import { Exchange } from '../../../src/http/exchange.js';

function exchangeWith(cancellation: Cancellation): Exchange {
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
    cancellation,
    transactionId: 'tx',
  });
}

const call = (): Request => new Request({ method: 'POST', uri: RequestUri.parse('http://as.test/token') });

test('a sub-exchange shares contexts, attributes and the transaction, with its own request', () => {
  const parent = exchangeWith(new Cancellation());
  parent.attributes.user = 'demo';
  const sub = parent.subExchange(call());
  assert.equal(sub.attributes, parent.attributes);
  assert.equal(sub.contexts, parent.contexts);
  assert.equal(sub.request.uri.host, 'as.test');
  assert.equal(parent.request.uri.host, 'gateway.test');
  assert.equal(parent.nextSubTransactionId(), 'tx/0');
  assert.equal(sub.nextSubTransactionId(), 'tx/1');
});

test("a sub-exchange is cancelled by the client's disconnect unless detached", () => {
  const client = new Cancellation();
  const parent = exchangeWith(client);
  const attached = parent.subExchange(call(), 60_000);
  const detached = parent.subExchange(call(), 60_000, { detached: true });
  const gone = new TollgateError('TG_CLIENT_GONE');
  client.cancel(gone);
  assert.equal(attached.cancellation.reason, gone);
  assert.equal(detached.cancellation.reason, undefined);
  attached.end();
  detached.end();
});

test('a sub-exchange made after the disconnect starts cancelled', () => {
  const client = new Cancellation();
  client.cancel(new TollgateError('TG_CLIENT_GONE'));
  const sub = exchangeWith(client).subExchange(call());
  assert.equal((sub.cancellation.reason as TollgateError).code, 'TG_CLIENT_GONE');
});

test('a sub-exchange is cancelled when its time-out passes, and not once it has ended', async () => {
  const parent = exchangeWith(new Cancellation());
  const timed = parent.subExchange(call(), 20, { detached: true });
  const ended = parent.subExchange(call(), 20);
  ended.end();
  await new Promise((done) => setTimeout(done, 60));
  assert.equal((timed.cancellation.reason as TollgateError).code, 'TG_UPSTREAM_TIMEOUT');
  assert.equal(ended.cancellation.reason, undefined);
  assert.equal(parent.cancellation.listenerCount, 0);
});
