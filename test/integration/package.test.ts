import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface PackedFile {
  readonly path: string;
}

/**
 * The package as `npm pack` makes it from the build this test run uses, installed in an empty
 * directory as a user would install it: only what `files` ships, with its dependencies.
 */
describe('the npm package', { timeout: 180_000 }, () => {
  let work: string;
  let files: string[];
  let cli: string;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'tollgate-package-'));
    // --ignore-scripts: the tests run from the build in dist/, which a prepack build would replace.
    const packed = spawnSync(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
      cwd: root,
      encoding: 'utf8',
    });
    assert.equal(packed.status, 0, packed.stderr);
    const [report] = JSON.parse(packed.stdout) as [{ filename: string; files: PackedFile[] }];
    files = report.files.map((file) => file.path);
    const app = join(work, 'app');
    await mkdir(app);
    await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }));
    const installed = spawnSync(
      npm,
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--omit=dev', join(work, report.filename)],
      { cwd: app, encoding: 'utf8' },
    );
    assert.equal(installed.status, 0, installed.stderr);
    cli = join(app, 'node_modules/.bin/tollgate');
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('ships the compiled source, the schemas, README and LICENSE, and nothing of the tests or benchmarks', () => {
    assert.ok(files.includes('dist/src/cli.js'));
    assert.ok(files.includes('dist/src/index.d.ts'));
    assert.ok(files.includes('dist/src/config/parse-worker.js'), 'the parser worker thread');
    assert.ok(files.includes('schemas/route.schema.json'));
    assert.ok(files.includes('README.md'));
    assert.ok(files.includes('LICENSE'));
    const stray = files.filter(
      (path) =>
        !path.startsWith('dist/src/') &&
        !path.startsWith('schemas/') &&
        !['README.md', 'LICENSE', 'package.json'].includes(path),
    );
    assert.deepEqual(stray, []);
    assert.deepEqual(
      files.filter((path) => path.endsWith('.map')),
      [],
      'no source maps pointing at sources the package does not have',
    );
  });

  test('the installed command prints its version', async () => {
    const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
      version: string;
    };
    const result = spawnSync(cli, ['--version'], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), version);
  });

  test('the installed command validates a route file and serves it', async () => {
    const routes = join(work, 'routes');
    await mkdir(routes);
    await writeFile(
      join(routes, 'hello.json'),
      JSON.stringify({
        handler: {
          type: 'StaticResponseHandler',
          config: { status: 200, entity: 'hello from the package' },
        },
      }),
    );
    const validated = spawnSync(cli, ['validate', routes], { encoding: 'utf8' });
    assert.equal(validated.status, 0, validated.stderr);
    assert.match(validated.stdout, /^ok .*hello\.json$/m);

    const child = spawn(cli, ['start', '--routes', routes, '--port', '0', '--host', '127.0.0.1'], {
      cwd: work,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let output = '';
      const url = await new Promise<string>((done, fail) => {
        const read = (chunk: Buffer): void => {
          output += chunk.toString();
          const match = /http:\/\/127\.0\.0\.1:[1-9][0-9]*/.exec(output);
          if (match) done(match[0]);
        };
        child.stdout.on('data', read);
        child.stderr.on('data', read);
        child.once('exit', (code) => fail(new Error(`tollgate exited with ${code}: ${output}`)));
      });
      const response = await request(`${url}/`);
      assert.equal(response.statusCode, 200);
      assert.equal(await response.body.text(), 'hello from the package');
    } finally {
      const exited = new Promise((done) => child.once('close', done));
      child.kill('SIGTERM');
      await exited;
    }
  });
});
