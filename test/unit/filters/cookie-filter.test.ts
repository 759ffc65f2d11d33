import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Filter, Handler } from '../../../src/heap/types.js';
import type { Exchange } from '../../../src/http/exchange.js';
import { Headers } from '../../../src/http/headers.js';
import { Response } from '../../../src/http/message.js';
import { Session } from '../../../src/http/session.js';
import { FILE, harness, run } from './harness.js';

const cookieFilter = (config: Record<string, unknown>, h = harness()): Filter =>
  h.build<Filter>([{ name: 'f', type: 'CookieFilter', config }], 'f', 'Filter');

/** A next handler that records the Cookie header it got and answers with `setCookies`. */
function backend(setCookies: string[]): Handler & { cookies: (string | undefined)[] } {
  const cookies: (string | undefined)[] = [];
  return {
    cookies,
    handle: async (exchange: Exchange) => {
      cookies.push(exchange.request.headers.get('Cookie')?.join('; '));
      return new Response({ status: 200, headers: Headers.fromRecord({ 'Set-Cookie': setCookies }) });
    },
  };
}

describe('CookieFilter config errors carry a code and a pointer', () => {
  test('defaultAction is MANAGE, SUPPRESS or RELAY', () => {
    assert.deepEqual(
      harness().errorsOf([{ name: 'f', type: 'CookieFilter', config: { defaultAction: 'KEEP' } }]),
      [`TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/defaultAction`],
    );
  });
});

describe('CookieFilter', () => {
  test('relayed cookies pass both ways; suppressed ones are removed both ways', async () => {
    const h = harness();
    const filter = cookieFilter({ suppressed: ['iPlanetDirectoryPro'], defaultAction: 'RELAY' }, h);
    const next = backend(['app=1; Path=/', 'iPlanetDirectoryPro=x; Path=/']);
    const exchange = h.incoming({
      method: 'GET',
      headers: { Cookie: 'app=0; IPLANETDIRECTORYPRO=secret; theme=dark' },
    });
    const { response } = await run(filter, exchange, next);
    assert.deepEqual(next.cookies, ['app=0; theme=dark'], 'names match in any case');
    assert.deepEqual(response.headers.get('Set-Cookie'), ['app=1; Path=/']);
  });

  test('managed cookies are kept in the session, hidden from the client, and sent on later requests', async () => {
    const h = harness();
    const filter = cookieFilter({ managed: ['JSESSIONID'], relayed: ['theme'] }, h);
    const session = new Session(() => []);
    const first = h.incoming({ method: 'GET', headers: { Cookie: 'JSESSIONID=forged; theme=dark' } });
    first.session = session;
    const login = backend(['JSESSIONID=abc123; Path=/; HttpOnly', 'theme=light']);
    const { response } = await run(filter, first, login);
    assert.deepEqual(login.cookies, ['theme=dark'], 'the client cannot send a managed cookie itself');
    assert.deepEqual(response.headers.get('Set-Cookie'), ['theme=light']);

    const second = h.incoming({ method: 'GET' });
    second.session = session;
    const later = backend(['JSESSIONID=; Max-Age=0']);
    await run(filter, second, later);
    assert.deepEqual(later.cookies, ['JSESSIONID=abc123']);

    const third = h.incoming({ method: 'GET' });
    third.session = session;
    const after = backend([]);
    await run(filter, third, after);
    assert.deepEqual(after.cookies, [undefined], 'a Set-Cookie that expires the cookie empties the jar');
  });

  test('MANAGE is the default; without a session, managed cookies are dropped', async () => {
    const h = harness();
    const next = backend(['anything=1']);
    const { response } = await run(
      cookieFilter({}, h),
      h.incoming({ method: 'GET', headers: { Cookie: 'anything=0' } }),
      next,
    );
    assert.deepEqual(next.cookies, [undefined]);
    assert.equal(response.headers.has('Set-Cookie'), false);
  });
});
