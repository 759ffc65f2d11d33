import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Handler } from '../../../src/heap/types.js';
import { FILE, harness } from '../filters/harness.js';

describe('ScriptableHandler', () => {
  test('answers with the response the script builds, from the request and args', async () => {
    const h = harness();
    const handler = h.build<Handler>(
      [
        {
          name: 'h',
          type: 'ScriptableHandler',
          config: {
            type: 'application/javascript',
            source: [
              "return { status: 200, headers: { 'X-Greeting': greeting }, entity: request.uriParts.path };",
            ],
            args: { greeting: 'hello' },
          },
        },
      ],
      'h',
      'Handler',
    );
    await h.start();
    const response = await handler.handle(h.incoming({ method: 'GET', url: 'http://gw/a/b' }));
    assert.equal(response.status, 200);
    assert.deepEqual(response.headers.get('x-greeting'), ['hello']);
    await response.entity.load(1024, 'TG_UPSTREAM_RESPONSE_TOO_LARGE');
    assert.equal(response.entity.string, '/a/b');
    await h.stop();
  });

  test('has no next: calling it is a coded 500', async () => {
    const h = harness();
    const handler = h.build<Handler>(
      [
        {
          name: 'h',
          type: 'ScriptableHandler',
          config: { type: 'application/javascript', source: 'return next();' },
        },
      ],
      'h',
      'Handler',
    );
    await h.start();
    assert.equal((await handler.handle(h.incoming({ method: 'GET' }))).status, 500);
    assert.ok(h.logs.some((l) => l.code === 'TG_SCRIPT_FAILED'));
    await h.stop();
  });

  test('Groovy fails at load with TG_CONFIG_GROOVY_UNSUPPORTED', () => {
    assert.deepEqual(
      harness().errorsOf([
        { name: 'h', type: 'ScriptableHandler', config: { type: 'application/x-groovy', file: 'a.groovy' } },
      ]),
      [`TG_CONFIG_GROOVY_UNSUPPORTED ${FILE}#/heap/0/config/type`],
    );
  });
});
