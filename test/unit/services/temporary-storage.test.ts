import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigErrors } from '../../../src/errors/tollgate-error.js';
import type { TemporaryStorage } from '../../../src/services/temporary-storage.js';
import { testHeap } from '../../fixtures/heap.js';

const PLACE = { file: 'config.json', pointer: '/temporaryStorage' };

function build(config: unknown, env: Record<string, string> = {}): TemporaryStorage {
  const heap = testHeap(env, { instanceDirectory: '/srv/ig' });
  return heap.resolve<TemporaryStorage>({ type: 'TemporaryStorage', config }, 'Service', PLACE);
}

function errorsOf(config: unknown): string[] {
  try {
    build(config);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigErrors)) throw error;
    return error.errors.map((e) => `${e.code} ${e.place?.pointer}`);
  }
}

describe('TemporaryStorage', () => {
  test("has PingGateway's defaults, with its directory the instance's temporary directory", () => {
    assert.deepEqual(
      { ...build({}) },
      { initialLength: 8192, memoryLimit: 65536, fileLimit: 1073741824, directory: '/tmp/tmp' },
    );
  });

  test('takes numbers and configuration expressions for its limits and directory', () => {
    const storage = build(
      {
        initialLength: 1024,
        memoryLimit: "${env['MEMORY']}",
        fileLimit: 4096,
        directory: '${openig.instanceDirectory}/buffers',
      },
      { MEMORY: '2048' },
    );
    assert.deepEqual(
      [storage.initialLength, storage.memoryLimit, storage.fileLimit, storage.directory],
      [1024, 2048, 4096, '/srv/ig/buffers'],
    );
  });

  test('a limit that is not a byte count, beyond 2 GiB, or an initial length above the memory limit is refused', () => {
    assert.deepEqual(errorsOf({ memoryLimit: 'lots', fileLimit: 2 ** 31, initialLength: 10 }), [
      'TG_CONFIG_BAD_VALUE /temporaryStorage/config/memoryLimit',
      'TG_CONFIG_BAD_VALUE /temporaryStorage/config/fileLimit',
    ]);
    assert.deepEqual(errorsOf({ memoryLimit: 100, initialLength: 200 }), [
      'TG_CONFIG_BAD_VALUE /temporaryStorage/config/initialLength',
    ]);
    assert.deepEqual(errorsOf({ memorylimit: 100 }), [
      'TG_CONFIG_UNKNOWN_PROPERTY /temporaryStorage/config/memorylimit',
    ]);
  });
});
