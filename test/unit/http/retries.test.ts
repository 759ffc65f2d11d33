import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { TollgateError } from '../../../src/errors/tollgate-error.js';
import { Entity } from '../../../src/http/entity.js';
import { Headers } from '../../../src/http/headers.js';
import { Response } from '../../../src/http/message.js';
import { isTransportFailure, RetryPolicy } from '../../../src/http/retries.js';
import { testExchange } from '../../fixtures/exchange.js';

const unreachable = (): TollgateError => new TollgateError('TG_UPSTREAM_UNREACHABLE', 'reset');
const answer = (status: number): Response =>
  new Response({ status, headers: new Headers(), entity: new Entity('x') });

/** An attempt function that fails or answers as `plan` says, in order, counting its calls. */
function attempts(plan: readonly (number | 'fail')[]) {
  let calls = 0;
  return {
    calls: () => calls,
    attempt: (): Promise<Response> => {
      const step = plan[Math.min(calls++, plan.length - 1)]!;
      return step === 'fail' ? Promise.reject(unreachable()) : Promise.resolve(answer(step));
    },
  };
}

describe('RetryPolicy', () => {
  test('tries again after a transport failure, up to count more times', async () => {
    const exchange = testExchange({ body: '' });
    const ok = attempts(['fail', 'fail', 200]);
    const response = await new RetryPolicy({ count: 5, delayMs: 0 }).run(
      exchange.request,
      exchange,
      ok.attempt,
    );
    assert.equal(response.status, 200);
    assert.equal(ok.calls(), 3);

    const never = attempts(['fail']);
    await assert.rejects(
      new RetryPolicy({ count: 2, delayMs: 0 }).run(exchange.request, exchange, never.attempt),
      (error) => error instanceof TollgateError && error.code === 'TG_UPSTREAM_UNREACHABLE',
    );
    assert.equal(never.calls(), 3, 'the first attempt and two retries');
  });

  test('an answer is returned as it is unless the condition asks for another try', async () => {
    const exchange = testExchange({ body: '' });
    const plain = attempts([503, 200]);
    assert.equal(
      (await new RetryPolicy({ count: 5, delayMs: 0 }).run(exchange.request, exchange, plain.attempt)).status,
      503,
    );
    assert.equal(plain.calls(), 1);

    const conditional = attempts([503, 503, 200]);
    const policy = new RetryPolicy({
      count: 5,
      delayMs: 0,
      retryResponse: (response) => response.status === 503,
    });
    assert.equal((await policy.run(exchange.request, exchange, conditional.attempt)).status, 200);
    assert.equal(conditional.calls(), 3);
  });

  test('a request whose body is a stream is sent once: its bytes are gone after the first attempt', async () => {
    const exchange = testExchange({ method: 'POST', body: Readable.from([Buffer.from('data')]) });
    const never = attempts(['fail']);
    await assert.rejects(
      new RetryPolicy({ count: 5, delayMs: 0 }).run(exchange.request, exchange, never.attempt),
    );
    assert.equal(never.calls(), 1);
  });

  test('an error that is not a transport failure is not retried', async () => {
    const exchange = testExchange({ body: '' });
    let calls = 0;
    const attempt = (): Promise<Response> => {
      calls++;
      return Promise.reject(new TollgateError('TG_UPSTREAM_RESPONSE_TOO_LARGE'));
    };
    await assert.rejects(new RetryPolicy({ count: 5, delayMs: 0 }).run(exchange.request, exchange, attempt));
    assert.equal(calls, 1);
    assert.equal(isTransportFailure(new TollgateError('TG_UPSTREAM_TIMEOUT')), true);
    assert.equal(isTransportFailure(new Error('ECONNRESET')), false);
  });
});
