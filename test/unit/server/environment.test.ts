import assert from 'node:assert/strict';
import { EOL, homedir, tmpdir, type } from 'node:os';
import { delimiter, sep } from 'node:path';
import { describe, test } from 'node:test';
import { systemProperties, toEnvironment } from '../../../src/server/environment.js';
import { startTestGateway } from '../../fixtures/gateway.js';
import { getText } from '../../fixtures/requests.js';

describe('environment', () => {
  test('the variables, without the unset ones, frozen', () => {
    const environment = toEnvironment({ A: '1', B: undefined });
    assert.deepEqual({ ...environment.env }, { A: '1' });
    assert.ok(Object.isFrozen(environment) && Object.isFrozen(environment.env));
  });

  test("Java's system properties, with this process's values", () => {
    const system = systemProperties();
    assert.equal(system['os.name'], type());
    assert.equal(system['user.home'], homedir());
    assert.equal(system['user.dir'], process.cwd());
    assert.equal(system['java.io.tmpdir'], tmpdir());
    assert.equal(system['file.separator'], sep);
    assert.equal(system['path.separator'], delimiter);
    assert.equal(system['line.separator'], EOL);
    assert.equal(system['os.arch'], process.arch);
    assert.equal(system['node.version'], process.version);
    assert.equal(Object.getPrototypeOf(system), null, 'no inherited names to read');
    assert.ok(Object.isFrozen(system));
  });

  test("a route reads them as system['user.home'] and the like", async () => {
    const tg = await startTestGateway({
      routes: {
        'system.json': {
          handler: {
            type: 'StaticResponseHandler',
            config: {
              status: 200,
              entity: "${system['user.home']}|${system['java.io.tmpdir']}|${system['os.name']}",
            },
          },
        },
      },
    });
    try {
      assert.deepEqual(await getText(`${tg.url}/`), {
        status: 200,
        body: `${homedir()}|${tmpdir()}|${type()}`,
      });
    } finally {
      await tg.close();
    }
  });
});
