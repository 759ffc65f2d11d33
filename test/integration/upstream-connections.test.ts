import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { startBackend, type Backend } from '../fixtures/backend.js';
import { startForwardProxy, type ForwardProxy } from '../fixtures/forward-proxy.js';
import { startTestGateway, type TestGateway } from '../fixtures/gateway.js';
import { cliPath } from '../fixtures/gateway-process.js';
import { startResettingBackend, type ResettingBackend } from '../fixtures/resetting-backend.js';
import { startTlsBackend, tlsDirectory, type TlsBackend } from '../fixtures/tls-backend.js';

/** The fixture certificates as secrets: `cert` is cert.pem, `other-name-pair` the key and certificate. */
const pemStore = {
  type: 'FileSystemSecretStore',
  config: { directory: tlsDirectory, format: 'PLAIN', suffix: '.pem' },
};

const trustFixtureCert = {
  type: 'ClientTlsOptions',
  config: {
    trustManager: {
      type: 'SecretsTrustManager',
      config: { verificationSecretId: 'cert', secretsProvider: pemStore },
    },
  },
};

function route(path: string, baseURI: string, config: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    condition: `\${request.uri.path == '/${path}'}`,
    baseURI,
    handler: { type: 'ReverseProxyHandler', config },
  };
}

async function get(url: string): Promise<{ status: number; body: string }> {
  const response = await request(url);
  return { status: response.statusCode, body: await response.body.text() };
}

describe('TLS to the upstream', () => {
  let localhost: TlsBackend;
  let otherName: TlsBackend;
  let mutual: TlsBackend;
  let tg: TestGateway;

  before(async () => {
    localhost = await startTlsBackend();
    otherName = await startTlsBackend({ cert: 'other-name-cert.pem', key: 'other-name-key.pem' });
    mutual = await startTlsBackend({ clientCa: 'other-name-cert.pem' });
    const trustOtherName = (hostnameVerifier?: string) => ({
      type: 'ClientTlsOptions',
      config: {
        trustManager: {
          type: 'SecretsTrustManager',
          config: { verificationSecretId: 'other-name-cert', secretsProvider: pemStore },
        },
        ...(hostnameVerifier ? { hostnameVerifier } : {}),
      },
    });
    tg = await startTestGateway({
      routes: {
        'trusted.json': route('trusted', localhost.url, { tls: trustFixtureCert }),
        'untrusted.json': route('untrusted', localhost.url),
        'trust-all.json': route('trust-all', localhost.url, {
          tls: { type: 'ClientTlsOptions', config: { trustManager: { type: 'TrustAllManager' } } },
        }),
        'strict.json': route('strict', otherName.url, { tls: trustOtherName() }),
        'allow-all.json': route('allow-all', otherName.url, { tls: trustOtherName('ALLOW_ALL') }),
        'allow-all-on-handler.json': route('allow-all-on-handler', otherName.url, {
          tls: trustOtherName(),
          hostnameVerifier: 'ALLOW_ALL',
        }),
        'mutual.json': route('mutual', mutual.url, {
          tls: {
            type: 'ClientTlsOptions',
            config: {
              trustManager: trustFixtureCert.config.trustManager,
              keyManager: {
                type: 'SecretsKeyManager',
                config: { signingSecretId: 'other-name-pair', secretsProvider: pemStore },
              },
            },
          },
        }),
        'mutual-without-key.json': route('mutual-without-key', mutual.url, { tls: trustFixtureCert }),
      },
    });
  });

  after(async () => {
    await tg.close();
    await Promise.all([localhost.close(), otherName.close(), mutual.close()]);
  });

  test('a backend whose certificate a secret store holds is reached; without that trust it is refused (502)', async () => {
    const trusted = await get(`${tg.url}/trusted`);
    assert.equal(trusted.status, 200);
    assert.equal(JSON.parse(trusted.body).path, '/trusted');
    assert.equal((await get(`${tg.url}/untrusted`)).status, 502);
  });

  test('TrustAllManager reaches it, with one loud warning naming the file and the place', async () => {
    assert.equal((await get(`${tg.url}/trust-all`)).status, 200);
    const warnings = tg.logs.filter((line) => line.code === 'TG_CONFIG_TRUST_ALL');
    assert.equal(warnings.length, 1);
    assert.equal(
      warnings[0]!.place,
      `${join(tg.routesDir, 'trust-all.json')}#/handler/config/tls/config/trustManager/config`,
    );
    assert.match(warnings[0]!.msg, /trusts every server certificate/);
  });

  test('a certificate for another name is refused under STRICT and reached under ALLOW_ALL, in either place', async () => {
    assert.equal((await get(`${tg.url}/strict`)).status, 502);
    assert.equal((await get(`${tg.url}/allow-all`)).status, 200);
    assert.equal((await get(`${tg.url}/allow-all-on-handler`)).status, 200);
  });

  test('a key manager presents the key and certificate a secret holds to a server that asks for one', async () => {
    const answer = await get(`${tg.url}/mutual`);
    assert.equal(answer.status, 200);
    assert.equal(JSON.parse(answer.body).clientCn, 'other.example');
    assert.equal((await get(`${tg.url}/mutual-without-key`)).status, 502);
  });
});

describe('proxyOptions', () => {
  let backend: Backend;
  let proxy: ForwardProxy;
  let tls: TlsBackend;
  let tg: TestGateway;
  const credentials = `Basic ${Buffer.from('gate:s3cret').toString('base64')}`;

  before(async () => {
    backend = await startBackend();
    tls = await startTlsBackend();
    proxy = await startForwardProxy({ requireAuthorization: credentials });
    const proxyOptions = {
      type: 'CustomProxyOptions',
      config: {
        uri: proxy.url,
        username: 'gate',
        passwordSecretId: 'proxy.password',
        secretsProvider: { type: 'SystemAndEnvSecretStore', config: { format: 'PLAIN' } },
      },
    };
    tg = await startTestGateway({
      env: { PROXY_PASSWORD: 's3cret' },
      files: {
        'config.json': {
          heap: [{ name: 'ProxyOptions', ...proxyOptions }],
          handler: { type: 'Router' },
        },
      },
      routes: {
        'plain.json': route('plain', backend.url),
        'secure.json': route('secure', tls.url, { tls: trustFixtureCert }),
        'direct.json': route('direct', backend.url, { proxyOptions: { type: 'NoProxyOptions' } }),
        'old-style.json': route('old-style', backend.url, {
          proxy: proxyOptions.config,
        }),
      },
    });
  });

  after(async () => {
    await tg.close();
    await Promise.all([backend.close(), proxy.close(), tls.close()]);
  });

  test('a config.json ProxyOptions is every handler default: the proxy sees each request with its credentials', async () => {
    assert.equal((await get(`${tg.url}/plain`)).status, 200);
    assert.equal((await get(`${tg.url}/secure`)).status, 200);
    const backendHost = new URL(backend.url).host;
    const tlsHost = new URL(tls.url).host;
    assert.deepEqual(
      proxy.requests.map(({ method, target, proxyAuthorization }) => [method, target, proxyAuthorization]),
      [
        ['CONNECT', backendHost, credentials],
        ['CONNECT', tlsHost, credentials],
      ],
    );
    const logged = JSON.stringify(tg.logs);
    assert.ok(!logged.includes('s3cret') && !logged.includes(credentials.slice(6)), 'no password in the log');
  });

  test('NoProxyOptions on a handler goes direct; the old proxy key still works', async () => {
    const before = proxy.requests.length;
    assert.equal((await get(`${tg.url}/direct`)).status, 200);
    assert.equal(proxy.requests.length, before);
    assert.equal((await get(`${tg.url}/old-style`)).status, 200);
    assert.equal(proxy.requests.length, before + 1);
  });
});

describe('retries and the circuit breaker', () => {
  let resetting: ResettingBackend;
  let down: ResettingBackend;
  let tg: TestGateway;

  before(async () => {
    resetting = await startResettingBackend(2);
    down = await startResettingBackend(Number.POSITIVE_INFINITY);
    tg = await startTestGateway({
      routes: {
        'retried.json': route('retried', resetting.url, { retries: { count: 3, delay: '5 ms' } }),
        'breaker.json': route('breaker', down.url, {
          circuitBreaker: { maxFailures: 2, openDuration: '1 minute' },
          numberOfWorkers: 4,
          waitQueueSize: 100,
        }),
      },
    });
  });

  after(async () => {
    await tg.close();
    await Promise.all([resetting.close(), down.close()]);
  });

  test('a backend that resets the first connections is retried until it answers', async () => {
    const answer = await get(`${tg.url}/retried`);
    assert.equal(answer.status, 200);
    assert.equal(answer.body, 'ok');
    assert.equal(resetting.connections(), 3);
  });

  test('after maxFailures failures the circuit opens: the backend is not called and the answer is 502', async () => {
    assert.equal((await get(`${tg.url}/breaker`)).status, 502);
    assert.equal((await get(`${tg.url}/breaker`)).status, 502);
    assert.equal(down.connections(), 2);
    assert.equal((await get(`${tg.url}/breaker`)).status, 502);
    assert.equal(down.connections(), 2, 'the open circuit does not call the backend');
    assert.ok(tg.logs.some((line) => line.code === 'TG_UPSTREAM_CIRCUIT_OPEN'));
  });

  test('the keys that cannot apply are logged once for the file, each with its pointer', () => {
    const warnings = tg.logs.filter((line) => line.code === 'TG_CONFIG_IGNORED_KEYS');
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.place, `${join(tg.routesDir, 'breaker.json')}#`);
    assert.match(
      warnings[0]!.msg,
      /\/handler\/config\/numberOfWorkers \(.+\); \/handler\/config\/waitQueueSize \(/,
    );
  });
});

test('keys with no meaning on Node load with one warning per file, in the log and from tollgate validate', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-ignored-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'routes'));
  const routeFile = join(dir, 'routes', 'legacy.json');
  const legacy = {
    heap: [
      {
        name: 'Side',
        type: 'ClientHandler',
        config: { numberOfWorkers: 6, vertx: { eventLoopPoolSize: 2 } },
      },
    ],
    handler: {
      type: 'ReverseProxyHandler',
      config: { asyncBehavior: 'streaming', retries: { executor: 'ScheduledExecutorService' } },
    },
  };
  await writeFile(routeFile, JSON.stringify(legacy));
  const adminFile = join(dir, 'admin.json');
  await writeFile(
    adminFile,
    JSON.stringify({
      vertx: { maxEventLoopExecuteTime: 5 },
      connectors: [{ port: 8080, vertx: {} }],
      streamingEnabled: true,
    }),
  );
  const result = spawnSync(process.execPath, [cliPath, 'validate', dir], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  const all = result.stderr.split('\n').filter((line) => line.startsWith('warning'));
  assert.equal(all.length, 2, result.stderr);
  const [admin] = all.filter((line) => line.includes(`${adminFile}#`));
  assert.equal(
    admin,
    `warning TG_CONFIG_IGNORED_KEYS ${adminFile}#: ignored, with no meaning on Node: /vertx (there is no Vert.x: the listeners are node:http servers on the event loop); /connectors/0/vertx (there is no Vert.x: the listeners are node:http servers on the event loop); /streamingEnabled (bodies are always streamed)`,
  );
  const warnings = all.filter((line) => line.includes(`${routeFile}#`));
  assert.equal(warnings.length, 1, result.stderr);
  assert.match(warnings[0]!, new RegExp(`^warning TG_CONFIG_IGNORED_KEYS ${routeFile}#: `));
  for (const pointer of [
    '/heap/0/config/numberOfWorkers',
    '/heap/0/config/vertx',
    '/handler/config/asyncBehavior',
    '/handler/config/retries/executor',
  ]) {
    assert.ok(warnings[0]!.includes(pointer), `${pointer} in ${warnings[0]}`);
  }

  await writeFile(
    routeFile,
    JSON.stringify({ ...legacy, handler: { type: 'ReverseProxyHandler', config: { numberOfWorker: 6 } } }),
  );
  const typo = spawnSync(process.execPath, [cliPath, 'validate', dir], { encoding: 'utf8' });
  assert.notEqual(typo.status, 0);
  assert.match(
    typo.stdout + typo.stderr,
    new RegExp(`TG_CONFIG_UNKNOWN_PROPERTY ${routeFile}#/handler/config/numberOfWorker`),
  );
});
