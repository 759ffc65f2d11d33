import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { TollgateError } from '../../../src/errors/tollgate-error.js';
import {
  ExchangeValueSealer,
  sealingKeyId,
  type SharedEntry,
} from '../../../src/oauth2/sealed-exchange-value.js';
import type { TokenExchangeSuccess } from '../../../src/oauth2/token-exchange-response.js';

const TOKEN = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJkZW1vIn0.issued-token-value';
const REFRESH = 'refresh-token-value';
const KEY = 'a'.repeat(64);

const success: TokenExchangeSuccess = {
  accessToken: TOKEN,
  issuedTokenType: 'urn:ietf:params:oauth:token-type:access_token',
  issuedTokenTypeAssumed: false,
  tokenType: 'Bearer',
  bearerUsable: true,
  expiresIn: 300,
  scopes: ['mail'],
  scopeFromRequest: false,
  refreshToken: REFRESH,
  raw: { access_token: TOKEN, refresh_token: REFRESH, expires_in: 300 },
  warnings: [],
};
const entry: SharedEntry = { expiresAt: 1_700_000_270_000, success };

const unusable = (error: unknown): boolean =>
  error instanceof TollgateError && error.code === 'TG_EXCHANGE_CACHE_STORE_FAILED';

describe('ExchangeValueSealer', () => {
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);

  test('a sealed entry opens to the same entry, under the same cache key', () => {
    const sealer = new ExchangeValueSealer([k1]);
    assert.deepEqual(sealer.open(KEY, sealer.seal(KEY, entry)), entry);
  });

  test('the format: base64 of format 1, the key id, a 12-byte IV, a 16-byte tag, then the ciphertext', () => {
    const sealed = new ExchangeValueSealer([k1]).seal(KEY, entry);
    const bytes = Buffer.from(sealed, 'base64');
    assert.equal(bytes.toString('base64'), sealed);
    assert.equal(bytes[0], 1);
    assert.deepEqual(bytes.subarray(1, 9), sealingKeyId(k1));
    const plaintextLength = Buffer.byteLength(JSON.stringify({ e: entry.expiresAt, s: success }));
    assert.equal(bytes.length, 1 + 8 + 12 + 16 + plaintextLength);
  });

  test('no token, in any encoding, is in a sealed value; two seals of one entry differ (random IV)', () => {
    const sealer = new ExchangeValueSealer([k1]);
    const sealed = sealer.seal(KEY, entry);
    const decoded = Buffer.from(sealed, 'base64').toString('latin1');
    for (const secret of [TOKEN, REFRESH, 'issued-token-value']) {
      assert.ok(!sealed.includes(secret));
      assert.ok(!decoded.includes(secret));
      assert.ok(!sealed.includes(Buffer.from(secret).toString('base64').slice(0, 16)));
    }
    assert.notEqual(sealer.seal(KEY, entry), sealed);
  });

  test('a value moved to another cache key does not open', () => {
    const sealer = new ExchangeValueSealer([k1]);
    assert.throws(() => sealer.open('b'.repeat(64), sealer.seal(KEY, entry)), unusable);
  });

  test('a changed byte anywhere does not open', () => {
    const sealer = new ExchangeValueSealer([k1]);
    const bytes = Buffer.from(sealer.seal(KEY, entry), 'base64');
    for (const index of [0, 5, 12, 25, bytes.length - 1]) {
      const changed = Buffer.from(bytes);
      changed[index] = changed[index]! ^ 1;
      assert.throws(() => sealer.open(KEY, changed.toString('base64')), unusable, `byte ${index}`);
    }
  });

  test('garbage and empty values do not open', () => {
    const sealer = new ExchangeValueSealer([k1]);
    for (const value of ['', 'not base64 at all', 'AQ==', TOKEN]) {
      assert.throws(() => sealer.open(KEY, value), unusable);
    }
  });

  test('rotation: the first key seals, every key opens; a value sealed with a dropped key does not open', () => {
    const old = new ExchangeValueSealer([k1]);
    const rotated = new ExchangeValueSealer([k2, k1]);
    const sealedByOld = old.seal(KEY, entry);
    assert.deepEqual(rotated.open(KEY, sealedByOld), entry);
    const sealedByRotated = rotated.seal(KEY, entry);
    assert.deepEqual(Buffer.from(sealedByRotated, 'base64').subarray(1, 9), sealingKeyId(k2));
    assert.throws(() => old.open(KEY, sealedByRotated), unusable);
    assert.throws(() => new ExchangeValueSealer([k2]).open(KEY, sealedByOld), unusable);
  });

  test('keys must be 32 bytes, and there must be one', () => {
    const notAKey = (error: unknown): boolean =>
      error instanceof TollgateError && error.code === 'TG_SECRET_NOT_A_KEY';
    assert.throws(() => new ExchangeValueSealer([]), notAKey);
    assert.throws(() => new ExchangeValueSealer([randomBytes(16)]), notAKey);
    assert.throws(() => new ExchangeValueSealer([k1, randomBytes(33)]), notAKey);
  });

  test('a decrypted entry of the wrong shape is refused', () => {
    // Sealed by a holder of the key, but not an entry: what an older or foreign writer could leave.
    const sealer = new ExchangeValueSealer([k1]);
    const wrong = { expiresAt: 'soon', success } as unknown as SharedEntry;
    assert.throws(() => sealer.open(KEY, sealer.seal(KEY, wrong)), unusable);
    const noToken = { expiresAt: 1, success: { ...success, accessToken: 42 } } as unknown as SharedEntry;
    assert.throws(() => sealer.open(KEY, sealer.seal(KEY, noToken)), unusable);
  });
});
