import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { ResourceAccess } from '../../../src/services/scriptable-resource-access.js';
import { FILE, harness, type IncomingInit } from '../filters/harness.js';

function access(
  config: Record<string, unknown>,
  configDirectory?: string,
): ReturnType<typeof harness> & { access: ResourceAccess } {
  const h = harness({ configDirectory });
  const built = h.build<ResourceAccess>(
    [
      {
        name: 'scopes',
        type: 'ScriptableResourceAccess',
        config: { type: 'application/x-jsonata', ...config },
      },
    ],
    'scopes',
    'ResourceAccess',
  );
  return Object.assign(h, { access: built });
}

async function scopesFor(
  config: Record<string, unknown>,
  init: IncomingInit = {},
): Promise<readonly string[]> {
  const h = access(config);
  return h.access.scopes(h.incoming(init));
}

describe('ScriptableResourceAccess', () => {
  test("the docs' example: scopes by path", async () => {
    const source = ["$contains(request.path, '/employee')", "  ? ['mail', 'employeenumber']", "  : 'mail'"];
    assert.deepEqual(await scopesFor({ source }, { url: 'http://gw/rs-tokeninfo/employee' }), [
      'mail',
      'employeenumber',
    ]);
    assert.deepEqual(await scopesFor({ source }, { url: 'http://gw/rs-tokeninfo' }), ['mail']);
  });

  test('reads method, lower-cased headers, query, contexts and args', async () => {
    const h = access({
      source:
        "[request.method, request.headers.'x-tenant', request.query.q, contexts.client.remoteAddress, args.fixed]",
      args: { fixed: 'read' },
    });
    const exchange = h.incoming({
      method: 'PUT',
      url: 'http://gw/x?q=one&q=two',
      headers: { 'X-Tenant': 'acme' },
    });
    assert.deepEqual(await h.access.scopes(exchange), ['PUT', 'acme', 'one', 'two', '127.0.0.1', 'read']);
  });

  test('[] means no scopes; no result, numbers and objects are failures', async () => {
    assert.deepEqual(await scopesFor({ source: '[]' }), []);
    for (const source of ['request.nosuchfield', '42', "{ 'a': 'b' }", "['a', 1]"]) {
      await assert.rejects(scopesFor({ source }), { code: 'TG_RESOURCE_ACCESS_FAILED' }, source);
    }
  });

  test('a runaway expression is stopped by the time limit', async () => {
    const started = Date.now();
    await assert.rejects(
      scopesFor({ source: '($f := function($x) { $x > 0 ? $f($x + 1) : 0 }; $f(1))' }),
      (error: Error) => /D1011|D1012/.test(error.message),
    );
    assert.ok(Date.now() - started < 2000);
  });

  test('no prototype, constructor or function of the host is reachable', async () => {
    for (const source of ['request.constructor', 'request.__proto__', "$lookup(args, 'constructor')"]) {
      await assert.rejects(scopesFor({ source, args: {} }), { code: 'TG_RESOURCE_ACCESS_FAILED' }, source);
    }
  });

  test('source from a file relative to the config directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tollgate-jsonata-'));
    try {
      await writeFile(join(dir, 'scopes.jsonata'), "'mail'");
      const h = access({ file: 'scopes.jsonata' }, dir);
      assert.deepEqual(await h.access.scopes(h.incoming()), ['mail']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('config errors', () => {
    const errorsOf = (config: Record<string, unknown>): string[] =>
      harness().errorsOf([{ name: 's', type: 'ScriptableResourceAccess', config }]);
    const jsonata = 'application/x-jsonata';
    assert.deepEqual(errorsOf({ type: 'application/x-groovy', source: 'x' }), [
      `TG_CONFIG_GROOVY_UNSUPPORTED ${FILE}#/heap/0/config/type`,
    ]);
    assert.deepEqual(errorsOf({ type: 'text/x-python', source: 'x' }), [
      `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/type`,
    ]);
    assert.deepEqual(errorsOf({ type: 'application/javascript', source: 'return [' }), [
      `TG_CONFIG_BAD_EXPRESSION ${FILE}#/heap/0/config/source`,
    ]);
    assert.deepEqual(errorsOf({ type: jsonata, source: "request.path = '" }), [
      `TG_CONFIG_BAD_EXPRESSION ${FILE}#/heap/0/config/source`,
    ]);
    assert.deepEqual(errorsOf({ type: jsonata }), [
      `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/source`,
    ]);
    assert.deepEqual(errorsOf({ type: jsonata, source: "'a'", file: 'x' }), [
      `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/source`,
    ]);
    assert.deepEqual(errorsOf({ type: jsonata, file: 'no-such-file.jsonata' }), [
      `TG_CONFIG_READ ${FILE}#/heap/0/config/file`,
    ]);
    assert.deepEqual(errorsOf({ type: jsonata, source: "'a'", clientHandler: 'ClientHandler' }), [
      `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/clientHandler`,
    ]);
  });
});

describe('ScriptableResourceAccess in JavaScript', () => {
  async function scripted(source: string, init: IncomingInit = {}, args?: Record<string, unknown>) {
    const h = access({ type: 'application/javascript', source, ...(args ? { args } : {}) });
    await h.start();
    try {
      return await h.access.scopes(h.incoming(init));
    } finally {
      await h.stop();
    }
  }

  test('scopes by path, from the request, args and contexts', async () => {
    const source =
      "return request.uriParts.path.indexOf('/employee') >= 0 ? ['mail', 'employeenumber', args.extra] : 'mail';";
    assert.deepEqual(await scripted(source, { url: 'http://gw/rs/employee' }, { extra: 'x' }), [
      'mail',
      'employeenumber',
      'x',
    ]);
    assert.deepEqual(await scripted(source, { url: 'http://gw/rs' }, { extra: 'x' }), ['mail']);
    assert.deepEqual(
      await scripted(
        "return [request.method, request.headers['x-tenant'][0], contexts.client.remoteAddress];",
        {
          method: 'PUT',
          headers: { 'X-Tenant': 'acme' },
        },
      ),
      ['PUT', 'acme', '127.0.0.1'],
    );
  });

  test('[] is no scopes; nothing, a number, a throw or a runaway loop fail with TG_RESOURCE_ACCESS_FAILED', async () => {
    assert.deepEqual(await scripted('return [];'), []);
    for (const [source, reason] of [
      ['return;', /no result/],
      ['return 7;', /a number/],
      ["throw new Error('no rule');", /TG_SCRIPT_FAILED: .*no rule/],
      ['for (;;) {}', /TG_SCRIPT_TIMEOUT/],
    ] as const) {
      await assert.rejects(scripted(source), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'TG_RESOURCE_ACCESS_FAILED');
        assert.match(error.message, reason);
        return true;
      });
    }
  });

  test('a script has no session binding: it is not a request filter', async () => {
    await assert.rejects(scripted('return session ? [] : [];'), /ReferenceError/);
  });
});
