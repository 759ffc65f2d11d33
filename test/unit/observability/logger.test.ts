import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { createLogger, redactPaths, type LogFormat } from '../../../src/observability/logger.js';

const run = promisify(execFile);

/** A logger writing into an array: one parsed JSON object per line. */
function captured(level?: string): {
  log: ReturnType<typeof createLogger>;
  lines: Record<string, unknown>[];
} {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({
    ...(level === undefined ? {} : { level }),
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { log, lines };
}

/** Sets `value` at a dotted path, with `*` standing for an arbitrary key. */
function objectAt(path: string, value: unknown): Record<string, unknown> {
  const keys = path.split('.').map((key) => (key === '*' ? 'anything' : key));
  const root: Record<string, unknown> = {};
  let node = root;
  for (const key of keys.slice(0, -1)) node = node[key] = {} as Record<string, unknown>;
  node[keys.at(-1)!] = value;
  return root;
}

function valueAt(object: unknown, path: string): unknown {
  let node = object;
  for (const key of path.split('.')) node = (node as Record<string, unknown>)[key === '*' ? 'anything' : key];
  return node;
}

describe('createLogger', () => {
  test('writes one JSON object per line, named tollgate, with level names and ISO times, at info and above by default', () => {
    const { log, lines } = captured();
    log.debug('not written');
    log.info({ route: 'api' }, 'route %s loaded', 'api');
    log.error('failed');
    assert.equal(lines.length, 2);
    const [info, error] = lines;
    assert.equal(info?.name, 'tollgate');
    assert.equal(info?.level, 'info');
    assert.equal(info?.msg, 'route api loaded');
    assert.equal(info?.route, 'api');
    assert.match(String(info?.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(Math.abs(Date.parse(String(info?.time)) - Date.now()) < 60_000);
    assert.equal(error?.level, 'error');
  });

  test('the level option sets the threshold; silent writes nothing', () => {
    const debug = captured('debug');
    debug.log.debug('shown');
    assert.equal(debug.lines.length, 1);
    const warn = captured('warn');
    warn.log.info('hidden');
    warn.log.warn('shown');
    assert.deepEqual(
      warn.lines.map((line) => line.msg),
      ['shown'],
    );
    const silent = captured('silent');
    silent.log.fatal('hidden');
    assert.equal(silent.lines.length, 0);
  });

  test('an unknown level is refused when the logger is made, not ignored', () => {
    assert.throws(
      () => createLogger({ level: 'verbose', destination: { write: () => undefined } }),
      /verbose/,
    );
  });

  test('every redacted path is blanked, whatever logged it, and its neighbours are kept', () => {
    for (const path of redactPaths) {
      const { log, lines } = captured();
      const secret = `secret-value-for-${path}`;
      log.info({ ...objectAt(path, secret), neighbour: 'kept' }, 'm');
      const line = lines[0];
      assert.equal(valueAt(line, path), '[REDACTED]', path);
      assert.equal(line?.neighbour, 'kept', path);
      assert.doesNotMatch(JSON.stringify(line), /secret-value-for/, path);
    }
  });

  test('the credentials of a request and a token exchange are blanked in one log line', () => {
    const { log, lines } = captured();
    log.warn(
      {
        req: {
          headers: { authorization: 'Bearer eyJ.a.b', cookie: 'session=1', accept: 'application/json' },
        },
        form: { subject_token: 'st', actor_token: 'at', client_assertion: 'ca', scope: 'read' },
        response: { access_token: 'new', refresh_token: 'rt', token_type: 'Bearer' },
        client_secret: 'cs',
        token: 't',
        secret: 's',
        credentials: { password: 'pw', username: 'demo' },
      },
      'exchange failed',
    );
    assert.deepEqual(lines[0]?.req, {
      headers: { authorization: '[REDACTED]', cookie: '[REDACTED]', accept: 'application/json' },
    });
    assert.deepEqual(lines[0]?.form, {
      subject_token: '[REDACTED]',
      actor_token: '[REDACTED]',
      client_assertion: '[REDACTED]',
      scope: 'read',
    });
    assert.deepEqual(lines[0]?.response, {
      access_token: '[REDACTED]',
      refresh_token: '[REDACTED]',
      token_type: 'Bearer',
    });
    assert.equal(lines[0]?.client_secret, '[REDACTED]');
    assert.equal(lines[0]?.token, '[REDACTED]');
    assert.equal(lines[0]?.secret, '[REDACTED]');
    assert.deepEqual(lines[0]?.credentials, { password: '[REDACTED]', username: 'demo' });
  });

  test('the redacted paths cannot be changed at run time, and every logger gets them all', () => {
    assert.ok(Object.isFrozen(redactPaths));
    const first = captured();
    const second = captured();
    first.log.info({ password: 'p1' });
    second.log.info({ password: 'p2' });
    assert.equal(first.lines[0]?.password, '[REDACTED]');
    assert.equal(second.lines[0]?.password, '[REDACTED]');
  });
});

describe('createLogger without a destination (a real process writing to its stdout)', () => {
  // The CLI's loggers: stdout is the process's own, so each format is seen from outside it.
  const logger = new URL('../../../src/observability/logger.js', import.meta.url).href;

  async function output(format: LogFormat): Promise<string> {
    const script = [
      `import { createLogger } from ${JSON.stringify(logger)};`,
      `const log = createLogger({ format: ${JSON.stringify(format)}, level: 'debug' });`,
      `log.debug({ token: 'tok-secret', user: 'alice' }, 'hello %s', 'world');`,
    ].join('\n');
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      timeout: 10_000,
    });
    return stdout;
  }

  test('json: the same JSON lines on stdout, redacted', async () => {
    const [line, ...rest] = (await output('json')).trimEnd().split('\n');
    assert.deepEqual(rest, []);
    const parsed = JSON.parse(line!) as Record<string, unknown>;
    assert.equal(parsed.msg, 'hello world');
    assert.equal(parsed.level, 'debug');
    assert.match(String(parsed.time), /^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
    assert.equal(parsed.token, '[REDACTED]');
    assert.equal(parsed.user, 'alice');
  });

  test('pretty: one readable line with the time, level and name, then the fields, redacted, uncoloured when stdout is no terminal', async () => {
    const text = await output('pretty');
    assert.ok(!text.includes('\x1b['), JSON.stringify(text));
    assert.match(text, /^\[\d\d:\d\d:\d\d\.\d{3}\] DEBUG \(tollgate\): hello world\n/);
    assert.match(text, /^ {4}token: "\[REDACTED\]"$/m);
    assert.match(text, /^ {4}user: "alice"$/m);
    assert.doesNotMatch(text, /tok-secret/);
    assert.throws(() => JSON.parse(text));
  });

  test(
    'pretty on a terminal: coloured',
    {
      skip:
        !existsSync('/usr/bin/script') &&
        'util-linux script(1), which gives a process a terminal, is missing',
    },
    async () => {
      // script(1) runs the program on a pseudo-terminal and copies what it writes to our stdout.
      const dir = await mkdtemp(join(tmpdir(), 'tollgate-tty-'));
      try {
        const program = join(dir, 'log.mjs');
        await writeFile(
          program,
          [
            `import { createLogger } from ${JSON.stringify(logger)};`,
            `createLogger({ format: 'pretty' }).info('on a terminal');`,
          ].join('\n'),
        );
        const { stdout } = await run(
          '/usr/bin/script',
          ['-qec', `${process.execPath} ${program}`, '/dev/null'],
          {
            timeout: 10_000,
          },
        );
        assert.match(stdout, /on a terminal/);
        assert.ok(stdout.includes('\x1b['), JSON.stringify(stdout));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});
