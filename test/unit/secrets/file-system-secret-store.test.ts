import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TollgateError } from '../../../src/errors/tollgate-error.js';
import { FileSystemSecretStore } from '../../../src/secrets/file-system-secret-store.js';

describe('FileSystemSecretStore', () => {
  let root: string;
  let directory: string;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'tollgate-secrets-'));
    directory = join(root, 'secrets');
    await mkdir(directory);
    await writeFile(join(directory, 'client.secret'), 'cGFzc3dvcmQ=\n');
    await writeFile(join(directory, 'plain.txt'), 'plain value\n');
    await writeFile(join(directory, 'crlf.txt'), 'crlf value\r\n');
    await writeFile(join(root, 'outside'), 'b3V0c2lkZQ==');
    await mkdir(join(directory, 'sub'));
    const { privateKey } = generateKeyPairSync('ed25519');
    await writeFile(join(directory, 'key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test('reads BASE64 files by default, file name = id', async () => {
    const store = new FileSystemSecretStore({ directory });
    assert.equal((await store.get('client.secret'))?.revealText(), 'password');
  });

  test('PLAIN with a suffix; one trailing line ending is dropped', async () => {
    const store = new FileSystemSecretStore({ directory, format: 'PLAIN', suffix: '.txt' });
    assert.equal((await store.get('plain'))?.revealText(), 'plain value');
    assert.equal((await store.get('crlf'))?.revealText(), 'crlf value');
  });

  test('files are read when asked for, so a rotated secret is picked up', async () => {
    const store = new FileSystemSecretStore({ directory, format: 'PLAIN' });
    assert.equal(await store.get('later'), null);
    await writeFile(join(directory, 'later'), 'v1');
    assert.equal((await store.get('later'))?.revealText(), 'v1');
    await writeFile(join(directory, 'later'), 'v2');
    assert.equal((await store.get('later'))?.revealText(), 'v2');
  });

  test('a missing file is not found', async () => {
    assert.equal(await new FileSystemSecretStore({ directory }).get('absent'), null);
  });

  for (const id of ['../outside', '..', 'sub/x', 'a\\b', '/etc/passwd', '', '.', 'x\0y', '..%2f']) {
    test(`the id ${JSON.stringify(id)} is refused with TG_SECRET_BAD_ID`, async () => {
      await assert.rejects(
        new FileSystemSecretStore({ directory }).get(id),
        (error: unknown) => error instanceof TollgateError && error.code === 'TG_SECRET_BAD_ID',
      );
    });
  }

  test('a suffix holding a path is refused at construction', () => {
    assert.throws(() => new FileSystemSecretStore({ directory, suffix: '/../x' }), TollgateError);
  });

  test('an unreadable entry is TG_SECRET_STORE_FAILED, not "not found"', async () => {
    await assert.rejects(
      new FileSystemSecretStore({ directory }).get('sub'),
      (error: unknown) => error instanceof TollgateError && error.code === 'TG_SECRET_STORE_FAILED',
    );
  });

  test('getKey reads a PEM file', async () => {
    const store = new FileSystemSecretStore({ directory, format: 'PLAIN', suffix: '.pem' });
    const key = await store.getKey('key');
    assert.equal((key?.key as KeyObject).asymmetricKeyType, 'ed25519');
    assert.equal((key?.key as KeyObject).type, 'private');
    assert.equal(key?.kid, undefined);
  });
});
