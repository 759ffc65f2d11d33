import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Filter, Handler } from '../../../src/heap/types.js';
import { FILE, harness, recordingNext, run } from './harness.js';

describe('TransactionIdOutboundFilter config errors carry a code and a pointer', () => {
  test('it takes no keys', () => {
    assert.deepEqual(
      harness().errorsOf([{ name: 'f', type: 'TransactionIdOutboundFilter', config: { header: 'X' } }]),
      [`TG_CONFIG_UNKNOWN_PROPERTY ${FILE}#/heap/0/config/header`],
    );
  });
});

describe('TransactionIdOutboundFilter', () => {
  test("each request it passes on carries the transaction's id and a counter, replacing the client's", async () => {
    const filter = harness().build<Filter>(
      [{ name: 'f', type: 'TransactionIdOutboundFilter' }],
      'f',
      'Filter',
    );
    const exchange = harness().incoming({ headers: { 'X-ForgeRock-TransactionId': 'forged' } });
    const next = recordingNext();
    const sent: (readonly string[] | undefined)[] = [];
    for (let i = 0; i < 2; i++) {
      const { body } = await run(filter, exchange, next);
      assert.equal(body, 'next');
      sent.push(exchange.request.headers.get('X-ForgeRock-TransactionId'));
    }
    assert.equal(next.calls.length, 2);
    assert.deepEqual(sent, [['tx-1/0'], ['tx-1/1']]);
  });

  test('is a default heap object, usable by name without a declaration, as PingGateway has it', async () => {
    const h = harness();
    const chain = h.build<Handler>(
      [
        {
          name: 'c',
          type: 'Chain',
          config: { filters: ['TransactionIdOutboundFilter'], handler: 'Stub' },
        },
        { name: 'Stub', type: 'Stub' },
      ],
      'c',
      'Handler',
    );
    (await chain.handle(h.incoming())).entity.discard();
    assert.deepEqual(
      h.seen.map((r) => r.headers.get('X-ForgeRock-TransactionId')),
      [['tx-1/0']],
    );
  });
});
