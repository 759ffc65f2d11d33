// Three gateways, one redis-server and the dev authorization server, all real: the shared exchange
// cache's promises across instances.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { startDevAs, type DevAs } from '../../examples/dev-as/server.js';
import { basicAuthEndpointHandler } from '../fixtures/exchange-routes.js';
import { eventually, startTestGateway, type TestGateway } from '../fixtures/gateway.js';
import { startRedis, type TestRedis } from '../fixtures/redis.js';

const b64 = (text: string): string => Buffer.from(text).toString('base64');
const PREFIX = 'tollgate:exchange:';
/** The AES-256 key the three gateways share, as SystemAndEnvSecretStore reads it (base64). */
const randomKey = randomBytes(32).toString('base64');

/** `/shared` through the in-process front; `/redis-only` with no front, so every lookup asks Redis. */
function exchangeRoute(path: string, store: Record<string, unknown>): unknown {
  return {
    condition: `\${request.uri.path == '/${path}'}`,
    heap: [
      { name: 'Env', type: 'SystemAndEnvSecretStore' },
      {
        name: 'SharedCache',
        type: 'RedisExchangeCache',
        config: {
          uri: '&{redis.url}',
          secretsProvider: 'Env',
          encryptionSecretId: 'exchange.cache.key',
          commandTimeout: '300 ms',
          ...store,
        },
      },
    ],
    handler: {
      type: 'Chain',
      config: {
        filters: [
          {
            type: 'OAuth2TokenExchangeFilter',
            config: {
              endpoint: '&{as.token}',
              endpointHandler: basicAuthEndpointHandler(),
              subjectToken: "${request.headers['X-Subject-Token'][0]}",
              scopes: ['mail'],
              cache: { enabled: true, store: 'SharedCache' },
            },
          },
        ],
        handler: {
          type: 'StaticResponseHandler',
          config: { status: 200, entity: '${contexts.oauth2TokenExchange.issuedToken}' },
        },
      },
    },
  };
}

describe('RedisExchangeCache: three gateways, one Redis, the dev AS', () => {
  let redis: TestRedis;
  let devAs: DevAs;
  let gateways: TestGateway[] = [];
  const tokens = new Set<string>();

  const subjectToken = async (): Promise<string> => {
    const answer = await request(devAs.tokenEndpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${b64('client-application:password')}`,
      },
      body: new URLSearchParams({
        grant_type: 'password',
        username: 'demo',
        password: 'Ch4ng31t',
        scope: 'mail',
      }).toString(),
    });
    const token = ((await answer.body.json()) as { access_token: string }).access_token;
    tokens.add(token);
    return token;
  };

  const exchangeAt = async (gateway: TestGateway, path: string, subject: string) => {
    const answer = await request(`${gateway.url}/${path}`, { headers: { 'x-subject-token': subject } });
    const body = await answer.body.text();
    if (answer.statusCode === 200) tokens.add(body);
    return { status: answer.statusCode, body };
  };

  const connectedClients = async (): Promise<number> =>
    Number(/connected_clients:(\d+)/.exec(await redis.cli('INFO', 'clients'))![1]);

  before(async () => {
    redis = await startRedis();
    devAs = await startDevAs({ port: 0 });
    for (let i = 0; i < 3; i++) {
      gateways.push(
        await startTestGateway({
          files: {
            'config.json': { properties: { redis: { url: redis.url }, as: { token: devAs.tokenEndpoint } } },
          },
          env: { CLIENT_SECRET_ID: b64('password'), EXCHANGE_CACHE_KEY: randomKey },
          routes: {
            'shared.json': exchangeRoute('shared', {}),
            'redis-only.json': exchangeRoute('redis-only', { localCacheMaxSize: 0 }),
          },
        }),
      );
    }
  });

  after(async () => {
    await Promise.all(gateways.map((gateway) => gateway.close()));
    gateways = [];
    await devAs?.close();
    await redis?.stop();
  });

  test('200 concurrent requests with one new subject token, over 3 gateways: one exchange at the AS', async () => {
    const subject = await subjectToken();
    const before = devAs.tokenRequests();
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => exchangeAt(gateways[i % 3]!, 'shared', subject)),
    );
    assert.equal(devAs.tokenRequests() - before, 1);
    assert.deepEqual(
      answers.map((answer) => answer.status),
      answers.map(() => 200),
    );
    assert.equal(new Set(answers.map((answer) => answer.body)).size, 1);
  });

  test("a gateway without the entry in process reads another's from Redis", async () => {
    const subject = await subjectToken();
    const before = devAs.tokenRequests();
    const first = await exchangeAt(gateways[0]!, 'redis-only', subject);
    const second = await exchangeAt(gateways[1]!, 'redis-only', subject);
    const third = await exchangeAt(gateways[2]!, 'redis-only', subject);
    assert.equal(devAs.tokenRequests() - before, 1);
    assert.equal(second.body, first.body);
    assert.equal(third.body, first.body);
  });

  test('Redis keeps digests and sealed values only: no token in any value, nor in the RDB file', async () => {
    await exchangeAt(gateways[0]!, 'shared', await subjectToken());
    const keys = (await redis.cli('--scan', '--pattern', '*')).split('\n').filter((key) => key !== '');
    assert.ok(keys.length >= 3);
    for (const key of keys) assert.match(key, /^tollgate:exchange:[0-9a-f]{64}$/);
    const values = await redis.values();
    const dump = (await redis.dump()).toString('latin1');
    assert.ok(tokens.size >= 6);
    for (const token of tokens) {
      for (const value of values) assert.ok(!value.includes(token), 'a token is in a Redis value');
      assert.ok(!dump.includes(token), 'a token is in the RDB file');
      // A JWT's signature is its least compressible part: it would survive any encoding of the dump.
      assert.ok(!dump.includes(token.split('.').pop()!));
    }
  });

  test("an entry's PX is the filter's TTL rule: maxTtl (5 minutes) less the margin (30 s)", async () => {
    await exchangeAt(gateways[0]!, 'shared', await subjectToken());
    const keys = (await redis.cli('--scan', '--pattern', `${PREFIX}*`))
      .split('\n')
      .filter((key) => key !== '');
    const ttls = await Promise.all(keys.map(async (key) => Number(await redis.cli('PTTL', key))));
    const newest = Math.max(...ttls);
    assert.ok(newest > 260_000 && newest <= 270_000, `PTTL ${newest}`);
  });

  test('Redis killed mid-load: no request fails; after its restart the cache is shared again', async () => {
    const subjects = await Promise.all(Array.from({ length: 6 }, () => subjectToken()));
    let sent = 0;
    const failures: number[] = [];
    let killed = false;
    const load = async (worker: number): Promise<void> => {
      for (let round = 0; round < 30; round++) {
        const answer = await exchangeAt(gateways[worker % 3]!, 'redis-only', subjects[(worker + round) % 6]!);
        sent++;
        if (answer.status !== 200) failures.push(answer.status);
        if (sent === 100 && !killed) {
          killed = true;
          await redis.kill();
        }
      }
    };
    await Promise.all(Array.from({ length: 9 }, (_, worker) => load(worker)));
    assert.ok(killed);
    assert.equal(sent, 270);
    assert.deepEqual(failures, []);
    const warnings = gateways.flatMap((gateway) =>
      gateway.logs.filter((line) => line.code === 'TG_EXCHANGE_CACHE_STORE_FAILED'),
    );
    assert.ok(warnings.length >= 1);
    const metrics = await (await request(`${gateways[0]!.url}/openig/metrics/prometheus`)).body.text();
    assert.match(
      metrics,
      /tollgate_exchange_cache_store_errors_total\{store="SharedCache",reason="unavailable"\} [1-9]/,
    );

    await redis.restart();
    const subject = await subjectToken();
    await eventually(async () => {
      const before = devAs.tokenRequests();
      const first = await exchangeAt(gateways[0]!, 'redis-only', subject);
      const second = await exchangeAt(gateways[1]!, 'redis-only', subject);
      assert.equal(second.body, first.body);
      assert.equal(devAs.tokenRequests() - before, 0, 'both answered from Redis');
    }, 10_000);
  });

  test('no token appears in any log line', () => {
    const logs = gateways.flatMap((gateway) => gateway.logs.map((line) => JSON.stringify(line)));
    for (const token of tokens) assert.ok(!logs.some((line) => line.includes(token)));
  });

  test('route reloads and closed gateways leave no Redis connection behind', async () => {
    const before = await connectedClients();
    const gateway = gateways[2]!;
    for (let i = 0; i < 4; i++) {
      await gateway.writeRoute('shared.json', exchangeRoute('shared', { lease: `${5 + i} seconds` }));
      await eventually(() => {
        const reloads = gateway.logs.filter(
          (line) => line.msg === 'route reloaded' && line.route === 'shared',
        );
        assert.equal(reloads.length, i + 1);
      });
      const answer = await exchangeAt(gateway, 'shared', await subjectToken());
      assert.equal(answer.status, 200);
    }
    await eventually(async () => assert.equal(await connectedClients(), before));
    await Promise.all(gateways.map((g) => g.close()));
    gateways = [];
    // Only redis-cli's own connection is left.
    await eventually(async () => assert.equal(await connectedClients(), 1));
  });
});
