import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import type { Filter, Handler } from '../../../src/heap/types.js';
import { Entity } from '../../../src/http/entity.js';
import { Headers } from '../../../src/http/headers.js';
import { Response } from '../../../src/http/message.js';
import { FILE, harness, run } from './harness.js';

const replay = (config: Record<string, unknown>, h = harness(), heap: unknown[] = []): Filter =>
  h.build<Filter>([...heap, { name: 'f', type: 'PasswordReplayFilter', config }], 'f', 'Filter');

const loginRequest = {
  method: 'POST',
  uri: 'http://app.example.com:8081/login',
  form: { username: ['${attributes.user}'], password: ['${attributes.password}'] },
};

interface Sent {
  readonly method: string;
  readonly uri: string;
  readonly body: string;
  readonly headers: Headers;
}

/** The application: records each request it gets and answers with what `answer` gives for it. */
function application(
  answer: (sent: Sent) => { body: string; contentType?: string },
): Handler & { sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    async handle(exchange) {
      const { request } = exchange;
      await request.entity.load(1 << 20, 'TG_REQUEST_ENTITY_TOO_LARGE');
      const seen = {
        method: request.method,
        uri: request.uri.toString(),
        body: request.entity.string ?? '',
        headers: request.headers,
      };
      sent.push(seen);
      const { body, contentType = 'text/html; charset=utf-8' } = answer(seen);
      return new Response({
        status: 200,
        headers: Headers.fromRecord({ 'Content-Type': contentType }),
        entity: new Entity(body),
      });
    },
  };
}

/** A credentials filter as PingGateway's examples have it: it puts the user's login in attributes. */
const credentials = {
  name: 'credentials',
  type: 'AssignmentFilter',
  config: {
    onRequest: [
      { target: '${attributes.user}', value: 'demo' },
      { target: '${attributes.password}', value: 'Ch4ng31t' },
    ],
  },
};

describe('PasswordReplayFilter config errors carry a code and a pointer', () => {
  const errorsOf = (config: unknown): string[] =>
    harness().errorsOf([{ name: 'f', type: 'PasswordReplayFilter', config }]);

  test('request is required, and loginPage or loginPageContentMarker', () => {
    assert.deepEqual(errorsOf({}), [`TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/request`]);
    assert.deepEqual(errorsOf({ request: loginRequest }), [
      `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/loginPage`,
    ]);
    assert.deepEqual(errorsOf({ loginPage: true, request: { method: 'POST' } }), [
      `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/request/uri`,
    ]);
  });

  test('an extraction without a group, a bad marker, a bad request and headerDecryption are pointed at', () => {
    assert.deepEqual(
      errorsOf({
        loginPageContentMarker: '(login',
        loginPageExtractions: [
          { name: 'nonce', pattern: 'nonce=[a-z]+' },
          { name: 'ok', pattern: 'token=([a-z]+)' },
        ],
        headerDecryption: { algorithm: 'DES/ECB/NoPadding', key: 'a2V5', keyType: 'DES', headers: ['X-P'] },
        credentials: 'nowhere',
        request: { method: 'GE T', uri: 'http://app/login' },
      }),
      [
        `TG_CONFIG_HEADER_DECRYPTION ${FILE}#/heap/0/config/headerDecryption`,
        `TG_CONFIG_BAD_REGEX ${FILE}#/heap/0/config/loginPageContentMarker`,
        `TG_CONFIG_BAD_REGEX ${FILE}#/heap/0/config/loginPageExtractions/0/pattern`,
        `TG_CONFIG_BAD_REFERENCE ${FILE}#/heap/0/config/credentials`,
        `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/request/method`,
      ],
    );
  });

  test('the notes PingGateway examples carry in `comments` are accepted', () => {
    assert.deepEqual(
      errorsOf({ loginPage: true, request: { comments: ['the login form'], ...loginRequest } }),
      [],
    );
  });
});

describe('PasswordReplayFilter with loginPage', () => {
  test('a request for the login page is replaced by the login, after the credentials filter', async () => {
    const h = harness();
    const app = application(() => ({ body: 'welcome' }));
    const filter = replay(
      { loginPage: "${request.uri.path == '/login'}", credentials: 'credentials', request: loginRequest },
      h,
      [credentials],
    );
    const { body } = await run(filter, h.incoming({ url: 'http://gw/login' }), app);
    assert.equal(body, 'welcome');
    assert.equal(app.sent.length, 1);
    assert.equal(app.sent[0]!.method, 'POST');
    assert.equal(app.sent[0]!.uri, 'http://app.example.com:8081/login');
    assert.equal(app.sent[0]!.body, 'username=demo&password=Ch4ng31t');
  });

  test('any other request passes unchanged, and the credentials filter does not run', async () => {
    const h = harness();
    const app = application(() => ({ body: 'page' }));
    const filter = replay(
      { loginPage: "${request.uri.path == '/login'}", credentials: 'credentials', request: loginRequest },
      h,
      [credentials],
    );
    const exchange = h.incoming({ method: 'GET', url: 'http://gw/home?x=1' });
    const { body } = await run(filter, exchange, app);
    assert.equal(body, 'page');
    assert.deepEqual(
      app.sent.map((s) => `${s.method} ${s.uri}`),
      ['GET http://gw/home?x=1'],
    );
    assert.equal(exchange.attributes.user, undefined);
  });

  test("with loginPageExtractions the page is fetched first and its values go into the login; the user gets the login's response", async () => {
    const h = harness();
    const app = application((sent) =>
      sent.method === 'GET'
        ? { body: '<form><input name="loginToken"   value="tok-123"><input name="csrf" value="c9"></form>' }
        : { body: 'logged in' },
    );
    const filter = replay(
      {
        loginPage: "${request.uri.path == '/login'}",
        loginPageExtractions: [
          { name: 'hidden', pattern: 'loginToken"\\s+value="([^"]*)"' },
          { name: 'csrf', pattern: 'name="csrf" value="([^"]*)"' },
          { name: 'captcha', pattern: 'captcha="([^"]*)"' },
        ],
        request: {
          method: 'POST',
          uri: 'http://app.example.com:8081/login',
          form: {
            username: ['MY_USERNAME'],
            hiddenValue: ['${attributes.extracted.hidden}'],
            csrf: ['${attributes.extracted.csrf}'],
            captcha: ['${attributes.extracted.captcha}'],
          },
        },
      },
      h,
    );
    const exchange = h.incoming({ method: 'GET', url: 'http://gw/login' });
    const { body } = await run(filter, exchange, app);
    assert.equal(body, 'logged in');
    assert.deepEqual(
      app.sent.map((s) => `${s.method} ${s.uri}`),
      ['GET http://gw/login', 'POST http://app.example.com:8081/login'],
    );
    assert.equal(app.sent[1]!.body, 'username=MY_USERNAME&hiddenValue=tok-123&csrf=c9');
    assert.deepEqual(
      { ...(exchange.attributes.extracted as object) },
      {
        hidden: 'tok-123',
        csrf: 'c9',
        captcha: null,
      },
    );
  });
});

describe('PasswordReplayFilter with loginPageContentMarker', () => {
  const marker = 'OpenAM\\s\\(Login\\)';

  test('a response that is not the login page is the answer: the application sees one request', async () => {
    const h = harness();
    const app = application(() => ({ body: '<title>Orders</title>' }));
    const { body } = await run(
      replay({ loginPageContentMarker: marker, request: loginRequest }, h),
      h.incoming({ url: 'http://gw/orders' }),
      app,
    );
    assert.equal(body, '<title>Orders</title>');
    assert.equal(app.sent.length, 1);
  });

  test('a login page returned: the login is sent, then the original request again, body and all', async () => {
    const h = harness();
    let loggedIn = false;
    const app = application((sent) => {
      if (sent.uri.endsWith('/login')) {
        loggedIn = true;
        return { body: 'session set' };
      }
      return { body: loggedIn ? `saved: ${sent.body}` : '<title>OpenAM (Login)</title>' };
    });
    const filter = replay(
      {
        loginPageContentMarker: marker,
        loginPageExtractions: [{ name: 'goto', pattern: 'name="goto" value="([^"]*)"' }],
        credentials: 'credentials',
        request: loginRequest,
      },
      h,
      [credentials],
    );
    const exchange = h.incoming({
      method: 'POST',
      url: 'http://gw/orders',
      headers: { 'Content-Type': 'text/plain', 'X-Order': '7' },
      body: 'two apples',
    });
    const { body } = await run(filter, exchange, app);
    assert.equal(body, 'saved: two apples');
    assert.deepEqual(
      app.sent.map((s) => `${s.method} ${s.uri}`),
      ['POST http://gw/orders', 'POST http://app.example.com:8081/login', 'POST http://gw/orders'],
    );
    assert.equal(app.sent[1]!.body, 'username=demo&password=Ch4ng31t');
    assert.deepEqual(app.sent[2]!.headers.get('X-Order'), ['7']);
    assert.deepEqual({ ...(exchange.attributes.extracted as object) }, { goto: null });
  });

  test('a response that cannot be a page (an image) is not read: it streams through', async () => {
    const h = harness();
    const app = application(() => ({ body: 'OpenAM (Login)', contentType: 'image/png' }));
    const { response, body } = await run(
      replay({ loginPageContentMarker: marker, request: loginRequest }, h),
      h.incoming({ url: 'http://gw/logo.png' }),
      app,
    );
    assert.equal(response.headers.first('Content-Type'), 'image/png');
    assert.equal(body, 'OpenAM (Login)');
    assert.equal(app.sent.length, 1);
  });

  test('a login page longer than one regular expression input is found line by line', async () => {
    const h = harness();
    const filler = `<p>${'x'.repeat(200)}</p>\n`.repeat(1000);
    let loggedIn = false;
    const app = application((sent) => {
      if (sent.uri.endsWith('/login')) {
        loggedIn = true;
        return { body: 'session set' };
      }
      return {
        body: loggedIn
          ? 'orders'
          : `${filler}<title>OpenAM (Login)</title>\n<input name="goto" value="/orders">`,
      };
    });
    const exchange = h.incoming({ method: 'GET', url: 'http://gw/orders' });
    const { body } = await run(
      replay(
        {
          loginPageContentMarker: marker,
          loginPageExtractions: [{ name: 'goto', pattern: 'name="goto" value="([^"]*)"' }],
          request: loginRequest,
        },
        h,
      ),
      exchange,
      app,
    );
    assert.equal(body, 'orders');
    assert.deepEqual({ ...(exchange.attributes.extracted as object) }, { goto: '/orders' });
  });

  test('a page declared larger than the gateway buffers is not read: it streams through', async () => {
    const h = harness();
    const big = 'x'.repeat(2 * 1024 * 1024);
    const app: Handler = {
      handle: async () =>
        new Response({
          status: 200,
          headers: Headers.fromRecord({
            'Content-Type': 'text/html',
            'Content-Length': String(big.length),
          }),
          entity: new Entity(Readable.from([Buffer.from(big)])),
        }),
    };
    const response = await replay({ loginPageContentMarker: marker, request: loginRequest }, h).filter(
      h.incoming({ url: 'http://gw/big' }),
      app,
    );
    assert.equal(response.entity.isBuffered, false);
    response.entity.discard();
  });

  test('with loginPage as well, loginPage decides, as in PingGateway', async () => {
    const h = harness();
    const app = application(() => ({ body: 'OpenAM (Login)' }));
    const { body } = await run(
      replay({ loginPage: false, loginPageContentMarker: marker, request: loginRequest }, h),
      h.incoming({ url: 'http://gw/orders' }),
      app,
    );
    assert.equal(body, 'OpenAM (Login)');
    assert.equal(app.sent.length, 1);
  });
});
