import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createBuiltinRegistry } from '../../../src/builtins.js';
import { ConfigFileReader } from '../../../src/config/file-reader.js';
import { ConfigErrors, TollgateError } from '../../../src/errors/tollgate-error.js';
import { loadAdminConfig, loadGatewayConfig, locateInstance } from '../../../src/server/instance.js';

let root: string;
let count = 0;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tollgate-instance-'));
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A new directory holding `files` (path → content; objects as JSON, a trailing / for a folder). */
async function instance(files: Record<string, unknown>): Promise<string> {
  const dir = join(root, `instance-${count++}`);
  await mkdir(dir);
  for (const [path, content] of Object.entries(files)) {
    if (path.endsWith('/')) {
      await mkdir(join(dir, path), { recursive: true });
      continue;
    }
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

/** The "CODE file#pointer" of each error a load gives, with the file's name only. */
async function errorsOf(load: Promise<unknown>): Promise<string[]> {
  try {
    await load;
    return [];
  } catch (error) {
    const errors = error instanceof ConfigErrors ? error.errors : [error];
    return errors.map((e) => {
      assert.ok(e instanceof TollgateError, String(e));
      return `${e.code} ${basename(e.place?.file ?? '?')}#${e.place?.pointer}`;
    });
  }
}

describe('locateInstance', () => {
  test('finds admin.json and config.json in the directory itself, with the routes under it', async () => {
    const dir = await instance({ 'admin.json': {}, 'config.json': {}, 'config/admin.json': {} });
    assert.deepEqual(locateInstance(dir, undefined), {
      instanceDirectory: dir,
      configDirectory: dir,
      adminFile: join(dir, 'admin.json'),
      configFile: join(dir, 'config.json'),
      routesDirectory: join(dir, 'routes'),
    });
  });

  test("takes PingGateway's config/ sub-folder when the directory holds neither file", async () => {
    const dir = await instance({ 'config/admin.json': {}, 'config/config.json': {}, 'routes/': '' });
    assert.deepEqual(locateInstance(dir, undefined), {
      instanceDirectory: dir,
      configDirectory: join(dir, 'config'),
      adminFile: join(dir, 'config', 'admin.json'),
      configFile: join(dir, 'config', 'config.json'),
      routesDirectory: join(dir, 'config', 'routes'),
    });
  });

  test('one file in the directory is enough to keep it: the sub-folder is not looked into', async () => {
    const dir = await instance({ 'config.json': {}, 'config/admin.json': {} });
    assert.deepEqual(locateInstance(dir, undefined), {
      instanceDirectory: dir,
      configDirectory: dir,
      adminFile: undefined,
      configFile: join(dir, 'config.json'),
      routesDirectory: join(dir, 'routes'),
    });
  });

  test('with neither file, there are none, and a file named config is not the sub-folder', async () => {
    const empty = await instance({});
    assert.deepEqual(locateInstance(empty, undefined), {
      instanceDirectory: empty,
      configDirectory: empty,
      adminFile: undefined,
      configFile: undefined,
      routesDirectory: join(empty, 'routes'),
    });
    const withFile = await instance({ config: 'not a folder', 'routes/a.json': {} });
    assert.equal(locateInstance(withFile, undefined).routesDirectory, join(withFile, 'routes'));
  });

  test('relative directories are resolved from the working directory; an explicit routes directory wins', async () => {
    const dir = await instance({ 'admin.json': {}, 'elsewhere/routes/': '' });
    assert.equal(locateInstance(undefined, undefined).configDirectory, process.cwd());
    const routes = relative(process.cwd(), join(dir, 'elsewhere', 'routes'));
    const located = locateInstance(join(dir, 'x', '..'), routes);
    assert.equal(located.adminFile, join(dir, 'admin.json'));
    assert.equal(located.routesDirectory, resolve(routes));
  });

  test('an explicit routes directory that is missing or a file is an error; the default may be missing', async () => {
    const dir = await instance({ 'admin.json': {}, 'routes.json': {} });
    for (const [routes, what] of [
      [join(dir, 'nope'), 'does not exist'],
      [join(dir, 'routes.json'), 'is not a directory'],
    ] as const) {
      assert.throws(
        () => locateInstance(dir, routes),
        (error: unknown) =>
          error instanceof TollgateError &&
          error.code === 'TG_START_ROUTES_DIRECTORY' &&
          error.place?.pointer === '/routes' &&
          error.detail === `the routes directory ${routes} ${what}`,
      );
    }
    assert.equal(locateInstance(dir, undefined).routesDirectory, join(dir, 'routes'));
  });
});

describe('loading admin.json and config.json', () => {
  let reader: ConfigFileReader;
  const registry = createBuiltinRegistry();

  before(() => {
    reader = new ConfigFileReader();
  });

  after(async () => {
    await reader.close();
  });

  const admin = async (content: unknown, env: Record<string, string> = {}): Promise<unknown> => {
    const dir = await instance({ 'admin.json': content });
    return loadAdminConfig(join(dir, 'admin.json'), env, reader, registry);
  };

  const config = async (content: unknown, adminProperties?: Record<string, unknown>): Promise<unknown> => {
    const dir = await instance({ 'config.json': content });
    return loadGatewayConfig(join(dir, 'config.json'), { properties: adminProperties }, {}, reader, registry);
  };

  test('no file is no settings', async () => {
    assert.deepEqual(await loadAdminConfig(undefined, {}, reader, registry), {});
    assert.deepEqual(await loadGatewayConfig(undefined, {}, {}, reader, registry), {});
  });

  test("admin.json's tokens resolve from its own properties and the environment", async () => {
    const loaded = await admin(
      {
        properties: { gateway: { prefix: 'gw' } },
        prefix: '&{gateway.prefix}',
        connectors: [{ port: 8080, host: '&{bind.host}' }],
      },
      { BIND_HOST: '127.0.0.1' },
    );
    assert.deepEqual(loaded, {
      properties: { gateway: { prefix: 'gw' } },
      prefix: 'gw',
      connectors: [{ port: 8080, host: '127.0.0.1' }],
    });
  });

  test("config.json's tokens resolve from its own properties first, then admin.json's", async () => {
    const loaded = await config(
      {
        properties: { shared: 'own' },
        baseURI: 'http://&{shared}.test',
        heap: [
          { name: 'h', type: 'StaticResponseHandler', comment: '&{adminOnly}', config: { status: 200 } },
        ],
      },
      { shared: 'admin', adminOnly: 'from admin.json' },
    );
    assert.deepEqual(loaded, {
      properties: { shared: 'own' },
      baseURI: 'http://own.test',
      heap: [
        { name: 'h', type: 'StaticResponseHandler', comment: 'from admin.json', config: { status: 200 } },
      ],
    });
  });

  test('a port, a size or a port list from a token is a number where admin.json wants one', async () => {
    const loaded = await admin(
      {
        properties: { listen: { port: 8090 } },
        connectors: [{ port: '&{listen.port|8085}' }, { port: ['&{tls.port|8443}', 9443] }],
        adminConnector: { port: '&{admin.port}' },
        maxBodyLength: '&{max.body|1024}',
        prefix: '&{prefix|8080}',
      },
      { ADMIN_PORT: '8086' },
    );
    assert.deepEqual(loaded, {
      properties: { listen: { port: 8090 } },
      connectors: [{ port: 8090 }, { port: [8443, 9443] }],
      adminConnector: { port: 8086 },
      maxBodyLength: 1024,
      prefix: '8080',
    });
  });

  test('a token that gives no number where admin.json wants one is TG_CONFIG_BAD_VALUE; a literal string stays a schema error', async () => {
    assert.deepEqual(
      await errorsOf(
        admin(
          { connectors: [{ port: '&{listen.port}' }, { port: '8080' }, { port: 'x&{listen.port}' }] },
          { LISTEN_PORT: 'eighty' },
        ),
      ),
      [
        'TG_CONFIG_BAD_VALUE admin.json#/connectors/0/port',
        'TG_CONFIG_SCHEMA admin.json#/connectors/1/port',
        'TG_CONFIG_SCHEMA admin.json#/connectors/2/port',
      ],
    );
  });

  test('every error of admin.json is listed with its code and pointer', async () => {
    assert.deepEqual(
      await errorsOf(
        admin({
          conectors: [],
          connectors: [{ port: 70000, tls: { keyFile: 'k.pem' } }, { host: 'h' }],
          prefix: 'a/b',
          mode: 'debug',
          maxBodyLength: 0,
        }),
      ),
      [
        'TG_CONFIG_UNKNOWN_PROPERTY admin.json#/conectors',
        'TG_CONFIG_SCHEMA admin.json#/connectors/0/port',
        'TG_CONFIG_MISSING_PROPERTY admin.json#/connectors/0/tls/certFile',
        'TG_CONFIG_MISSING_PROPERTY admin.json#/connectors/1/port',
        'TG_CONFIG_SCHEMA admin.json#/prefix',
        'TG_CONFIG_SCHEMA admin.json#/mode',
        'TG_CONFIG_SCHEMA admin.json#/maxBodyLength',
      ],
    );
  });

  test('a file that cannot be read, parsed or resolved names the file, and the pointer where there is one', async () => {
    const dir = await instance({ 'admin.json': '{ "prefix": ', 'config.json': { baseURI: '&{nowhere}' } });
    assert.deepEqual(await errorsOf(loadAdminConfig(join(dir, 'admin.json'), {}, reader, registry)), [
      `TG_CONFIG_PARSE admin.json#`,
    ]);
    assert.deepEqual(await errorsOf(loadGatewayConfig(join(dir, 'config.json'), {}, {}, reader, registry)), [
      `TG_CONFIG_UNRESOLVED_TOKEN config.json#/baseURI`,
    ]);
    assert.deepEqual(await errorsOf(loadAdminConfig(join(dir, 'gone.json'), {}, reader, registry)), [
      `TG_CONFIG_READ gone.json#`,
    ]);
  });

  test('every error of config.json is listed with its code and pointer', async () => {
    // Other top-level keys are decorations, checked when the heap is built (generation.test.ts).
    assert.deepEqual(await errorsOf(config({ hanlder: 'x', heap: {}, globalDecorators: [] })), [
      'TG_CONFIG_SCHEMA config.json#/heap',
      'TG_CONFIG_SCHEMA config.json#/globalDecorators',
    ]);
  });
});
