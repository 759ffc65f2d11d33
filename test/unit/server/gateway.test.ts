// Start-up as startGatewayWith runs it: what is checked before any socket opens, the admin
// connector opened before the routes load, and the steps undone when a later one fails.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { request } from 'undici';
import { ConfigErrors, type TollgateError } from '../../../src/errors/tollgate-error.js';
import { startGateway } from '../../../src/index.js';
import { memoryLogger, type LogLine } from '../../fixtures/gateway.js';

const made: string[] = [];
after(async () => {
  for (const dir of made) await rm(dir, { recursive: true, force: true });
});

async function instance(admin: unknown, routes: Record<string, unknown> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-gateway-unit-'));
  made.push(dir);
  await writeFile(join(dir, 'admin.json'), JSON.stringify(admin));
  await mkdir(join(dir, 'routes'));
  for (const [name, route] of Object.entries(routes)) {
    await writeFile(join(dir, 'routes', name), JSON.stringify(route));
  }
  return dir;
}

/** A socket holding a port on 127.0.0.1, so that opening it again fails. */
async function occupy(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { port: (server.address() as AddressInfo).port, server };
}

function codesOf(error: unknown): string[] {
  const errors = error instanceof ConfigErrors ? error.errors : [error as TollgateError];
  return errors.map((e) => `${e.code} ${e.place?.pointer}`);
}

function messages(logs: readonly LogLine[]): string[] {
  return logs.map((line) => line.msg);
}

const hello = { handler: { type: 'StaticResponseHandler', config: { status: 200, entity: 'hello' } } };

describe('start-up', () => {
  test('an apiProtectionFilter that does not build fails start-up at its place before any socket opens', async () => {
    const dir = await instance({
      adminConnector: { port: 0, host: '127.0.0.1' },
      apiProtectionFilter: { type: 'ConditionEnforcementFilter', config: { condition: '${' } },
    });
    const { logger, logs } = memoryLogger();
    const failure = await startGateway({ configDir: dir, port: 0, host: '127.0.0.1', logger }).catch(
      (e: unknown) => e,
    );
    assert.deepEqual(codesOf(failure), ['TG_CONFIG_BAD_EXPRESSION /apiProtectionFilter/config/condition']);
    assert.ok(!messages(logs).some((msg) => msg.includes('listening')), messages(logs).join('\n'));
  });

  test("the mode is admin.json's, else IG_RUN_MODE's; an IG_RUN_MODE that is no mode is an error", async () => {
    const bogus = await startGateway({
      configDir: await instance({}),
      port: 0,
      host: '127.0.0.1',
      logger: memoryLogger().logger,
      env: { IG_RUN_MODE: 'devel' },
    }).catch((e: unknown) => e);
    assert.deepEqual(codesOf(bogus), ['TG_CONFIG_BAD_VALUE /IG_RUN_MODE']);

    for (const [admin, env, mode] of [
      [{ mode: 'PRODUCTION' }, { IG_RUN_MODE: 'devel' }, 'production'],
      [{}, { IG_RUN_MODE: 'Development' }, 'development'],
      [{}, {}, 'production'],
    ] as const) {
      const { logger, logs } = memoryLogger();
      const gateway = await startGateway({
        configDir: await instance(admin),
        port: 0,
        host: '127.0.0.1',
        logger,
        env,
      });
      await gateway.close();
      assert.equal(
        logs.find((line) => line.msg.includes('listening on'))?.mode,
        mode,
        JSON.stringify({ admin, env }),
      );
    }
  });

  test('without a host the gateway binds every interface, and the log says so beside the URL to reach it by', async () => {
    const dir = await instance({ adminConnector: { port: 0 } }, { 'a.json': hello });
    const { logger, logs } = memoryLogger();
    const gateway = await startGateway({ configDir: dir, port: 0, logger, env: {} });
    try {
      const port = Number(new URL(gateway.urls[0]!).port);
      const adminPort = Number(new URL(gateway.adminUrl!).port);
      assert.deepEqual(gateway.urls, [`http://127.0.0.1:${port}`]);
      const serving = logs.find((line) => String(line.msg).includes(' failed, listening on '));
      assert.deepEqual(serving?.listening, [`0.0.0.0:${port}`]);
      assert.deepEqual(serving?.urls, gateway.urls);
      const admin = logs.find((line) => line.msg === 'tollgate admin endpoints are listening');
      assert.equal(admin?.listening, `0.0.0.0:${adminPort}`);
      assert.equal(await (await request(`${gateway.urls[0]}/`)).body.text(), 'hello');
    } finally {
      await gateway.close();
    }
    const local = await startGateway({ configDir: dir, port: 0, host: '127.0.0.1', logger, env: {} });
    await local.close();
    const port = new URL(local.urls[0]!).port;
    assert.deepEqual(
      logs.findLast((line) => String(line.msg).includes(' failed, listening on '))?.listening,
      [`127.0.0.1:${port}`],
    );
  });

  test('an admin connector that cannot open fails start-up before the routes load', async () => {
    const taken = await occupy();
    try {
      const dir = await instance(
        { adminConnector: { port: taken.port, host: '127.0.0.1' } },
        { 'a.json': hello },
      );
      const { logger, logs } = memoryLogger();
      const failure = await startGateway({ configDir: dir, port: 0, host: '127.0.0.1', logger }).catch(
        (e: unknown) => e,
      );
      assert.deepEqual(codesOf(failure), ['TG_START_LISTEN /adminConnector/port']);
      assert.ok(!messages(logs).includes('route loaded'));
    } finally {
      taken.server.close();
    }
  });

  test('a connector that cannot open closes the admin connector opened before it, and stops the routes', async () => {
    const taken = await occupy();
    try {
      const dir = await instance(
        {
          connectors: [{ port: taken.port, host: '127.0.0.1' }],
          adminConnector: { port: 0, host: '127.0.0.1' },
        },
        { 'a.json': hello },
      );
      const { logger, logs } = memoryLogger();
      const failure = await startGateway({ configDir: dir, logger }).catch((e: unknown) => e);
      assert.deepEqual(codesOf(failure), ['TG_START_LISTEN /connectors/0/port']);
      const adminUrl = logs.find((line) => line.msg === 'tollgate admin endpoints are listening')?.url;
      assert.equal(typeof adminUrl, 'string');
      assert.ok(messages(logs).includes('route loaded'));
      await assert.rejects(request(`${String(adminUrl)}/ping`), { code: 'ECONNREFUSED' });
    } finally {
      taken.server.close();
    }
  });

  test('the admin connector serves the admin endpoints at its root; the connectors keep them under the prefix', async () => {
    const dir = await instance(
      { prefix: 'admin', adminConnector: { port: 0, host: '127.0.0.1' } },
      { 'a.json': hello },
    );
    const gateway = await startGateway({
      configDir: dir,
      port: 0,
      host: '127.0.0.1',
      logger: memoryLogger().logger,
    });
    try {
      const adminUrl = gateway.adminUrl!;
      assert.notEqual(adminUrl, gateway.urls[0]);
      const text = async (url: string): Promise<string> => {
        const res = await request(url);
        return `${res.statusCode} ${await res.body.text()}`;
      };
      assert.equal(await text(`${adminUrl}/ping`), '200 Pong');
      assert.equal(await text(`${adminUrl}/health/ready`), '200 {"status":"UP","phase":"serving"}');
      assert.equal(await text(`${adminUrl}/admin/ping`), '404 ');
      assert.equal(await text(`${adminUrl}/a`), '404 ');
      assert.equal(
        await text(`${gateway.urls[0]}/admin/health/ready`),
        '200 {"status":"UP","phase":"serving"}',
      );
      assert.equal(await text(`${gateway.urls[0]}/ping`), '200 hello');
    } finally {
      await gateway.close();
    }
  });

  test('without an admin connector there is no admin URL', async () => {
    const gateway = await startGateway({
      configDir: await instance({}),
      port: 0,
      host: '127.0.0.1',
      logger: memoryLogger().logger,
    });
    assert.equal(gateway.adminUrl, undefined);
    await gateway.close();
  });
});
