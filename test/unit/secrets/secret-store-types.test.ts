import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { resolveSecretsProvider } from '../../../src/secrets/secret-store-types.js';
import { Base64EncodedSecretStore } from '../../../src/secrets/base64-encoded-secret-store.js';
import { FileSystemSecretStore } from '../../../src/secrets/file-system-secret-store.js';
import { storesHold, type SecretStore } from '../../../src/secrets/secret.js';
import { SecretsProvider } from '../../../src/secrets/secrets-provider.js';
import { SystemAndEnvSecretStore } from '../../../src/secrets/system-and-env-secret-store.js';
import { TollgateError, type ConfigErrors } from '../../../src/errors/tollgate-error.js';
import { Entity } from '../../../src/http/entity.js';
import { Response } from '../../../src/http/message.js';
import { memoryLogger, type LogLine } from '../../fixtures/gateway.js';
import { testHeap } from '../../fixtures/heap.js';
import { FILE, harness, json } from '../filters/harness.js';

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** Resolves a `secretsProvider` setting the way the filters do, inside a heap holding `heap`. */
function providerFor(
  setting: unknown,
  heap: unknown[] = [],
  env: Record<string, string> = {},
): SecretsProvider {
  const context = harness({ env }).contextFor(heap);
  return resolveSecretsProvider(setting, context, { file: FILE, pointer: '/handler/config/secretsProvider' });
}

describe('secret store heap types', () => {
  test('SystemAndEnvSecretStore reads the gateway environment, not process.env', async () => {
    process.env.TOLLGATE_TEST_ONLY_IN_PROCESS = b64('process');
    try {
      const provider = providerFor({ type: 'SystemAndEnvSecretStore' }, [], {
        CLIENT_SECRET_ID: b64('password'),
      });
      assert.equal((await provider.getSecret('client.secret.id')).revealText(), 'password');
      await assert.rejects(provider.getSecret('tollgate.test.only.in.process'), {
        code: 'TG_SECRET_NOT_FOUND',
      });
    } finally {
      delete process.env.TOLLGATE_TEST_ONLY_IN_PROCESS;
    }
  });

  test('SystemAndEnvSecretStore format and mappings', async () => {
    const provider = providerFor(
      {
        type: 'SystemAndEnvSecretStore',
        config: { format: 'PLAIN', mappings: [{ secretId: 'b.id', format: 'BASE64' }] },
      },
      [],
      { A_ID: 'plain text', B_ID: b64('decoded') },
    );
    assert.equal((await provider.getSecret('a.id')).revealText(), 'plain text');
    assert.equal((await provider.getSecret('b.id')).revealText(), 'decoded');
  });

  test('FileSystemSecretStore: a relative directory is resolved from the config directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tollgate-store-'));
    try {
      await mkdir(join(dir, 'secrets'));
      await writeFile(join(dir, 'secrets', 'client.secret.txt'), 'password\n');
      const h = harness({ configDirectory: dir });
      const store = h.build<SecretStore>(
        [
          {
            name: 's',
            type: 'FileSystemSecretStore',
            config: { directory: 'secrets', format: 'PLAIN', suffix: '.txt' },
          },
        ],
        's',
        'SecretStore',
      );
      assert.equal((await store.get('client.secret'))?.revealText(), 'password');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('Base64EncodedSecretStore: a bad value fails the build where it is written', () => {
    assert.deepEqual(
      harness().errorsOf([
        { name: 's', type: 'Base64EncodedSecretStore', config: { secrets: { a: 'not base64!' } } },
      ]),
      [`TG_SECRET_BAD_FORMAT ${FILE}#/heap/0/config/secrets`],
    );
  });

  test('SecretsProvider asks its stores in order, first answer wins', async () => {
    const provider = providerFor(
      ['first', 'second'],
      [
        { name: 'first', type: 'Base64EncodedSecretStore', config: { secrets: { a: b64('from first') } } },
        {
          name: 'second',
          type: 'Base64EncodedSecretStore',
          config: { secrets: { a: b64('x'), b: b64('from second') } },
        },
      ],
    );
    assert.equal((await provider.getSecret('a')).revealText(), 'from first');
    assert.equal((await provider.getSecret('b')).revealText(), 'from second');
  });

  test('every compact form of secretsProvider resolves', async () => {
    const store = { name: 'store', type: 'Base64EncodedSecretStore', config: { secrets: { id: b64('v') } } };
    const forms: unknown[] = [
      'store',
      { type: 'Base64EncodedSecretStore', config: { secrets: { id: b64('v') } } },
      ['store'],
      [{ type: 'SystemAndEnvSecretStore' }, 'store'],
      { type: 'SecretsProvider', config: { stores: ['store'] } },
      [{ type: 'SecretsProvider', config: { stores: [{ type: 'SystemAndEnvSecretStore' }] } }, 'store'],
    ];
    for (const form of forms) {
      const provider = providerFor(form, [store]);
      assert.equal((await provider.getSecret('id')).revealText(), 'v', JSON.stringify(form));
    }
  });

  test('secretsProvider errors carry a pointer', () => {
    const context = harness().contextFor([{ name: 'h', type: 'Stub' }]);
    const errorOf = (setting: unknown): string => {
      try {
        resolveSecretsProvider(setting, context, { file: FILE, pointer: '/p' });
        return 'none';
      } catch (error) {
        const [first] = (error as ConfigErrors).errors;
        return `${first!.code} ${first!.place?.pointer}`;
      }
    };
    assert.equal(errorOf([]), 'TG_CONFIG_BAD_VALUE /p');
    assert.equal(errorOf('missing'), 'TG_CONFIG_BAD_REFERENCE /p');
    assert.equal(errorOf([{ type: 'SystemAndEnvSecretStore' }, 'h']), 'TG_CONFIG_WRONG_KIND /p/1');
  });

  test('JwkSetSecretStore fetches through its handler when a key is first needed', async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'key-1', use: 'sig' };
    const h = harness({ respond: () => json(200, { keys: [jwk] }) });
    const store = h.build<SecretStore>(
      [
        {
          name: 'jwks',
          type: 'JwkSetSecretStore',
          config: { jwkUrl: 'https://as.test/jwks', handler: 'Stub' },
        },
        { name: 'Stub', type: 'Stub' },
      ],
      'jwks',
      'SecretStore',
    );
    assert.equal(h.seen.length, 0, 'nothing fetched at build');
    const key = await store.getKey!('key-1');
    assert.equal((key?.key as KeyObject).type, 'public');
    assert.equal(key?.kid, 'key-1');
    assert.equal(h.seen[0]?.method, 'GET');
    assert.equal(h.seen[0]?.uri, 'https://as.test/jwks');
    assert.deepEqual(
      harness().errorsOf([{ name: 'j', type: 'JwkSetSecretStore', config: { jwkUrl: 'not a url' } }]),
      [`TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/jwkUrl`],
    );
  });

  test('a JWK Set answer that is not JSON fails without quoting it', async () => {
    const truncated = '{"keys": [{"kty": "EC", "d": "PRIVATE-KEY-MATERIAL';
    for (const body of [truncated, '<html>PRIVATE-KEY-MATERIAL</html>']) {
      const h = harness({ respond: () => new Response({ status: 200, entity: new Entity(body) }) });
      const store = h.build<SecretStore>(
        [
          {
            name: 'jwks',
            type: 'JwkSetSecretStore',
            config: { jwkUrl: 'https://as.test/jwks', handler: 'Stub' },
          },
          { name: 'Stub', type: 'Stub' },
        ],
        'jwks',
        'SecretStore',
      );
      await assert.rejects(store.getKey!('key-1'), (error: unknown) => {
        assert.ok(error instanceof TollgateError && error.code === 'TG_SECRET_STORE_FAILED');
        for (let current: unknown = error; current instanceof Error; current = current.cause) {
          assert.doesNotMatch(current.message, /PRIVATE|KEY-MATERIAL|<html>/);
        }
        return true;
      });
    }
  });
});

describe('a secret id no store can give is warned of when the heap starts', () => {
  const filter = (config: Record<string, unknown>): unknown[] => [
    {
      name: 'auth',
      type: 'ClientSecretBasicAuthenticationFilter',
      config: { clientId: 'svc', clientSecretId: 'client.secret.id', ...config },
    },
  ];

  async function warnings(heapEntries: unknown[], env: Record<string, string> = {}): Promise<LogLine[]> {
    const { logger, logs } = memoryLogger();
    const heap = testHeap(env, { logger: logger.child({ route: 'api' }) });
    heap.declare(heapEntries, { file: FILE, pointer: '/heap' });
    heap.createAll();
    assert.equal(logs.length, 0, 'nothing is looked up before the start');
    await heap.start();
    await heap.stop();
    return logs.filter((line) => line.code === 'TG_SECRET_NOT_FOUND');
  }

  test('once per object and id, with the route, the object, the place and the stores, never a value', async () => {
    const [line, ...more] = await warnings(filter({ secretsProvider: { type: 'SystemAndEnvSecretStore' } }));
    assert.equal(more.length, 0);
    assert.equal(line?.level, 40);
    assert.equal(line?.route, 'api');
    assert.equal(line?.object, 'auth');
    assert.equal(line?.secretId, 'client.secret.id');
    assert.equal(line?.place, `${FILE}#/heap/0/config/clientSecretId`);
    assert.match(String(line?.msg), /no secret store can give the secret 'client\.secret\.id'/);
  });

  test('nothing when a store has it, or when a store cannot tell without fetching', async () => {
    assert.deepEqual(
      await warnings(filter({ secretsProvider: { type: 'SystemAndEnvSecretStore' } }), {
        CLIENT_SECRET_ID: b64('password'),
      }),
      [],
    );
    assert.deepEqual(
      await warnings(
        filter({
          secretsProvider: [
            { type: 'Base64EncodedSecretStore', config: { secrets: { other: b64('x') } } },
            { type: 'Base64EncodedSecretStore', config: { secrets: { 'client.secret.id': b64('x') } } },
          ],
        }),
      ),
      [],
    );
  });

  test('a list of stores that all lack the id is warned of, a SecretsProvider object too', async () => {
    const stores = [
      { type: 'Base64EncodedSecretStore', config: { secrets: { other: b64('x') } } },
      { type: 'SystemAndEnvSecretStore' },
    ];
    assert.equal((await warnings(filter({ secretsProvider: stores }))).length, 1);
    assert.equal(
      (await warnings(filter({ secretsProvider: { type: 'SecretsProvider', config: { stores } } }))).length,
      1,
    );
  });
});

describe('SecretStore.holds', () => {
  test('each store says whether it could give an id, without decoding it', async () => {
    const env = new SystemAndEnvSecretStore({}, { env: { A_B: 'not base64 at all!', EMPTY: '' } });
    assert.equal(await env.holds('a.b'), true);
    assert.equal(await env.holds('empty'), false);
    assert.equal(await env.holds('missing'), false);
    const inline = new Base64EncodedSecretStore({ secrets: { a: b64('x') } });
    assert.equal(await inline.holds('a'), true);
    assert.equal(await inline.holds('b'), false);
    const dir = await mkdtemp(join(tmpdir(), 'tollgate-holds-'));
    try {
      await writeFile(join(dir, 'a.txt'), 'x');
      await mkdir(join(dir, 'sub.txt'));
      const files = new FileSystemSecretStore({ directory: dir, suffix: '.txt' });
      assert.equal(await files.holds('a'), true);
      assert.equal(await files.holds('b'), false);
      assert.equal(await files.holds('sub'), false);
      assert.equal(await files.holds('../a'), false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a list holds an id when one store does, lacks it when all do, and cannot tell otherwise', async () => {
    const says = (answer: boolean | undefined): SecretStore => ({
      get: async () => null,
      getKey: async () => null,
      holds: async () => answer,
    });
    const failing: SecretStore = {
      get: async () => null,
      holds: async () => Promise.reject(new Error('down')),
    };
    const silent: SecretStore = { get: async () => null };
    assert.equal(await storesHold([says(false), says(true)], 'x', 'secret'), true);
    assert.equal(await storesHold([says(false), says(false)], 'x', 'secret'), false);
    assert.equal(await storesHold([says(false), says(undefined)], 'x', 'secret'), undefined);
    assert.equal(await storesHold([failing], 'x', 'secret'), undefined);
    assert.equal(await storesHold([silent], 'x', 'secret'), undefined);
    // A store without keys cannot give a key, whatever it holds.
    assert.equal(
      await storesHold([new Base64EncodedSecretStore({ secrets: { x: b64('x') } })], 'x', 'key'),
      false,
    );
    assert.equal(await new SecretsProvider([says(false), says(true)]).holds('x', 'key'), true);
  });
});
