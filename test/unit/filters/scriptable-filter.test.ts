import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Filter, Handler } from '../../../src/heap/types.js';
import { Entity } from '../../../src/http/entity.js';
import { Headers } from '../../../src/http/headers.js';
import { Response } from '../../../src/http/message.js';
import { FILE, harness, recordingNext, run, type Harness } from './harness.js';

async function scriptable(config: unknown, h: Harness = harness()): Promise<Filter> {
  const filter = h.build<Filter>([{ name: 'f', type: 'ScriptableFilter', config }], 'f', 'Filter');
  await h.start();
  return filter;
}

const js = (source: string | string[], more: Record<string, unknown> = {}): Record<string, unknown> => ({
  type: 'application/javascript',
  source,
  ...more,
});

describe('ScriptableFilter config errors carry a code and a pointer', () => {
  const errorsOf = (config: unknown): string[] =>
    harness().errorsOf([{ name: 'f', type: 'ScriptableFilter', config }]);

  test('Groovy fails at load with its own code; other types, a missing source and bad args are refused', () => {
    assert.deepEqual(
      errorsOf({ type: 'application/x-groovy', source: 'return next.handle(context, request)' }),
      [`TG_CONFIG_GROOVY_UNSUPPORTED ${FILE}#/heap/0/config/type`],
    );
    assert.deepEqual(errorsOf({ type: 'text/python', source: 'x' }), [
      `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/type`,
    ]);
    assert.deepEqual(errorsOf({ type: 'application/javascript' }), [
      `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/source`,
    ]);
    assert.deepEqual(errorsOf(js('return next();', { args: { request: 1, 'not a name': 2 } })), [
      `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/args/request`,
      `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/args/not a name`,
    ]);
    assert.deepEqual(errorsOf(js('return {status: 200')), [
      `TG_CONFIG_BAD_EXPRESSION ${FILE}#/heap/0/config/source`,
    ]);
    assert.deepEqual(errorsOf({ type: 'application/javascript', file: 'missing.js' }), [
      `TG_CONFIG_READ ${FILE}#/heap/0/config/file`,
    ]);
  });

  test('the Groovy error points to the page with the JavaScript samples', () => {
    try {
      harness().build(
        [{ name: 'f', type: 'ScriptableFilter', config: { type: 'application/x-groovy', source: 'x' } }],
        'f',
        'Filter',
      );
      assert.fail('built');
    } catch (error) {
      assert.match(String(error), /docs\/scripts\.md/);
    }
  });
});

describe('ScriptableFilter', () => {
  test('adds a header and passes the request on with next()', async () => {
    const h = harness();
    const next = recordingNext();
    const filter = await scriptable(
      js(["request.headers['x-added'] = ['yes', String(args.n)];", 'return next();'], { args: { n: 3 } }),
      h,
    );
    const { response, body } = await run(
      filter,
      h.incoming({ method: 'GET', headers: { 'X-Old': 'o' } }),
      next,
    );
    assert.equal(response.status, 200);
    assert.equal(body, 'next');
    const sent = next.calls[0]!.request;
    assert.deepEqual(sent.headers.get('X-Added'), ['yes', '3']);
    assert.deepEqual(sent.headers.get('x-old'), ['o']);
    await h.stop();
  });

  test('checks a header and answers 403 without calling next', async () => {
    const h = harness();
    const next = recordingNext();
    const filter = await scriptable(
      js([
        "if (!request.headers['x-api-client']) {",
        "  return { status: 403, headers: { 'Content-Type': 'text/plain' }, entity: 'forbidden' };",
        '}',
        'return next();',
      ]),
      h,
    );
    const denied = await run(filter, h.incoming({ method: 'GET' }), next);
    assert.equal(denied.response.status, 403);
    assert.equal(denied.body, 'forbidden');
    assert.equal(next.calls.length, 0);
    const allowed = await run(filter, h.incoming({ method: 'GET', headers: { 'X-Api-Client': 'a' } }), next);
    assert.equal(allowed.response.status, 200);
    assert.equal(next.calls.length, 1);
    await h.stop();
  });

  test('changes the response in the function given to next, keeping the upstream body', async () => {
    const h = harness();
    const filter = await scriptable(
      js([
        'return next(function (response) {',
        "  response.headers['x-seen'] = [String(response.status)];",
        '  response.status = 202;',
        '  return response;',
        '});',
      ]),
      h,
    );
    const { response, body } = await run(filter, h.incoming({ method: 'GET' }));
    assert.equal(response.status, 202);
    assert.deepEqual(response.headers.get('X-Seen'), ['200']);
    assert.equal(body, 'next');
    await h.stop();
  });

  test('reads and rewrites the request entity when the script names it', async () => {
    const h = harness();
    const next = recordingNext();
    const filter = await scriptable(
      js(['request.entity = request.entity.toUpperCase();', 'return next();']),
      h,
    );
    await run(filter, h.incoming({ body: 'hello' }), next);
    const sent = next.calls[0]!.request;
    assert.equal(sent.entity.string, 'HELLO');
    assert.deepEqual(sent.headers.get('Content-Length'), ['5']);
    await h.stop();
  });

  test('writes back attributes and session, and keeps globals between calls', async () => {
    const h = harness();
    const filter = await scriptable(
      js([
        'globals.count = (globals.count || 0) + 1;',
        'attributes.count = globals.count;',
        'return { status: 200, entity: { count: globals.count, method: request.method, tx: contexts.transactionId.transactionId.value } };',
      ]),
      h,
    );
    const first = h.incoming({ method: 'GET' });
    await run(filter, first);
    assert.equal(first.attributes.count, 1);
    const { response, body } = await run(filter, h.incoming({ method: 'GET' }));
    assert.deepEqual(JSON.parse(body), { count: 2, method: 'GET', tx: 'tx-1' });
    assert.deepEqual(response.headers.get('Content-Type'), ['application/json; charset=utf-8']);
    await h.stop();
  });

  test('a script that throws is a coded 500, logged with its line and without the token it repeats', async () => {
    const h = harness();
    const filter = await scriptable(
      js(['var x = 1;', "throw new Error('bad ' + request.headers.authorization[0]);"]),
      h,
    );
    const { response } = await run(
      filter,
      h.incoming({ method: 'GET', headers: { Authorization: 'Bearer s3cr3t-token-value' } }),
    );
    assert.equal(response.status, 500);
    const line = h.logs.find((l) => l.code === 'TG_SCRIPT_FAILED');
    assert.ok(line, 'logged');
    assert.match(String(line.msg), /line 2/);
    assert.doesNotMatch(h.raw.join('\n'), /s3cr3t-token-value/);
    await h.stop();
  });

  test('logger writes to the gateway log, redacted', async () => {
    const h = harness();
    const filter = await scriptable(
      js(["logger.warn('saw ' + request.headers.authorization[0]);", 'return { status: 204 };']),
      h,
    );
    const { response } = await run(
      filter,
      h.incoming({ method: 'GET', headers: { Authorization: 'Bearer abcdefgh12345' } }),
    );
    assert.equal(response.status, 204);
    const line = h.logs.find((l) => l.script === 'f');
    assert.ok(line);
    assert.equal(line.level, 40);
    assert.doesNotMatch(h.raw.join('\n'), /abcdefgh12345/);
    await h.stop();
  });

  test('an endless loop stops at the time limit with TG_SCRIPT_TIMEOUT; a memory hog fails with TG_SCRIPT_FAILED', async () => {
    const h = harness();
    const loop = await scriptable(js('while (true) {}', { limits: { timeMs: 20 } }), h);
    assert.equal((await run(loop, h.incoming({ method: 'GET' }))).response.status, 500);
    assert.ok(h.logs.some((l) => l.code === 'TG_SCRIPT_TIMEOUT'));
    await h.stop();
    const h2 = harness();
    const hog = await scriptable(
      js('var a = new Array(4000000).fill(1); return next();', {
        limits: { memoryBytes: 2097152, timeMs: 5000 },
      }),
      h2,
    );
    assert.equal((await run(hog, h2.incoming({ method: 'GET' }))).response.status, 500);
    assert.ok(h2.logs.some((l) => l.code === 'TG_SCRIPT_FAILED'));
    await h2.stop();
  });

  test('a returned value that is no response is a coded 500', async () => {
    const h = harness();
    const filter = await scriptable(js('return { status: 99 };'), h);
    assert.equal((await run(filter, h.incoming({ method: 'GET' }))).response.status, 500);
    assert.ok(h.logs.some((l) => l.code === 'TG_SCRIPT_FAILED'));
    await h.stop();
  });

  test("reads a relative file from the config directory's scripts/js", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-scripts-'));
    mkdirSync(join(dir, 'scripts', 'js'), { recursive: true });
    writeFileSync(join(dir, 'scripts', 'js', 'teapot.js'), 'return { status: 418 };\n');
    const h = harness({ configDirectory: dir });
    const filter = await scriptable({ type: 'application/javascript', file: 'teapot.js' }, h);
    assert.equal((await run(filter, h.incoming({ method: 'GET' }))).response.status, 418);
    await h.stop();
  });

  test('the response phase sees the upstream status and headers', async () => {
    const h = harness();
    const upstream: Handler = {
      handle: async () =>
        new Response({
          status: 404,
          headers: Headers.fromRecord({ 'X-Up': 'u' }),
          entity: new Entity('gone'),
        }),
    };
    const filter = await scriptable(
      js("return next(function (r) { return { status: 200, entity: r.headers['x-up'][0] + r.status }; });"),
      h,
    );
    const { body } = await run(filter, h.incoming({ method: 'GET' }), upstream);
    assert.equal(body, 'u404');
    await h.stop();
  });

  test("a failure behind next() is not the script's: it goes on as it was", async () => {
    const h = harness();
    const failing: Handler = {
      handle: () => Promise.reject(new Error('downstream broke')),
    };
    const filter = await scriptable(js('return next(function (r) { return r; });'), h);
    await assert.rejects(filter.filter(h.incoming({ method: 'GET' }), failing), /downstream broke/);
    assert.ok(!h.logs.some((l) => l.code === 'TG_SCRIPT_FAILED'));
    await h.stop();
  });
});
