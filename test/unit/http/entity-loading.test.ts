import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { compileCondition } from '../../../src/el/index.js';
import { conditionHolds } from '../../../src/http/entity-loading.js';
import { collecting, testExchange } from '../el/fixtures.js';

test('a condition that reads no body is answered at once, without a promise', () => {
  const exchange = testExchange();
  exchange.request.entity.set(Readable.from([Buffer.from('scope=read')]));
  const condition = compileCondition("${request.method == 'POST'}", collecting().options);
  assert.equal(conditionHolds(exchange, condition), true);
  assert.equal(exchange.request.entity.isBuffered, false, 'the streamed body is left alone');
});

test('a condition that reads a streamed body is answered once the body is loaded', async () => {
  const exchange = testExchange();
  exchange.request.entity.set(Readable.from([Buffer.from('scope=re'), Buffer.from('ad')]));
  const condition = compileCondition("${request.entity.form['scope'][0] == 'read'}", collecting().options);
  const holds = conditionHolds(exchange, condition);
  assert.ok(holds instanceof Promise);
  assert.equal(await holds, true);
  assert.equal(exchange.request.entity.string, 'scope=read');
});
