import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Handler } from '../../../src/heap/types.js';
import { startBackend, type Backend } from '../../fixtures/backend.js';
import { FILE, harness } from '../filters/harness.js';

let backend: Backend;
before(async () => {
  backend = await startBackend();
});
after(() => backend.close());

describe('ForgeRockClientHandler config errors carry a code and a pointer', () => {
  test("its keys are ClientHandler's", () => {
    const errorsOf = (config: unknown): string[] =>
      harness().errorsOf([{ name: 'c', type: 'ForgeRockClientHandler', config }]);
    assert.deepEqual(errorsOf({ soTimeout: 'soon' }), [
      `TG_CONFIG_BAD_DURATION ${FILE}#/heap/0/config/soTimeout`,
    ]);
    assert.deepEqual(errorsOf({ transactionHeader: 'X' }), [
      `TG_CONFIG_UNKNOWN_PROPERTY ${FILE}#/heap/0/config/transactionHeader`,
    ]);
  });
});

describe('ForgeRockClientHandler', () => {
  test("each call carries X-ForgeRock-TransactionId, the transaction's id and a counter, replacing the client's", async (t) => {
    const h = harness();
    t.after(() => h.stop());
    const handler = h.build<Handler>([{ name: 'c', type: 'ForgeRockClientHandler' }], 'c', 'Handler');
    const exchange = h.incoming({
      method: 'GET',
      url: `${backend.url}/echo`,
      headers: { 'X-ForgeRock-TransactionId': 'forged' },
    });
    const before = backend.requests.length;
    for (let i = 0; i < 2; i++) (await handler.handle(exchange)).entity.discard();
    assert.deepEqual(
      backend.requests.slice(before).map((r) => r.headers['x-forgerock-transactionid']),
      ['tx-1/0', 'tx-1/1'],
    );
  });

  test("a failure is thrown, as ClientHandler's are", async (t) => {
    const h = harness();
    t.after(() => h.stop());
    const handler = h.build<Handler>([{ name: 'c', type: 'ForgeRockClientHandler' }], 'c', 'Handler');
    await assert.rejects(handler.handle(h.incoming({ url: 'http://127.0.0.1:1/' })), {
      code: 'TG_UPSTREAM_UNREACHABLE',
    });
  });
});
