import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino, type Logger } from 'pino';
import { memoryLogger } from '../../fixtures/gateway.js';
import { Request } from '../../../src/http/message.js';
import { RequestUri } from '../../../src/http/uri.js';
import { TollgateError } from '../../../src/errors/tollgate-error.js';
import { Cancellation } from '../../../src/http/cancellation.js';
import { Exchange } from '../../../src/http/exchange.js';
import { elGet } from '../../../src/el/host.js';
import { Session } from '../../../src/http/session.js';
import { createBuiltinFunctions } from '../../../src/el/index.js';
import { compileLValue, compileTemplate } from '../../../src/el/template.js';

function exchangeWith(cancellation: Cancellation, log: Logger = pino({ level: 'silent' })): Exchange {
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
    log,
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

test("the route a Router enters is in contexts.router and on every log line after, the sub-exchanges' too", () => {
  const { logger, logs } = memoryLogger();
  const exchange = exchangeWith(new Cancellation(), logger);
  exchange.log.info('before');
  exchange.enterRoute('api', '10-api');
  exchange.log.info('after');
  exchange.subExchange(call()).log.info('in a call');
  assert.equal(exchange.route, 'api');
  const router = exchange.contexts.router as Record<string, unknown>;
  assert.deepEqual([router.route, router.routeId, router.remainingUri], ['api', '10-api', '/a']);
  assert.deepEqual(
    logs.map((l) => [l.msg, l.transactionId, l.route]),
    [
      ['before', 'tx', null],
      ['after', 'tx', 'api'],
      ['in a call', 'tx', 'api'],
    ],
  );
});

test("contexts.router is PingGateway's root UriRouterContext: nothing matched, the raw path remaining, the URI as received", () => {
  const exchange = new Exchange({
    request: new Request({ method: 'GET', uri: RequestUri.parse('http://gateway.test:8080/a%2Fb/c?q=1') }),
    client: {
      remoteAddress: '',
      remotePort: 1,
      localAddress: '',
      localPort: 2,
      isSecure: false,
      userAgent: null,
    },
    log: pino({ level: 'silent' }),
    environment: { env: {}, system: {} },
    maxEntityBytes: 1024,
    cancellation: new Cancellation(),
    transactionId: 'tx',
  });
  exchange.request.uri.host = 'backend.test';
  const router = exchange.contexts.router as Record<string, unknown>;
  assert.equal(router.matchedUri, '');
  assert.equal(router.baseUri, '');
  assert.equal(router.remainingUri, '/a%2Fb/c');
  assert.equal(String(router.originalUri), 'http://gateway.test:8080/a%2Fb/c?q=1');
  assert.deepEqual(router.uriTemplateVariables, {});
  assert.ok(Object.isFrozen(router));
});

test('context is the chain of contexts, the last added first, each with its name and parent', () => {
  const exchange = exchangeWith(new Cancellation());
  exchange.contexts.oauth2TokenExchange = Object.freeze({ issuedTokenType: 'jwt' });
  const leaf = exchange[elGet]('context') as Record<string, unknown>;
  const names: unknown[] = [];
  for (
    let at: Record<string, unknown> | null = leaf;
    at !== null;
    at = at.parent as Record<string, unknown> | null
  )
    names.push(at.name);
  assert.deepEqual(names, ['oauth2TokenExchange', 'router', 'transactionId', 'client', 'attributes']);
  assert.equal(leaf.issuedTokenType, 'jwt');
  assert.equal((leaf.parent as Record<string, unknown>).remainingUri, '/a');
});

test("timing: upstream and token exchange times add up over calls; a sub-exchange's calls are its own", () => {
  const exchange = exchangeWith(new Cancellation());
  assert.deepEqual(
    { ...exchange.timing },
    {
      upstreamMs: undefined,
      tokenExchangeMs: undefined,
      tokenExchangeSource: undefined,
    },
  );
  exchange.timing.addUpstream(2);
  exchange.timing.addUpstream(3);
  exchange.timing.addTokenExchange(1, 'exchanged');
  exchange.timing.addTokenExchange(0.5, 'cached');
  exchange.subExchange(call()).timing.addUpstream(100);
  assert.deepEqual(
    { ...exchange.timing },
    { upstreamMs: 5, tokenExchangeMs: 1.5, tokenExchangeSource: 'cached' },
  );
});

test('`session` is the session of the scope the request is in: expressions read and write it, sub-exchanges share it', () => {
  const exchange = exchangeWith(new Cancellation());
  const functions = createBuiltinFunctions();
  const place = { file: 'routes/r.json', pointer: '/handler' };
  const read = compileTemplate('${session.user}', { place, functions });
  const write = compileLValue('${session.user}', { place, functions });
  assert.equal(read.evaluate(exchange), null, 'no session outside a session scope');
  assert.equal(write.assign(exchange, 'alice'), false);
  exchange.session = new Session(() => [['user', 'bob']]);
  assert.equal(read.evaluate(exchange), 'bob');
  assert.equal(write.assign(exchange, 'alice'), true);
  assert.equal(exchange.subExchange(call()).session?.get('user'), 'alice');
  assert.equal(
    compileTemplate("${session['user']} ${empty session}", { place, functions }).evaluate(exchange),
    'alice false',
  );
});
