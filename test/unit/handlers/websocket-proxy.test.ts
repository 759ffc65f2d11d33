import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isWebSocketHandshake } from '../../../src/handlers/websocket-proxy.js';
import { testExchange } from '../../fixtures/exchange.js';

test('only a GET asking for websocket is a handshake the proxy tunnels', () => {
  const handshake = (method: string, headers: Record<string, string>): boolean =>
    isWebSocketHandshake(testExchange({ method, headers }));
  assert.equal(handshake('GET', { Upgrade: 'websocket', Connection: 'Upgrade' }), true);
  assert.equal(handshake('GET', { Upgrade: 'WebSocket' }), true);
  assert.equal(handshake('POST', { Upgrade: 'websocket' }), false);
  assert.equal(handshake('GET', { Upgrade: 'h2c' }), false);
  assert.equal(handshake('GET', {}), false);
});
