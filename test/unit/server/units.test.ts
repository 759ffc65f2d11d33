import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createBuiltinRegistry } from '../../../src/builtins.js';
import { ConfigErrors } from '../../../src/errors/tollgate-error.js';
import { configuredUnits, isUnitMessage, unitCount } from '../../../src/server/units.js';

describe('unitCount', () => {
  test('the command line wins over admin.json, which wins over the CPUs', () => {
    assert.equal(unitCount(3, 5, 8), 3);
    assert.equal(unitCount(undefined, 5, 8), 5);
    assert.equal(unitCount(undefined, undefined, 8), 8);
    assert.equal(unitCount(1, 5, 8), 1);
  });

  test('by default, one unit per CPU the process may use', () => {
    assert.equal(unitCount(undefined, undefined), availableParallelism());
  });
});

describe('configuredUnits', () => {
  async function withAdmin(admin: unknown, env: Record<string, string> = {}): Promise<number | undefined> {
    const dir = await mkdtemp(join(tmpdir(), 'tollgate-units-'));
    try {
      if (admin !== undefined) await writeFile(join(dir, 'admin.json'), JSON.stringify(admin));
      return await configuredUnits({
        configDir: dir,
        routesDir: undefined,
        env,
        registry: createBuiltinRegistry(),
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  test("admin.json's gatewayUnits, with its tokens resolved; none without the key or the file", async () => {
    assert.equal(await withAdmin({ gatewayUnits: 3 }), 3);
    assert.equal(await withAdmin({ gatewayUnits: '&{units}', properties: { units: 2 } }), 2);
    assert.equal(await withAdmin({ gatewayUnits: '&{UNITS}' }, { UNITS: '4' }), 4);
    assert.equal(await withAdmin({ prefix: 'openig' }), undefined);
    assert.equal(await withAdmin(undefined), undefined);
  });

  test('a gatewayUnits that is not a whole number from 1 to 256 is an error at its pointer', async () => {
    for (const units of [0, 257, 1.5, 'two']) {
      await assert.rejects(withAdmin({ gatewayUnits: units }), (error: unknown) => {
        assert.ok(error instanceof ConfigErrors, String(error));
        assert.deepEqual(
          error.errors.map((e) => e.place?.pointer),
          ['/gatewayUnits'],
        );
        return true;
      });
    }
  });
});

describe('isUnitMessage', () => {
  test("tells the units' messages from node:cluster's and prom-client's", () => {
    assert.equal(isUnitMessage({ tollgate: 'drain' }), true);
    assert.equal(isUnitMessage({ type: 'prom-client:getMetricsReq', requestId: 1 }), false);
    assert.equal(isUnitMessage({ cmd: 'NODE_CLUSTER' }), false);
    assert.equal(isUnitMessage(null), false);
    assert.equal(isUnitMessage('drain'), false);
  });
});
