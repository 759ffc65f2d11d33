// ScriptableFilter and ScriptableHandler in routes, over real sockets: a client, the gateway and a
// backend that echoes what reaches it. A runaway script must not hold up the other requests.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { startBackend, type Backend } from '../fixtures/backend.js';
import { eventually, startTestGateway, type TestGateway } from '../fixtures/gateway.js';

describe('scripts in routes', () => {
  let backend: Backend;
  let tg: TestGateway;

  before(async () => {
    backend = await startBackend();
    tg = await startTestGateway({
      routes: {
        'add-header.json': {
          condition: "${find(request.uri.path, '^/add')}",
          baseURI: backend.url,
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'ScriptableFilter',
                  config: {
                    type: 'application/javascript',
                    source: [
                      "if (!request.headers['x-client']) return { status: 403, entity: 'no client' };",
                      "request.headers['x-scripted'] = [tag];",
                      "return next(function (response) { response.headers['x-after'] = ['yes']; return response; });",
                    ],
                    args: { tag: 'from-script' },
                  },
                },
              ],
              handler: 'ReverseProxyHandler',
            },
          },
        },
        'loop.json': {
          condition: "${find(request.uri.path, '^/loop')}",
          handler: {
            type: 'ScriptableHandler',
            config: { type: 'application/javascript', source: 'while (true) {}', limits: { timeMs: 200 } },
          },
        },
        'hello.json': {
          condition: "${find(request.uri.path, '^/hello')}",
          handler: {
            type: 'ScriptableHandler',
            config: { type: 'application/javascript', file: 'hello.js' },
          },
        },
      },
    });
    await mkdir(join(tg.dir, 'scripts', 'js'), { recursive: true });
  });

  after(async () => {
    await tg.close();
    await backend.close();
  });

  test('a filter script adds a header to the proxied request and one to the response', async () => {
    const answer = await request(`${tg.url}/add/x`, { headers: { 'X-Client': 'c1' } });
    const echoed = (await answer.body.json()) as { headers: Record<string, string> };
    assert.equal(answer.statusCode, 200);
    assert.equal(echoed.headers['x-scripted'], 'from-script');
    assert.equal(answer.headers['x-after'], 'yes');
  });

  test('a filter script answers 403 itself when a header is missing', async () => {
    const before = backend.requests.length;
    const answer = await request(`${tg.url}/add/x`);
    assert.equal(answer.statusCode, 403);
    assert.equal(await answer.body.text(), 'no client');
    assert.equal(backend.requests.length, before);
  });

  test('an endless loop is a 500 TG_SCRIPT_TIMEOUT and the gateway keeps serving', async () => {
    const loops = Array.from({ length: 3 }, () => request(`${tg.url}/loop`));
    const other = await request(`${tg.url}/add/y`, { headers: { 'X-Client': 'c2' } });
    assert.equal(other.statusCode, 200);
    await other.body.dump();
    for (const loop of await Promise.all(loops)) {
      assert.equal(loop.statusCode, 500);
      await loop.body.dump();
    }
    assert.equal(tg.logs.filter((l) => l.code === 'TG_SCRIPT_TIMEOUT').length, 3);
  });

  test('a Groovy route fails at load with TG_CONFIG_GROOVY_UNSUPPORTED, the others keep serving', async () => {
    await tg.writeRoute('groovy.json', {
      condition: "${find(request.uri.path, '^/groovy')}",
      handler: {
        type: 'ScriptableHandler',
        config: { type: 'application/x-groovy', source: 'return response' },
      },
    });
    await eventually(() => {
      assert.ok(
        tg.logs.some(
          (l) =>
            l.code === 'TG_CONFIG_GROOVY_UNSUPPORTED' ||
            String(l.msg).includes('TG_CONFIG_GROOVY_UNSUPPORTED'),
        ),
      );
    });
    const answer = await request(`${tg.url}/add/z`, { headers: { 'X-Client': 'c3' } });
    assert.equal(answer.statusCode, 200);
    await answer.body.dump();
  });

  test("a handler script read from the config directory's scripts/js", async () => {
    await writeFile(
      join(tg.dir, 'scripts', 'js', 'hello.js'),
      "return { status: 200, entity: 'hello ' + request.method };\n",
    );
    // The route was built before the file existed; touching it rebuilds it.
    await tg.writeRoute('hello.json', {
      condition: "${find(request.uri.path, '^/hello')}",
      handler: { type: 'ScriptableHandler', config: { type: 'application/javascript', file: 'hello.js' } },
    });
    await eventually(async () => {
      const answer = await request(`${tg.url}/hello`);
      assert.equal(await answer.body.text(), 'hello GET');
    });
  });
});
