import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { THROTTLE_ANSWER_MS } from '../../../src/server/unit-link.js';
import type { UnitOrder, UnitReport } from '../../../src/server/units.js';

const child = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/unit-link-child.js');

/** A UnitLink in a process of its own, and this test as its primary over the real IPC channel. */
describe('UnitLink.take: a token from the primary, or a quick refusal', () => {
  let unit: ChildProcess;
  const reports: UnitReport[] = [];
  const outcomes: Record<string, unknown>[] = [];
  let output = '';

  before(async () => {
    unit = fork(child, { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    unit.on('message', (message: UnitReport) => reports.push(message));
    unit.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const lines = output.split('\n');
      output = lines.pop()!;
      outcomes.push(...lines.map((line) => JSON.parse(line) as Record<string, unknown>));
    });
    await until(() => reports.some((report) => report.tollgate === 'listening'));
  });

  after(() => {
    if (unit.exitCode === null) unit.kill('SIGKILL');
  });

  async function until(reached: () => boolean, ms = 5_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!reached()) {
      if (Date.now() > deadline) throw new Error('not in time');
      await new Promise((done) => setTimeout(done, 10));
    }
  }

  /** Asks the unit to take a token for `partition`, and gives the request the primary received. */
  async function ask(partition: string): Promise<Extract<UnitReport, { tollgate: 'throttle-take' }>> {
    unit.send({ take: partition });
    let found: UnitReport | undefined;
    await until(() => {
      found = reports.find((report) => report.tollgate === 'throttle-take' && report.partition === partition);
      return found !== undefined;
    });
    return found as Extract<UnitReport, { tollgate: 'throttle-take' }>;
  }

  async function outcome(partition: string): Promise<Record<string, unknown>> {
    await until(() => outcomes.some((line) => line.partition === partition), 5 * THROTTLE_ANSWER_MS);
    return outcomes.find((line) => line.partition === partition)!;
  }

  const answer = (id: number, waitMs: number): void => {
    const order: UnitOrder = { tollgate: 'throttle-wait', id, waitMs };
    unit.send(order);
  };

  test('the primary is asked for the filter, the partition and the rate, and its answer is the wait', async () => {
    const take = await ask('alice');
    assert.deepEqual(
      { filter: take.filter, rate: take.rate },
      { filter: 'routes/a.json#/handler f', rate: { numberOfRequests: 3, durationMs: 60_000 } },
    );
    answer(take.id, 20_000);
    assert.equal((await outcome('alice')).waitMs, 20_000);
  });

  test(`no answer within ${THROTTLE_ANSWER_MS} ms refuses the take; an answer after that is dropped`, async () => {
    const take = await ask('bob');
    const result = await outcome('bob');
    assert.equal(result.failed, `the primary gave no token in ${THROTTLE_ANSWER_MS} ms`);
    assert.ok(
      Number(result.ms) >= THROTTLE_ANSWER_MS - 5 && Number(result.ms) < 4 * THROTTLE_ANSWER_MS,
      String(result.ms),
    );
    answer(take.id, 0);
    const next = await ask('carol');
    answer(next.id, 0);
    assert.equal((await outcome('carol')).waitMs, 0, 'the unit goes on answering');
    assert.equal(outcomes.filter((line) => line.partition === 'bob').length, 1);
  });

  test('a take waiting when the primary goes is refused at once, not after the bound', async () => {
    await ask('dave');
    const exited = once(unit, 'exit');
    unit.disconnect();
    const result = await outcome('dave');
    assert.equal(result.failed, 'the primary process is gone');
    assert.ok(Number(result.ms) < THROTTLE_ANSWER_MS, String(result.ms));
    await exited;
  });
});
