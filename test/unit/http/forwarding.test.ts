import assert from 'node:assert/strict';
import { test } from 'node:test';
import { removeHopByHop } from '../../../src/http/forwarding.js';
import { Headers } from '../../../src/http/headers.js';

test('hop-by-hop headers go, in any case, with those the Connection header names', () => {
  const headers = Headers.fromRaw([
    'Content-Type',
    'application/json',
    'Connection',
    'X-Private, keep-alive',
    'x-private',
    'secret',
    'Keep-Alive',
    'timeout=5',
    'TRANSFER-ENCODING',
    'chunked',
    'TE',
    'trailers',
    'Upgrade',
    'websocket',
    'Proxy-Authorization',
    'Basic eA==',
    'X-Kept',
    'yes',
  ]);
  removeHopByHop(headers);
  assert.deepEqual(headers.toRaw(), ['Content-Type', 'application/json', 'X-Kept', 'yes']);
});
