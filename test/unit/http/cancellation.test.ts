import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Cancellation } from '../../../src/http/cancellation.js';
import { TollgateError } from '../../../src/errors/tollgate-error.js';

test('it fires once: every listener hears the first reason, and a later cancel changes nothing', () => {
  const cancellation = new Cancellation();
  const heard: [string, Error][] = [];
  cancellation.onCancel((reason) => heard.push(['first', reason]));
  cancellation.onCancel((reason) => heard.push(['second', reason]));
  assert.equal(cancellation.reason, undefined);
  const gone = new TollgateError('TG_CLIENT_GONE');
  cancellation.cancel(gone);
  cancellation.cancel(new TollgateError('TG_UPSTREAM_TIMEOUT'));
  assert.equal(cancellation.reason, gone);
  assert.deepEqual(heard, [
    ['first', gone],
    ['second', gone],
  ]);
});

test('firing lets go of the listeners, so what they hold can be collected', () => {
  const cancellation = new Cancellation();
  cancellation.onCancel(() => undefined);
  cancellation.onCancel(() => undefined);
  assert.equal(cancellation.listenerCount, 2);
  cancellation.cancel(new Error('gone'));
  assert.equal(cancellation.listenerCount, 0);
});

test('offCancel removes one registration of that listener and ignores one it never had', () => {
  const cancellation = new Cancellation();
  let calls = 0;
  const listener = (): void => {
    calls++;
  };
  cancellation.offCancel(listener);
  cancellation.onCancel(listener);
  cancellation.onCancel(listener);
  cancellation.offCancel(listener);
  cancellation.offCancel(() => undefined);
  assert.equal(cancellation.listenerCount, 1);
  cancellation.cancel(new Error('gone'));
  assert.equal(calls, 1);
});

test('cancelAfter fires with the error it makes, unless released first', async () => {
  const timed = new Cancellation();
  let made = 0;
  timed.cancelAfter(10, () => {
    made++;
    return new TollgateError('TG_UPSTREAM_TIMEOUT', 'no answer within 10 ms');
  });
  const released = new Cancellation();
  const release = released.cancelAfter(10, () => new Error('must not fire'));
  release();
  await new Promise((done) => setTimeout(done, 40));
  assert.equal((timed.reason as TollgateError | undefined)?.code, 'TG_UPSTREAM_TIMEOUT');
  assert.equal(made, 1);
  assert.equal(released.reason, undefined);
});

test('a time-out after an earlier cancel keeps the earlier reason', async () => {
  const cancellation = new Cancellation();
  cancellation.cancelAfter(5, () => new Error('late'));
  const first = new Error('first');
  cancellation.cancel(first);
  await new Promise((done) => setTimeout(done, 20));
  assert.equal(cancellation.reason, first);
});
