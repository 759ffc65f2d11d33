import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { ConfigErrors, TollgateError } from '../../src/errors/tollgate-error.js';
import { startGateway } from '../../src/index.js';
import { memoryLogger } from '../fixtures/gateway.js';

const tls = resolve(dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/tls');
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tollgate-tls-'));
  await mkdir(join(dir, 'routes'));
  await writeFile(
    join(dir, 'routes', 'hello.json'),
    JSON.stringify({
      handler: { type: 'StaticResponseHandler', config: { status: 200, entity: '${request.uri.scheme}' } },
    }),
  );
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('a connector with tls serves HTTPS with the PEM key and certificate', async () => {
  await writeFile(
    join(dir, 'admin.json'),
    JSON.stringify({
      connectors: [
        {
          port: 0,
          host: '127.0.0.1',
          tls: { keyFile: join(tls, 'key.pem'), certFile: join(tls, 'cert.pem') },
        },
        { port: 0, host: '127.0.0.1' },
      ],
    }),
  );
  const gateway = await startGateway({ configDir: dir, logger: memoryLogger().logger, env: {} });
  const ca = await readFile(join(tls, 'cert.pem'));
  const agent = new Agent({ connect: { ca } });
  try {
    const [secure, plain] = gateway.urls;
    assert.match(secure!, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.match(plain!, /^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await request(`${secure}/`, { dispatcher: agent });
    assert.equal(await res.body.text(), 'https');
    assert.equal(await (await request(`${plain}/`)).body.text(), 'http');
  } finally {
    await agent.close();
    await gateway.close();
  }
});

test('a missing key file is a start-up error with its code and place', async () => {
  await writeFile(
    join(dir, 'admin.json'),
    JSON.stringify({
      connectors: [
        {
          port: 0,
          host: '127.0.0.1',
          tls: { keyFile: join(dir, 'nope.pem'), certFile: join(tls, 'cert.pem') },
        },
      ],
    }),
  );
  await assert.rejects(
    startGateway({ configDir: dir, logger: memoryLogger().logger, env: {} }),
    (error: unknown) => {
      const problem = error instanceof ConfigErrors ? error.errors[0] : error;
      assert.ok(problem instanceof TollgateError);
      assert.equal(problem.code, 'TG_START_TLS');
      assert.equal(problem.place?.pointer, '/connectors/0/tls');
      assert.ok(problem.place?.file?.endsWith('admin.json'));
      return true;
    },
  );
});
