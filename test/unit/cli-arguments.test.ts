import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { logLevels, parseCommandLine, usageOf } from '../../src/cli-arguments.js';
import { TollgateError } from '../../src/errors/tollgate-error.js';

function usageError(argv: readonly string[], env: Record<string, string> = {}): string {
  try {
    parseCommandLine(argv, env);
  } catch (error) {
    assert.ok(error instanceof TollgateError);
    assert.equal(error.code, 'TG_CLI_USAGE');
    return error.detail ?? '';
  }
  assert.fail(`${argv.join(' ')} was accepted`);
}

describe('parseCommandLine', () => {
  test('version and help, for the tool and for each command', () => {
    assert.deepEqual(parseCommandLine(['--version'], {}), { command: 'version' });
    assert.deepEqual(parseCommandLine(['-v'], {}), { command: 'version' });
    assert.deepEqual(parseCommandLine(['--help'], {}), { command: 'help', topic: undefined });
    assert.deepEqual(parseCommandLine(['help'], {}), { command: 'help', topic: undefined });
    assert.deepEqual(parseCommandLine(['help', 'start'], {}), { command: 'help', topic: 'start' });
    assert.deepEqual(parseCommandLine(['start', '-h'], {}), { command: 'help', topic: 'start' });
    assert.deepEqual(parseCommandLine(['start', '--port', '1', '--help'], {}), {
      command: 'help',
      topic: 'start',
    });
    assert.deepEqual(parseCommandLine(['validate', '--help'], {}), { command: 'help', topic: 'validate' });
  });

  test('after --, validate takes even --help as a file name', () => {
    assert.deepEqual(parseCommandLine(['validate', '--', '--help', 'a.json'], {}), {
      command: 'validate',
      paths: ['--help', 'a.json'],
    });
  });

  test('start takes its flags, and the TOLLGATE_* variables for the flags not given', () => {
    const line = parseCommandLine(['start', '--port', '8096', '--log-level=debug'], {
      TOLLGATE_PORT: '9000',
      TOLLGATE_HOST: '127.0.0.1',
      TOLLGATE_CONFIG_DIR: '/etc/tollgate',
      TOLLGATE_ROUTES_DIR: '/srv/routes',
      TOLLGATE_LOG_FORMAT: 'pretty',
      TOLLGATE_LOG_LEVEL: 'warn',
      TOLLGATE_UNITS: '4',
    });
    assert.deepEqual(line, {
      command: 'start',
      arguments: {
        configDir: '/etc/tollgate',
        routesDir: '/srv/routes',
        port: 8096,
        host: '127.0.0.1',
        logFormat: 'pretty',
        logLevel: 'debug',
        units: 4,
      },
    });
  });

  test('start without flags or variables leaves the gateway its defaults', () => {
    assert.deepEqual(parseCommandLine(['start'], { TOLLGATE_PORT: '' }), {
      command: 'start',
      arguments: {
        configDir: undefined,
        routesDir: undefined,
        port: undefined,
        host: undefined,
        logFormat: 'json',
        logLevel: 'info',
        units: undefined,
      },
    });
  });

  test('each mistake names the option or variable as it was written, and points to --help', () => {
    assert.equal(usageError(['start', '--frob']), "unknown option --frob (see 'tollgate start --help')");
    assert.match(usageError(['start', '-z']), /^unknown option -z /);
    assert.match(usageError(['start', '--port']), /^--port needs a value/);
    assert.match(usageError(['start', '--port', '--host', 'x']), /^--port needs a value/);
    assert.match(usageError(['start', '--help=yes']), /^--help takes no value/);
    assert.match(usageError(['start', 'routes']), /^unexpected argument "routes"/);
    assert.match(usageError(['start', '--port', '65536']), /^--port is "65536"; it must be a port number/);
    assert.match(usageError(['start', '--port', '80.5']), /^--port is "80.5"/);
    assert.match(usageError(['start', '--port', ' 80']), /^--port is " 80"/);
    assert.match(
      usageError(['start', '--log-format', 'xml']),
      /^--log-format is "xml"; it must be json or pretty/,
    );
    assert.equal(
      usageError(['start', '--log-level', 'loud']),
      `--log-level is "loud"; it must be one of ${logLevels.join(', ')} (see 'tollgate start --help')`,
    );
    assert.match(usageError(['start'], { TOLLGATE_PORT: 'eighty' }), /^TOLLGATE_PORT is "eighty"/);
    assert.match(usageError(['start'], { TOLLGATE_LOG_LEVEL: 'loud' }), /^TOLLGATE_LOG_LEVEL is "loud"/);
    assert.match(
      usageError(['start', '--units', '0']),
      /^--units is "0"; it must be a whole number from 1 to 256/,
    );
    assert.match(usageError(['start', '--units', '257']), /^--units is "257"/);
    assert.match(usageError(['start', '--units', '2.5']), /^--units is "2.5"/);
    assert.match(usageError(['start'], { TOLLGATE_UNITS: 'all' }), /^TOLLGATE_UNITS is "all"/);
    assert.match(
      usageError(['validate', '--frob', 'a.json']),
      /^unknown option --frob \(see 'tollgate validate --help'\)/,
    );
    assert.match(usageError(['validate']), /^validate needs at least one FILE or DIR/);
    assert.match(usageError(['serve']), /^unknown command "serve" \(see 'tollgate --help'\)/);
    assert.match(usageError(['--frob']), /^unknown option --frob/);
    assert.match(usageError(['help', 'serve']), /^unknown command "serve"/);
  });

  test('the levels offered are the levels the logger takes', () => {
    assert.deepEqual([...logLevels].sort(), ['debug', 'error', 'fatal', 'info', 'silent', 'trace', 'warn']);
  });
});

describe('usageOf', () => {
  test("each command's usage describes every option it takes, with its variable", () => {
    const start = usageOf('start');
    for (const flag of [
      '--config-dir',
      '--routes',
      '--port',
      '--host',
      '--log-format',
      '--log-level',
      '--units',
      '--help',
    ]) {
      assert.match(start, new RegExp(`${flag}\\b`), flag);
    }
    for (const variable of ['CONFIG_DIR', 'ROUTES_DIR', 'PORT', 'HOST', 'LOG_FORMAT', 'LOG_LEVEL', 'UNITS']) {
      assert.ok(start.includes(`[env TOLLGATE_${variable}]`), variable);
    }
    assert.match(start, /0\.0\.0\.0/);
    assert.match(usageOf('validate'), /^Usage: tollgate validate/);
    assert.match(usageOf(), /--version/);
  });
});
