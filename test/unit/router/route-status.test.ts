import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { configError, TollgateError } from '../../../src/errors/tollgate-error.js';
import { RequestCounts, routeError } from '../../../src/router/route-status.js';

describe('routeError', () => {
  test('gives the code, the file, the pointer and the detail of a config error', () => {
    const error = configError(
      'TG_CONFIG_UNKNOWN_PROPERTY',
      { file: 'routes/a.json', pointer: '/handler/config/stauts' },
      'unknown property "stauts"',
    );
    assert.deepEqual(routeError(error), {
      code: 'TG_CONFIG_UNKNOWN_PROPERTY',
      file: 'routes/a.json',
      pointer: '/handler/config/stauts',
      message: 'unknown property "stauts"',
    });
  });

  test('an error with no place has no file and the empty pointer (the whole file); with no detail, its message', () => {
    const error = new TollgateError('TG_CONFIG_BUILD_FAILED');
    assert.deepEqual(routeError(error), {
      code: 'TG_CONFIG_BUILD_FAILED',
      file: undefined,
      pointer: '',
      message: error.message,
    });
    // The message is the catalogue's, with the code: what a log line would say.
    assert.match(error.message, /^TG_CONFIG_BUILD_FAILED: the file could not be built/);
  });

  test('is plain data that JSON keeps whole, as the admin API sends it', () => {
    const status = routeError(configError('TG_CONFIG_PARSE', { file: 'r.yaml', pointer: '' }, 'line 2'));
    assert.deepEqual(JSON.parse(JSON.stringify(status)), status);
  });
});

test('RequestCounts start at zero', () => {
  assert.deepEqual({ ...new RequestCounts() }, { total: 0, inFlight: 0 });
});
