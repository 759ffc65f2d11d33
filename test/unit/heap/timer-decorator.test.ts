import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Handler } from '../../../src/heap/types.js';
import { FILE, harness } from '../filters/harness.js';

describe('TimerDecorator', () => {
  test('its name is a decoration key; timeUnit gives the unit of the elapsed time logged', async () => {
    const h = harness();
    const stub = h.build<Handler>(
      [
        { name: 'seconds', type: 'TimerDecorator', config: { timeUnit: 'SECONDS' } },
        { name: 'Stub', type: 'Stub', seconds: true },
      ],
      'Stub',
      'Handler',
    );
    await stub.handle(h.incoming());
    const line = h.logs.find((l) => l.msg === 'elapsed time')!;
    assert.equal(line.object, 'Stub');
    assert.equal(line.timeUnit, 'SECONDS');
    assert.equal(line.elapsed, (line.elapsedMs as number) / 1000);
  });

  test('milliseconds by default, logged as the default timer logs them', async () => {
    const h = harness();
    const stub = h.build<Handler>(
      [
        { name: 'ms-timer', type: 'org.forgerock.openig.decoration.timer.TimerDecorator' },
        { name: 'Stub', type: 'Stub', 'ms-timer': '${true}' },
      ],
      'Stub',
      'Handler',
    );
    await stub.handle(h.incoming());
    const line = h.logs.find((l) => l.msg === 'elapsed time')!;
    assert.equal(typeof line.elapsedMs, 'number');
    assert.equal(line.timeUnit, undefined);
  });

  test('a unit that is not a duration unit, or a decoration that is not a boolean, fails at its place', () => {
    assert.deepEqual(
      harness().errorsOf([{ name: 't', type: 'TimerDecorator', config: { timeUnit: 'fortnights' } }]),
      [`TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/timeUnit`],
    );
    assert.deepEqual(
      harness().errorsOf([
        { name: 't', type: 'TimerDecorator' },
        { name: 'Stub', type: 'Stub', t: 3 },
      ]),
      [`TG_CONFIG_SCHEMA ${FILE}#/heap/1/t`],
    );
  });
});
