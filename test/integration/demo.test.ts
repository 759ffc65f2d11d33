import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { startDemo, type Demo } from '../../examples/demo/start.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

async function form(
  url: string,
  fields: Record<string, string>,
  basic?: string,
): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basic) headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
  const res = await request(url, { method: 'POST', headers, body: new URLSearchParams(fields).toString() });
  return { status: res.statusCode, text: await res.body.text() };
}

/** The README walkthrough, step by step, against the demo's own processes (ephemeral ports). */
describe('the README walkthrough', () => {
  let demo: Demo;
  let gateway: string;
  let amUrl: string;

  before(async () => {
    demo = await startDemo({
      ports: { gateway: 0, authorizationServer: 0, backend: 0 },
      routesDir: join(root, 'routes'),
      logLevel: 'silent',
      env: {},
    });
    gateway = demo.gateway.urls[0]!;
    amUrl = demo.authorizationServer!.url;
  });

  after(async () => {
    await demo.close();
  });

  test('subject token, introspection, exchange, introspection of the issued token, API call', async () => {
    // 1. Get a subject token (Resource Owner Password Credentials, as in PingGateway's guide).
    const token = await form(
      `${amUrl}oauth2/access_token`,
      { grant_type: 'password', username: 'demo', password: 'Ch4ng31t', scope: 'mail employeenumber' },
      'client-application:password',
    );
    assert.equal(token.status, 200, token.text);
    const subjectToken = (JSON.parse(token.text) as { access_token: string }).access_token;

    // 2. Introspect it: client-application's token, two scopes, may_act names the exchanging client.
    const subject = JSON.parse(
      (
        await form(`${amUrl}oauth2/realms/root/introspect`, {
          token: subjectToken,
          client_id: 'client-application',
          client_secret: 'password',
        })
      ).text,
    ) as Record<string, unknown>;
    assert.equal(subject.active, true);
    assert.equal(subject.client_id, 'client-application');
    assert.equal(subject.scope, 'mail employeenumber');
    assert.deepEqual(subject.may_act, { client_id: 'serviceConfidentialClient' });

    // 3. Exchange it through the gateway's /token-exchange route.
    const exchanged = await form(`${gateway}/token-exchange`, { subject_token: subjectToken });
    assert.equal(exchanged.status, 200, exchanged.text);
    const issued = JSON.parse(exchanged.text) as { access_token: string; issued_token_type: string };
    assert.equal(issued.issued_token_type, 'urn:ietf:params:oauth:token-type:access_token');
    assert.notEqual(issued.access_token, subjectToken);

    // 4. Introspect the issued token: the exchanging client's, narrowed to mail, same user.
    const issuedInfo = JSON.parse(
      (
        await form(`${amUrl}oauth2/realms/root/introspect`, {
          token: issued.access_token,
          client_id: 'serviceConfidentialClient',
          client_secret: 'password',
        })
      ).text,
    ) as Record<string, unknown>;
    assert.equal(issuedInfo.active, true);
    assert.equal(issuedInfo.client_id, 'serviceConfidentialClient');
    assert.equal(issuedInfo.scope, 'mail');
    assert.equal(issuedInfo.sub, 'demo');

    // 5. Call the API through the gateway: the API sees an exchanged token, never the original.
    const api = await request(`${gateway}/api/hello`, {
      headers: { authorization: `Bearer ${subjectToken}` },
    });
    assert.equal(api.statusCode, 200);
    const seen = (await api.body.json()) as { token: Record<string, unknown> };
    assert.equal(seen.token.client_id, 'serviceConfidentialClient');
    assert.equal(seen.token.scope, 'mail');
    assert.equal(seen.token.aud, 'sample-api');
    assert.equal(seen.token.sub, 'demo');

    // The exchanges show in the metrics, by filter and outcome.
    const metrics = await (await request(`${gateway}/openig/metrics/prometheus`)).body.text();
    assert.match(
      metrics,
      /^tollgate_token_exchanges_total\{route="[^"]+",filter="oauth2TokenExchangeFilter",outcome="success",error="",source="uncached"\} 1$/m,
    );
    assert.match(
      metrics,
      /^tollgate_token_exchanges_total\{[^}]*outcome="success",error="",source="exchanged"\} 1$/m,
    );
  });

  test("a bad subject token gets the failure handler's 400 with the AS error", async () => {
    const res = await form(`${gateway}/token-exchange`, { subject_token: 'not-a-token' });
    assert.equal(res.status, 400);
    assert.match(res.text, /^invalid_grant: /);
  });

  test('the API refuses a missing token (401) and a token that cannot be exchanged (403)', async () => {
    const none = await request(`${gateway}/api/hello`);
    assert.equal(none.statusCode, 401);
    assert.equal(none.headers['www-authenticate'], 'Bearer realm="tollgate"');
    await none.body.dump();
    const bad = await request(`${gateway}/api/hello`, { headers: { authorization: 'Bearer not-a-token' } });
    assert.equal(bad.statusCode, 403);
    assert.equal(((await bad.body.json()) as { error: string }).error, 'invalid_grant');
  });
});

describe('the demo with --redis', () => {
  let demo: Demo;

  before(async () => {
    demo = await startDemo({
      ports: { gateway: 0, authorizationServer: 0, backend: 0, redis: 0 },
      routesDir: join(root, 'routes'),
      logLevel: 'silent',
      env: {},
      redis: true,
    });
  });

  after(async () => {
    await demo?.close();
  });

  test("the API route's exchange cache is in the demo's Redis, sealed", async () => {
    const amUrl = demo.authorizationServer!.url;
    const token = await form(
      `${amUrl}oauth2/access_token`,
      { grant_type: 'password', username: 'demo', password: 'Ch4ng31t', scope: 'mail employeenumber' },
      'client-application:password',
    );
    const subjectToken = (JSON.parse(token.text) as { access_token: string }).access_token;
    for (let i = 0; i < 2; i++) {
      const api = await request(`${demo.gateway.urls[0]}/api/hello`, {
        headers: { authorization: `Bearer ${subjectToken}` },
      });
      assert.equal(api.statusCode, 200);
      await api.body.dump();
    }
    const port = new URL(demo.redisUrl!).port;
    const cli = (...args: string[]): string =>
      execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', port, ...args], { encoding: 'utf8' });
    const keys = cli('--scan')
      .split('\n')
      .filter((key) => key !== '');
    assert.equal(keys.length, 1);
    assert.match(keys[0]!, /^tollgate:exchange:[0-9a-f]{64}$/);
    assert.ok(!cli('GET', keys[0]!).includes(subjectToken.split('.').pop()!));
    const metrics = await (await request(`${demo.gateway.urls[0]}/openig/metrics/prometheus`)).body.text();
    assert.match(
      metrics,
      /^tollgate_token_exchanges_total\{[^}]*outcome="success",error="",source="cached"\} 1$/m,
    );
  });
});

test("`npm start`'s program serves the demo and stops on SIGINT (start-up time reported)", async (t) => {
  const started = Date.now();
  const child = spawn(
    process.execPath,
    [
      join(root, 'dist/examples/demo/main.js'),
      '--gateway-port',
      '0',
      '--as-port',
      '0',
      '--backend-port',
      '0',
      '--log-format',
      'json',
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH } },
  );
  let output = '';
  const url = await new Promise<string>((done, fail) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Tollgate demo is running: gateway (http:\/\/[^\s,]+)/.exec(output);
      if (match) done(match[1]!);
    });
    child.once('exit', (code) => fail(new Error(`demo exited with ${code}: ${output}`)));
  });
  const res = await request(`${url}/api/hello`);
  assert.equal(res.statusCode, 401);
  await res.body.dump();
  t.diagnostic(`demo serving after ${Date.now() - started} ms`);
  const exited = new Promise<number | null>((done) => child.once('close', done));
  child.kill('SIGINT');
  assert.equal(await exited, 0);
  // Every line is JSON (the banner is a log line, after the start-up summary), the access log's included.
  const lines = output
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  const at = (test: (line: Record<string, unknown>) => boolean): number => lines.findIndex(test);
  const summary = at((line) => String(line.msg).includes('listening on'));
  const banner = at((line) => String(line.msg).startsWith('Tollgate demo is running'));
  assert.ok(summary >= 0 && banner > summary, output);
  const access = lines.find((line) => line.path === '/api/hello');
  assert.deepEqual([access?.status, access?.route, typeof access?.durationMs], [401, 'api-proxy', 'number']);
});
