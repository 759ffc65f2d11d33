import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startBackend, type Backend } from '../fixtures/backend.js';
import { startTestGateway, type TestGateway } from '../fixtures/gateway.js';
import { sendRaw, statusOf } from '../fixtures/requests.js';

/** Sends one raw HTTP/1.1 request: its status code and the whole answer. */
async function raw(port: number, head: string): Promise<{ status: number; text: string }> {
  const text = await sendRaw(port, `${head}\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
  return { status: statusOf(text), text };
}

describe('one request target, one path', () => {
  let backend: Backend;
  let tg: TestGateway;
  let port: number;

  before(async () => {
    backend = await startBackend();
    tg = await startTestGateway({
      routes: {
        '00-deny-admin.json': {
          condition: "${find(request.uri.path, '^/admin')}",
          handler: { type: 'StaticResponseHandler', config: { status: 403, entity: 'denied' } },
        },
        '10-proxy.json': { baseURI: backend.url, handler: 'ReverseProxyHandler' },
      },
    });
    port = Number(new URL(tg.url).port);
  });

  after(async () => {
    await tg.close();
    await backend.close();
  });

  test('no spelling of a denied path reaches the backend', async () => {
    const spellings = [
      '/admin/secret',
      '//admin/secret',
      '///admin//secret',
      '/./admin/secret',
      '/x/../admin/secret',
      '/x/./y/../../admin/secret',
      '/../admin/secret',
      '/%61dmin/secret',
      '/%61%64%6d%69%6e/secret',
      '/%2e/admin/secret',
      '/%2e%2e/admin/secret',
      '/x/%2E%2E/admin/secret',
      '/x/.%2e/admin/secret',
      '/public/..%2Fadmin/secret',
      '/public/%2e%2e%2fadmin/secret',
      '/public/..%5Cadmin/secret',
      '/public/..\\admin/secret',
      '/admin%2Fsecret',
      '/admin%00/secret',
      '/admin%0d%0a/secret',
      '/admin/secret#x',
      '/admin%zz',
      `http://127.0.0.1:${port}/admin/secret`,
      `HTTP://127.0.0.1:${port}/public/../admin/secret`,
      `http://user:pw@127.0.0.1:${port}/admin/secret`,
      `http://user@127.0.0.1:${port}/public/x`,
      'http://backend.invalid/admin/secret',
      `ftp://127.0.0.1:${port}/admin/secret`,
      '*',
    ];
    for (const spelling of spellings) {
      const { status, text } = await raw(port, `GET ${spelling} HTTP/1.1`);
      assert.ok(status === 403 || status === 400, `${spelling}: ${status} ${text.slice(0, 80)}`);
    }
    const reached = backend.requests.map((r) => r.url);
    assert.deepEqual(
      reached.filter((url) => /admin/i.test(decodeURIComponent(url.replace(/%(?![0-9a-f]{2})/gi, '%25')))),
      [],
    );
    assert.ok(
      backend.requests.every((r) => !JSON.stringify(r.headers).includes('pw')),
      'no userinfo is forwarded',
    );
  });

  test('the backend gets the path the route saw, and the query as sent', async () => {
    const before = backend.requests.length;
    for (const spelling of [
      '/public/./a//b/../c?x=%2e%2e/&y',
      `http://127.0.0.1:${port}/public/a/c?x=%2e%2e/&y`,
      '/public/%61/c?x=%2e%2e/&y',
    ]) {
      const { status } = await raw(port, `GET ${spelling} HTTP/1.1`);
      assert.equal(status, 200, spelling);
    }
    assert.deepEqual(
      backend.requests.slice(before).map((r) => r.url),
      ['/public/a/c?x=%2e%2e/&y', '/public/a/c?x=%2e%2e/&y', '/public/a/c?x=%2e%2e/&y'],
    );
  });

  test('an absolute-form target names the host the route sees, without the Host header', async () => {
    const before = backend.requests.length;
    const { status } = await raw(port, 'GET http://api.example:8443/public/host HTTP/1.1');
    assert.equal(status, 200);
    assert.equal(backend.requests[before]?.headers['x-forwarded-host'], 'api.example:8443');
  });

  test('CONNECT gets 501 and asterisk-form 400, and the gateway goes on serving', async () => {
    const connectAnswer = await raw(port, `CONNECT 127.0.0.1:${backend.port} HTTP/1.1`);
    assert.equal(connectAnswer.status, 501);
    assert.equal((await raw(port, 'OPTIONS * HTTP/1.1')).status, 400);
    assert.equal((await raw(port, 'GET /public/after HTTP/1.1')).status, 200);
    assert.ok(tg.logs.some((l) => l.code === 'TG_REQUEST_BAD_TARGET'));
  });
});
