import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withSession } from '../../../src/heap/session-scope.js';
import type { Handler } from '../../../src/heap/types.js';
import type { Exchange } from '../../../src/http/exchange.js';
import { Response } from '../../../src/http/message.js';
import type { SessionManager } from '../../../src/http/session-manager.js';
import { Session } from '../../../src/http/session.js';
import { testExchange } from '../../fixtures/exchange.js';

/** A manager that opens sessions holding `{ scope: name }` and records what it saved. */
function recordingManager(name: string): SessionManager & { saved: [Session, Response][] } {
  const saved: [Session, Response][] = [];
  return {
    saved,
    open: () => new Session(() => [['scope', name]]),
    save(session, response) {
      saved.push([session, response]);
    },
  };
}

const answering = (see: (exchange: Exchange) => void): Handler => ({
  async handle(exchange) {
    see(exchange);
    return new Response({ status: 200 });
  },
});

test('requests in the scope have its session, saved with the response; the outer session comes back after', async () => {
  const outer = recordingManager('gateway');
  const inner = recordingManager('route');
  const seen: unknown[] = [];
  const route = withSession(
    answering((exchange) => seen.push(exchange.session?.get('scope'))),
    inner,
  );
  const gateway = withSession(
    {
      async handle(exchange) {
        seen.push(exchange.session?.get('scope'));
        const response = await route.handle(exchange);
        seen.push(exchange.session?.get('scope'));
        return response;
      },
    },
    outer,
  );
  const exchange = testExchange();
  const response = await gateway.handle(exchange);
  assert.deepEqual(seen, ['gateway', 'route', 'gateway']);
  assert.equal(exchange.session, undefined);
  assert.equal(outer.saved[0]?.[1], response);
  assert.equal(inner.saved.length, 1);
});

test('a handler that throws saves nothing and still gives the outer session back', async () => {
  const manager = recordingManager('route');
  const failing = withSession(
    {
      async handle() {
        throw new Error('boom');
      },
    },
    manager,
  );
  const exchange = testExchange();
  const outer = new Session(() => []);
  exchange.session = outer;
  await assert.rejects(failing.handle(exchange), /boom/);
  assert.equal(exchange.session, outer);
  assert.equal(manager.saved.length, 0);
});
