import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { format, inspect } from 'node:util';
import { TollgateError } from '../../../src/errors/tollgate-error.js';
import { decodeSecret, Secret } from '../../../src/secrets/secret.js';

const VALUE = 'hunter2-very-secret';

describe('Secret never prints its content', () => {
  const secret = Secret.fromText(VALUE);

  test('String(), template literals and concatenation show [REDACTED]', () => {
    assert.equal(String(secret), '[REDACTED]');
    assert.equal(`${secret}`, '[REDACTED]');
    assert.equal('' + secret, '[REDACTED]');
  });

  test('JSON.stringify shows [REDACTED], also nested', () => {
    assert.equal(JSON.stringify(secret), '"[REDACTED]"');
    assert.equal(JSON.stringify({ clientSecret: secret }), '{"clientSecret":"[REDACTED]"}');
  });

  test('util.inspect and format show [REDACTED], even with showHidden', () => {
    assert.equal(inspect(secret), '[REDACTED]');
    assert.equal(inspect({ s: secret }, { showHidden: true, depth: 5 }).includes(VALUE), false);
    assert.equal(format('%o %O %s %j', secret, secret, secret, secret).includes(VALUE), false);
  });

  test('no enumerable property holds the value', () => {
    assert.deepEqual(Object.keys(secret), []);
    assert.equal(Object.getOwnPropertyNames(secret).length, 0);
  });

  test('reveal() gives a copy of the bytes, revealText() the text', () => {
    assert.equal(secret.revealText(), VALUE);
    const bytes = secret.reveal();
    bytes.fill(0);
    assert.equal(secret.revealText(), VALUE);
    assert.equal(secret.byteLength, Buffer.byteLength(VALUE));
  });

  test('fromBytes copies its input', () => {
    const input = Buffer.from('abc');
    const copy = Secret.fromBytes(input);
    input.fill(0);
    assert.equal(copy.revealText(), 'abc');
  });
});

describe('decodeSecret', () => {
  test('PLAIN keeps the text as is', () => {
    assert.equal(decodeSecret(' p w \n', 'PLAIN', 'id').revealText(), ' p w \n');
  });

  test('BASE64 decodes, with or without padding, ignoring surrounding whitespace', () => {
    assert.equal(decodeSecret('cGFzc3dvcmQ=', 'BASE64', 'id').revealText(), 'password');
    assert.equal(decodeSecret('cGFzc3dvcmQ', 'BASE64', 'id').revealText(), 'password');
    assert.equal(decodeSecret(' cGFzc3dvcmQ=\n', 'BASE64', 'id').revealText(), 'password');
  });

  for (const bad of ['not base64!', 'cGFz*3dvcmQ=', 'Q', 'cGFzc3dvcmQ==x', 'cGF=zc3dvcmQ', 'cGFzc3dvcm=']) {
    test(`BASE64 refuses ${JSON.stringify(bad)} with TG_SECRET_BAD_FORMAT naming the id, not the value`, () => {
      assert.throws(
        () => decodeSecret(bad, 'BASE64', 'client.secret.id'),
        (error: unknown) =>
          error instanceof TollgateError &&
          error.code === 'TG_SECRET_BAD_FORMAT' &&
          error.message.includes('client.secret.id') &&
          !error.message.includes(bad),
      );
    });
  }
});
