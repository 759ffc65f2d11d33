// The route model PingGateway files rely on, over real sockets: an AuditService writing access
// events to a file, DispatchHandler bindings with names, contexts.router and the openig
// directories in a header, and route and config.json properties read as variables.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startBackend, type Backend } from '../fixtures/backend.js';
import { eventually, startTestGateway, type TestGateway } from '../fixtures/gateway.js';
import { getText } from '../fixtures/requests.js';

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';

describe('the route model over real sockets', () => {
  let gw: TestGateway;
  let backend: Backend;

  before(async () => {
    backend = await startBackend();
    gw = await startTestGateway({
      files: {
        'config.json': {
          properties: { site: { name: 'tollgate-test' } },
          handler: {
            type: 'Router',
            name: '_router',
            config: { directory: '${openig.configDirectory}/routes' },
          },
        },
      },
      routes: {
        'audited.json': {
          name: 'audited',
          condition: "${find(request.uri.path, '^/audited')}",
          heap: [
            {
              name: 'AuditService',
              type: 'AuditService',
              config: {
                eventHandlers: [
                  {
                    class: 'org.forgerock.audit.handlers.json.JsonAuditEventHandler',
                    config: {
                      name: 'json',
                      logDirectory: '${openig.instanceDirectory}/audit',
                      topics: ['access'],
                      buffering: { maxSize: 100000, writeInterval: '100 ms' },
                    },
                  },
                ],
              },
            },
          ],
          auditService: 'AuditService',
          baseURI: backend.url,
          handler: 'ReverseProxyHandler',
        },
        'dispatch.json': {
          name: 'dispatch',
          condition: "${find(request.uri.path, '^/dispatch/')}",
          handler: {
            type: 'DispatchHandler',
            config: {
              bindings: [
                {
                  name: 'reads',
                  condition: "${request.method == 'GET'}",
                  capture: 'all',
                  handler: { type: 'StaticResponseHandler', config: { status: 200, entity: 'read' } },
                },
                {
                  name: 'writes',
                  handler: { type: 'StaticResponseHandler', config: { status: 202, entity: 'written' } },
                },
              ],
            },
          },
        },
        'bindings.json': {
          name: 'bindings',
          condition: "${find(request.uri.path, '^/bindings/')}",
          properties: { prop: { x: 1, label: 'from the route' } },
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'HeaderFilter',
                  config: {
                    messageType: 'RESPONSE',
                    add: {
                      'X-Remaining': ['${contexts.router.remainingUri}'],
                      'X-Matched': ['[${contexts.router.matchedUri}]'],
                      'X-Original': ['${contexts.router.originalUri.path}'],
                      'X-Prop': ['${prop.x} ${prop.label}'],
                      'X-Site': ['${site.name}'],
                      'X-Config-Dir': ['${openig.configDirectory}'],
                      'X-Context': ['${context.name} ${context.parent.name}'],
                    },
                  },
                },
              ],
              handler: { type: 'StaticResponseHandler', config: { status: 200, entity: '${prop.label}' } },
            },
          },
        },
      },
    });
  });

  after(async () => {
    await gw.close();
    await backend.close();
  });

  test('the JSON audit handler writes one access event per request, and no token', async () => {
    const file = join(gw.dir, 'audit', 'access.audit.json');
    for (const path of ['/audited/one', `/audited/two?access_token=${TOKEN}`]) {
      const { status } = await getText(`${gw.url}${path}`, {
        Authorization: `Bearer ${TOKEN}`,
        Cookie: 'iPlanetDirectoryPro=AQIC5w',
      });
      assert.equal(status, 200);
    }
    await getText(`${gw.url}/dispatch/not-audited`);
    let events: Record<string, unknown>[] = [];
    await eventually(async () => {
      const text = await readFile(file, 'utf8');
      events = text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      assert.equal(events.length, 2);
    });
    const text = await readFile(file, 'utf8');
    assert.doesNotMatch(text, /eyJ|AQIC5w|access_token/);
    const paths = events.map((e) => (e.http as { request: { path: string } }).request.path);
    assert.deepEqual(
      paths.map((p) => new URL(p).pathname),
      ['/audited/one', '/audited/two'],
    );
    for (const event of events) {
      assert.equal(event.eventName, 'OPENIG-HTTP-ACCESS');
      assert.deepEqual(event.ig, { routeId: 'audited', routeName: 'audited' });
      assert.equal((event.response as { statusCode: string }).statusCode, '200');
    }
    assert.equal(backend.requests.length, 2);
  });

  test('a DispatchHandler picks its bindings by condition; the named binding that answers is logged', async () => {
    assert.deepEqual(await getText(`${gw.url}/dispatch/a`), { status: 200, body: 'read' });
    const res = await fetch(`${gw.url}/dispatch/b`, { method: 'POST', body: 'x' });
    assert.deepEqual([res.status, await res.text()], [202, 'written']);
    const chosen = gw.logs.filter((l) => l.binding !== undefined).map((l) => l.binding);
    assert.deepEqual(chosen.slice(-2), ['reads', 'writes']);
    assert.ok(gw.logs.some((l) => l.capture === 'request'));
  });

  test('contexts.router, openig, context and route and config.json properties are variables in a header filter', async () => {
    const res = await fetch(`${gw.url}/bindings/deep/path?q=1`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'from the route');
    assert.equal(res.headers.get('x-remaining'), '/bindings/deep/path');
    assert.equal(res.headers.get('x-matched'), '[]');
    assert.equal(res.headers.get('x-original'), '/bindings/deep/path');
    assert.equal(res.headers.get('x-prop'), '1 from the route');
    assert.equal(res.headers.get('x-site'), 'tollgate-test');
    assert.equal(res.headers.get('x-config-dir'), gw.dir);
    assert.equal(res.headers.get('x-context'), 'router transactionId');
  });
});
