/**
 * Tollgate against nginx on this machine; see bench/README.md. Build first (`npm run bench` does):
 *   node dist/bench/run.js [--duration 10] [--warmup 3] [--connections 50] [--threads 2]
 *                          [--repeat 3] [--cases 1,2,3,4,5,6,7,8,9] [--profile DIR] [--out DIR]
 * Starts, on 127.0.0.1 only: a Node backend, the dev authorization server, nginx (one worker),
 * redis-server (case 9), one Tollgate process per case and the minimal proxy the gateway is read against, all as child
 * processes that are stopped on exit, on error and on SIGINT/SIGTERM. Writes latest.json,
 * latest.md and latest.svg under bench/results/.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { cpus, release, tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runBodies, type BodyLoad } from './lib/bodies.js';
import { firstJsonLine, killAllNow, startChild, stopAll, type Child } from './lib/children.js';
import { ACCESS_LOG, casePaths, writeGatewayConfig, type GatewayCase } from './lib/gateway-config.js';
import { startNginx } from './lib/nginx.js';
import { childPids, cpuMicrosOf, memory, resetPeak } from './lib/proc.js';
import {
  LOAD_CASE_TITLES,
  markdown,
  summarize,
  svg,
  type BodyMeasure,
  type LoadCaseId,
  type LoadMeasure,
  type Report,
} from './lib/report.js';
import { runWrk, totalErrors, writePacedWrkScript, writeWrkScript, type LoadOptions } from './lib/wrk.js';

const USAGE = `usage: npm run bench -- [--duration S] [--warmup S] [--connections N] [--threads N] [--repeat N]
                        [--cases 1,2,3,4,5,6,7,8,9] [--profile DIR] [--out DIR]
  --duration     seconds of measured load per case (default 10)
  --warmup       seconds of unmeasured load before each case (default 3)
  --connections  wrk connections (default 50); --threads wrk threads (default 2)
  --repeat       interleaved repetitions of the whole set (default 3)
  --cases        which cases to run (default all; nginx's and Tollgate's pass-through always run
                 with any of cases 1-5, 7 and 9, as the references; case 4 with case 9)
  --profile DIR  run each Tollgate process with --cpu-prof, writing .cpuprofile files to DIR
  --out DIR      where latest.{json,md,svg} go (default bench/results)
quick run:  npm run bench -- --duration 3 --warmup 1 --repeat 1`;

const INSTALL_HINT = 'apt-get update && apt-get install -y nginx wrk';
const REDIS_HINT = 'apt-get update && apt-get install -y redis-server';
/** Case 9's AES-256 key, as SystemAndEnvSecretStore reads EXCHANGE_CACHE_KEY (base64). */
const EXCHANGE_CACHE_KEY = randomBytes(32).toString('base64');
const CLIENT_SECRET_BASE64 = Buffer.from('password').toString('base64');
const here = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = resolve(here, '..', '..');
const cliPath = resolve(here, '..', 'src', 'cli.js');

interface Settings {
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  threads: number;
  repetitions: number;
  cases: Set<number>;
  profileDir: string | undefined;
  outDir: string;
}

function parseSettings(argv: string[]): Settings {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      connections: { type: 'string', default: '50' },
      threads: { type: 'string', default: '2' },
      repeat: { type: 'string', default: '3' },
      cases: { type: 'string', default: '1,2,3,4,5,6,7,8,9' },
      profile: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const integer = (name: string, text: string, min: number, max: number): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new Error(`--${name} must be an integer from ${min} to ${max}`);
    return n;
  };
  const cases = new Set(values.cases.split(',').map((c) => integer('cases', c.trim(), 1, 9)));
  const threads = integer('threads', values.threads, 1, 64);
  const connections = integer('connections', values.connections, 1, 10_000);
  if (connections < threads) throw new Error('--connections must be at least --threads');
  return {
    durationSeconds: integer('duration', values.duration, 1, 3600),
    warmupSeconds: integer('warmup', values.warmup, 0, 600),
    connections,
    threads,
    repetitions: integer('repeat', values.repeat, 1, 50),
    cases,
    profileDir: values.profile === undefined ? undefined : resolve(values.profile),
    outDir: resolve(values.out ?? join(repoRoot, 'bench', 'results')),
  };
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

/** Waits until `child` has written a line matching `pattern`, at most `timeoutMs`. */
async function waitForOutput(child: Child, pattern: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(child.stdout())) {
    if (child.process.exitCode !== null || Date.now() > deadline) {
      throw new Error(
        `${child.name} did not start:\n${child.stderr().slice(-2000)}${child.stdout().slice(-2000)}`,
      );
    }
    await sleep(25);
  }
}

/** Polls `url` until it answers 200, at most `timeoutMs`; fails early when `child` exits. */
async function waitForHttp(url: string, timeoutMs: number, child: Child): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null || child.process.signalCode !== null) break;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await sleep(50);
  }
  throw new Error(
    `${child.name} did not answer at ${url}:\n${child.stderr().slice(-2000)}${child.stdout().slice(-2000)}`,
  );
}

interface Echo {
  status: number;
  headers: Headers;
  seen: { headers: Record<string, string | undefined> };
}

async function echo(url: string, headers: Record<string, string> = {}): Promise<Echo> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  if (response.status !== 200)
    throw new Error(`pre-check ${url}: status ${response.status} ${text.slice(0, 300)}`);
  return { status: response.status, headers: response.headers, seen: JSON.parse(text) as Echo['seen'] };
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`pre-check failed: ${message}`);
}

/** A subject token from the dev AS's password grant (as the README's walkthrough gets one). */
async function subjectToken(tokenEndpoint: string): Promise<string> {
  const response = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from('client-application:password').toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=password&username=demo&password=Ch4ng31t&scope=mail%20employeenumber',
    signal: AbortSignal.timeout(10_000),
  });
  const answer = (await response.json()) as { access_token?: string };
  if (response.status !== 200 || typeof answer.access_token !== 'string')
    throw new Error(`password grant failed: ${response.status} ${JSON.stringify(answer)}`);
  return answer.access_token;
}

const GATEWAY_CASES: readonly { n: number; id: GatewayCase & LoadCaseId }[] = [
  { n: 1, id: 'pass' },
  { n: 2, id: 'headers' },
  { n: 3, id: 'exchange' },
  { n: 4, id: 'exchange-cached' },
  { n: 5, id: 'routes100' },
  { n: 7, id: 'pass-access-log' },
  { n: 9, id: 'exchange-redis' },
  { n: 9, id: 'exchange-redis-miss' },
];

const BODY_LOADS = (settings: Settings): BodyLoad[] => {
  const seconds = Math.min(settings.durationSeconds, 5);
  return [
    { direction: 'download', mib: 1, concurrency: 4, maxRequests: 10_000, maxSeconds: seconds },
    { direction: 'upload', mib: 1, concurrency: 4, maxRequests: 10_000, maxSeconds: seconds },
    { direction: 'download', mib: 50, concurrency: 2, maxRequests: 6, maxSeconds: 2 * seconds },
    { direction: 'upload', mib: 50, concurrency: 2, maxRequests: 6, maxSeconds: 2 * seconds },
  ];
};

async function main(): Promise<number> {
  const settings = parseSettings(process.argv.slice(2));
  if (settings.cases.has(9) && !onPath('redis-server')) {
    console.error(`case 9 needs redis-server on PATH. Install it first (as root):\n  ${REDIS_HINT}`);
    return 1;
  }
  const missing = ['nginx', 'wrk'].filter((command) => !onPath(command));
  if (missing.length > 0) {
    console.error(
      `${missing.join(' and ')} not found on PATH. Install them first (as root):\n  ${INSTALL_HINT}`,
    );
    return 1;
  }
  if (!existsSync(cliPath)) {
    console.error(`${cliPath} not found: build first (npm run build), or use npm run bench`);
    return 1;
  }
  const wantLoad = [1, 2, 3, 4, 5, 7, 9].some((n) => settings.cases.has(n));
  // Cases 2 to 5 and 7 are read against case 1 (and every case against nginx's), so the references
  // always run; case 9 (the Redis-backed cache) is read against case 4 (the in-memory one).
  if (wantLoad) settings.cases.add(1);
  if (settings.cases.has(9)) settings.cases.add(4);
  const wantBodies = settings.cases.has(6);
  // Every load case sends the same request, a subject token from the AS included.
  const wantAs = wantLoad;

  const tmp = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
  // nginx's worker (a different user when nginx starts as root) writes temp files below it.
  chmodSync(tmp, 0o755);
  process.once('exit', () => {
    killAllNow();
    rmSync(tmp, { recursive: true, force: true });
  });
  if (settings.profileDir) mkdirSync(settings.profileDir, { recursive: true });

  const load: LoadOptions = {
    threads: settings.threads,
    connections: settings.connections,
    durationSeconds: settings.durationSeconds,
    timeoutSeconds: 5,
  };
  const warmup: LoadOptions = { ...load, durationSeconds: settings.warmupSeconds };
  const script = writeWrkScript(tmp);
  const errors: string[] = [];
  const loadMeasures: LoadMeasure[] = [];
  const bodyMeasures: BodyMeasure[] = [];
  const progress = (line: string): void => void process.stderr.write(`${line}\n`);

  const backendScript = join(here, 'backend.js');
  const backend = startChild('backend', process.execPath, [backendScript]);
  const { port: backendPort } = await firstJsonLine<{ port: number }>(backend, 15_000);
  const backendUrl = `http://127.0.0.1:${backendPort}`;

  let devAs: Child | undefined;
  let tokenEndpoint = 'http://127.0.0.1:9/unused';
  let token = '';
  if (wantAs) {
    devAs = startChild('dev AS', process.execPath, [join(here, 'dev-as.js')]);
    ({ tokenEndpoint } = await firstJsonLine<{ tokenEndpoint: string }>(devAs, 30_000));
    token = await subjectToken(tokenEndpoint);
  }

  const nginxPort = await freePort();
  const nginx = startNginx({ dir: join(tmp, 'nginx'), port: nginxPort, backendPort });
  const nginxUrl = `http://127.0.0.1:${nginxPort}`;
  await waitForHttp(`${nginxUrl}/bench/small`, 15_000, nginx);
  const nginxWorkers = childPids(nginx.pid);
  if (nginxWorkers.length !== 1) throw new Error(`expected one nginx worker, found ${nginxWorkers.length}`);
  const nginxWorker = nginxWorkers[0]!;
  {
    const seen = await echo(`${nginxUrl}/bench/echo`);
    check(seen.seen.headers['x-forwarded-for'] === '127.0.0.1', 'nginx sets X-Forwarded-For');
  }

  let redisUrl: string | undefined;
  if (settings.cases.has(9)) {
    const redisPort = await freePort();
    const redisDir = join(tmp, 'redis');
    mkdirSync(redisDir);
    const redis = startChild('redis-server', 'redis-server', [
      '--port',
      String(redisPort),
      '--bind',
      '127.0.0.1',
      '--dir',
      redisDir,
      '--save',
      '',
      '--appendonly',
      'no',
    ]);
    await waitForOutput(redis, /Ready to accept connections/, 15_000);
    redisUrl = `redis://127.0.0.1:${redisPort}`;
  }

  const configDirs = new Map<GatewayCase, string>();
  const setup = { backendUrl, tokenEndpoint, redisUrl };
  const headers = [`Authorization: Bearer ${token}`];
  const configDir = (kind: GatewayCase): string => {
    let dir = configDirs.get(kind);
    if (!dir) {
      dir = writeGatewayConfig(join(tmp, `gateway-${kind}`), kind, setup);
      configDirs.set(kind, dir);
    }
    return dir;
  };

  /**
   * One Tollgate instance serving the case's configuration, for the duration of `use`: one
   * process, or a primary and `units` workers.
   */
  const withGateway = async <T>(
    kind: GatewayCase,
    label: string,
    use: (base: string, gateway: Child) => Promise<T>,
    units = 1,
  ): Promise<T> => {
    const port = await freePort();
    const profile = settings.profileDir
      ? [
          '--cpu-prof',
          '--cpu-prof-dir',
          settings.profileDir,
          '--cpu-prof-name',
          `tollgate-${label}.cpuprofile`,
        ]
      : [];
    const gateway = startChild(
      `tollgate (${label})`,
      process.execPath,
      [
        ...profile,
        cliPath,
        'start',
        '--config-dir',
        configDir(kind),
        '--port',
        String(port),
        '--host',
        '127.0.0.1',
        '--log-level',
        'warn',
        '--units',
        String(units),
      ],
      {
        env: { ...process.env, CLIENT_SECRET_ID: CLIENT_SECRET_BASE64, EXCHANGE_CACHE_KEY },
        cwd: repoRoot,
      },
    );
    const base = `http://127.0.0.1:${port}`;
    try {
      // Ready once every unit serves.
      await waitForHttp(`${base}/openig/health/ready`, 30_000, gateway);
      return await use(base, gateway);
    } finally {
      const code = await gateway.stop(15_000);
      if (code !== 0) errors.push(`${gateway.name} exited with ${code}: ${gateway.stderr().slice(-500)}`);
    }
  };

  /**
   * The wrk script that paces the load to `requestsPerSecond`. Each connection's period is its
   * delay plus the answer time and what wrk's millisecond timer adds; a run of the warmed-up
   * process with the whole period as delay measures that difference, and the delay is set from it.
   */
  const pacedScript = async (url: string, requestsPerSecond: number): Promise<string> => {
    const periodMs = (settings.connections * 1000) / requestsPerSecond;
    const trial = await runWrk(
      url,
      { ...warmup, durationSeconds: Math.max(2, settings.warmupSeconds) },
      writePacedWrkScript(tmp, periodMs),
      headers,
    );
    const trialPeriodMs = (settings.connections * 1000) / Math.max(trial.requestsPerSecond, 1);
    return writePacedWrkScript(tmp, Math.max(0, 2 * periodMs - trialPeriodMs));
  };

  /** One minimal proxy process (exchanging at the dev AS when `exchange`), for the duration of `use`. */
  const withMinimal = async (
    exchange: boolean,
    use: (base: string, proxy: Child) => Promise<void>,
  ): Promise<void> => {
    const proxy = startChild('minimal proxy', process.execPath, [
      join(here, 'minimal-proxy.js'),
      '--backend',
      backendUrl,
      ...(exchange ? ['--token-endpoint', tokenEndpoint] : []),
    ]);
    try {
      const { port } = await firstJsonLine<{ port: number }>(proxy, 15_000);
      await use(`http://127.0.0.1:${port}`, proxy);
    } finally {
      const code = await proxy.stop(15_000);
      if (code !== 0) errors.push(`${proxy.name} exited with ${code}: ${proxy.stderr().slice(-500)}`);
    }
  };

  const measureLoad = async (
    id: LoadCaseId,
    repetition: number,
    url: string,
    cpuPids: () => number[],
    memPid: number,
    pacedTo?: number,
  ): Promise<LoadMeasure> => {
    if (settings.warmupSeconds > 0) await runWrk(url, warmup, script, headers);
    const runScript = pacedTo === undefined ? script : await pacedScript(url, pacedTo);
    const asPid =
      id === 'exchange' || id === 'exchange-cached' || id === 'minimal-exchange' ? devAs?.pid : undefined;
    const pids = cpuPids();
    const cpu0 = cpuMicrosOf(pids);
    const as0 = asPid === undefined ? 0 : cpuMicrosOf([asPid]);
    const backend0 = cpuMicrosOf([backend.pid]);
    const result = await runWrk(url, load, runScript, headers);
    const cpu = cpuMicrosOf(pids) - cpu0;
    const as = asPid === undefined ? 0 : cpuMicrosOf([asPid]) - as0;
    const backendCpu = cpuMicrosOf([backend.pid]) - backend0;
    const mem = memory(memPid);
    const requests = Math.max(result.requests, 1);
    const measure: LoadMeasure = {
      case: id,
      repetition,
      requests: result.requests,
      requestsPerSecond: result.requestsPerSecond,
      p50Us: result.latencyUs.p50,
      p90Us: result.latencyUs.p90,
      p99Us: result.latencyUs.p99,
      errors: totalErrors(result),
      ...(pacedTo === undefined ? {} : { pacedTo }),
      cpuUsPerRequest: cpu / requests,
      ...(asPid === undefined ? {} : { asCpuUsPerRequest: as / requests }),
      backendCpuUsPerRequest: backendCpu / requests,
      rssMiB: mem.rssKiB / 1024,
      peakRssMiB: mem.hwmKiB / 1024,
    };
    loadMeasures.push(measure);
    if (measure.errors > 0)
      errors.push(`${LOAD_CASE_TITLES[id]} (repetition ${repetition}): ${JSON.stringify(result.errors)}`);
    progress(
      `  ${LOAD_CASE_TITLES[id].padEnd(40)} ${measure.requestsPerSecond.toFixed(0).padStart(7)} req/s  ` +
        `p50 ${(measure.p50Us / 1000).toFixed(2)} ms  p99 ${(measure.p99Us / 1000).toFixed(2)} ms  ` +
        `CPU ${measure.cpuUsPerRequest.toFixed(0)} µs/req` +
        (measure.asCpuUsPerRequest === undefined ? '' : ` (AS ${measure.asCpuUsPerRequest.toFixed(0)})`) +
        `  RSS ${measure.rssMiB.toFixed(0)} MiB` +
        (measure.errors > 0 ? `  ERRORS ${measure.errors}` : ''),
    );
    return measure;
  };

  const measureBodies = async (
    target: BodyMeasure['target'],
    repetition: number,
    base: string,
    cpuPids: number[],
    memPid: number,
  ): Promise<void> => {
    for (const body of BODY_LOADS(settings)) {
      await runBodies(base, { ...body, maxRequests: body.mib >= 50 ? 1 : 4, maxSeconds: 10 });
      const exact = resetPeak(memPid);
      const before = memory(memPid).rssKiB;
      let sampled = before;
      // Sampled as well, in case the kernel refused the reset.
      const sampler = setInterval(() => {
        try {
          sampled = Math.max(sampled, memory(memPid).rssKiB);
        } catch {
          // The process went away; the run reports the failure.
        }
      }, 20);
      const cpu0 = cpuMicrosOf(cpuPids);
      let run;
      try {
        run = await runBodies(base, body);
      } finally {
        clearInterval(sampler);
      }
      const cpu = cpuMicrosOf(cpuPids) - cpu0;
      const after = memory(memPid);
      const peak = Math.max(sampled, exact ? after.hwmKiB : 0);
      const measure: BodyMeasure = {
        target,
        repetition,
        direction: run.direction,
        mib: run.mib,
        requests: run.requests,
        megabytesPerSecond: run.megabytesPerSecond,
        peakGrowthMiB: (peak - before) / 1024,
        cpuUsPerMiB: cpu / (run.bytes / (1024 * 1024)),
      };
      bodyMeasures.push(measure);
      progress(
        `  ${`${target} ${run.mib} MiB ${run.direction}`.padEnd(40)} ${run.megabytesPerSecond.toFixed(0).padStart(7)} MB/s  ` +
          `${run.requests} requests  peak RSS growth ${measure.peakGrowthMiB.toFixed(1)} MiB${exact ? '' : ' (sampled)'}`,
      );
    }
  };

  const attempt = async (what: string, run: () => Promise<void>): Promise<void> => {
    try {
      await run();
    } catch (error) {
      const message = `${what}: ${error instanceof Error ? error.message : String(error)}`;
      errors.push(message);
      progress(`  ERROR ${message}`);
    }
  };

  /**
   * Case 3's references: CPU per request rises as the rate falls (fewer requests share each
   * wake-up), and the AS holds an exchanging proxy to a fraction of a pass-through's rate, so the
   * pass-through is measured again right after, paced to the rate the exchange reached.
   */
  const pacedAfter = async (
    id: 'pass-paced' | 'minimal-paced',
    repetition: number,
    exchangeRate: number | undefined,
    serve: (use: (base: string, proxy: Child) => Promise<void>) => Promise<void>,
  ): Promise<void> => {
    if (exchangeRate === undefined) return;
    await attempt(LOAD_CASE_TITLES[id], () =>
      serve(async (base, proxy) => {
        await measureLoad(id, repetition, `${base}/bench/small`, () => [proxy.pid], proxy.pid, exchangeRate);
      }),
    );
  };

  const gatewayCase = async (id: GatewayCase & LoadCaseId, repetition: number): Promise<void> => {
    let exchangeRate: number | undefined;
    await attempt(LOAD_CASE_TITLES[id], () =>
      withGateway(id, `${id}-r${repetition}`, async (base, gateway) => {
        const paths = casePaths(id);
        await precheck(id, `${base}${paths.echo}`, token);
        if (id === 'pass-access-log') await accessLogged(join(configDir(id), ACCESS_LOG), paths.echo);
        const measure = await measureLoad(
          id,
          repetition,
          `${base}${paths.load}`,
          () => [gateway.pid],
          gateway.pid,
        );
        if (id === 'exchange' && measure.errors === 0) exchangeRate = measure.requestsPerSecond;
      }),
    );
    await pacedAfter('pass-paced', repetition, exchangeRate, (use) =>
      withGateway('pass', `pass-paced-r${repetition}`, async (base, gateway) => {
        await precheck('pass', `${base}/bench/echo`, token);
        await use(base, gateway);
      }),
    );
  };

  /**
   * Case 8: a StaticResponseHandler with 1 unit, then 2 (the primary and its workers' CPU
   * counted), read against each other in the same repetition.
   */
  const unitCases = async (repetition: number): Promise<void> => {
    for (const [id, units] of [
      ['static', 1],
      ['static-units2', 2],
    ] as const) {
      await attempt(LOAD_CASE_TITLES[id], () =>
        withGateway(
          'static',
          `${id}-r${repetition}`,
          async (base, gateway) => {
            const workers = childPids(gateway.pid);
            check(
              workers.length === (units === 1 ? 0 : units),
              `${units} unit(s): ${workers.length} workers`,
            );
            await measureLoad(
              id,
              repetition,
              `${base}/bench/small`,
              () => [gateway.pid, ...childPids(gateway.pid)],
              gateway.pid,
            );
          },
          units,
        ),
      );
    }
  };

  /** The floor of cases 1 and 3: the same requests through a proxy written by hand (minimal-proxy.ts). */
  const minimalCases = async (repetition: number): Promise<void> => {
    await attempt(LOAD_CASE_TITLES.minimal, () =>
      withMinimal(false, async (base, proxy) => {
        await measureLoad('minimal', repetition, `${base}/bench/small`, () => [proxy.pid], proxy.pid);
      }),
    );
    let exchangeRate: number | undefined;
    await attempt(LOAD_CASE_TITLES['minimal-exchange'], () =>
      withMinimal(true, async (base, proxy) => {
        await precheck('exchange', `${base}/bench/echo`, token);
        const measure = await measureLoad(
          'minimal-exchange',
          repetition,
          `${base}/bench/small`,
          () => [proxy.pid],
          proxy.pid,
        );
        if (measure.errors === 0) exchangeRate = measure.requestsPerSecond;
      }),
    );
    await pacedAfter('minimal-paced', repetition, exchangeRate, (use) => withMinimal(false, use));
  };

  for (let repetition = 1; repetition <= settings.repetitions; repetition++) {
    progress(`repetition ${repetition} of ${settings.repetitions}`);
    if (wantLoad) {
      await attempt('nginx pass-through', async () => {
        await measureLoad(
          'nginx',
          repetition,
          `${nginxUrl}/bench/small`,
          () => [nginx.pid, nginxWorker],
          nginxWorker,
        );
      });
    }
    // Each repetition starts one unit later, so that no case always runs at the same point of
    // a repetition (right after nginx, or after the AS's busiest minute).
    const units: { n: number; run: () => Promise<void> }[] = [
      ...GATEWAY_CASES.map(({ n, id }) => ({ n, run: () => gatewayCase(id, repetition) })),
      { n: 3, run: () => minimalCases(repetition) },
      { n: 8, run: () => unitCases(repetition) },
    ];
    const first = (repetition - 1) % units.length;
    for (const unit of [...units.slice(first), ...units.slice(0, first)]) {
      if (settings.cases.has(unit.n)) await unit.run();
    }
    if (wantBodies) {
      await attempt('nginx bodies', () =>
        measureBodies('nginx', repetition, nginxUrl, [nginx.pid, nginxWorker], nginxWorker),
      );
      await attempt('Tollgate bodies', () =>
        withGateway('pass', `bodies-r${repetition}`, (base, gateway) =>
          measureBodies('tollgate', repetition, base, [gateway.pid], gateway.pid),
        ),
      );
    }
  }

  const summary = summarize(loadMeasures, bodyMeasures);
  const report: Report = {
    generatedAt: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      node: process.version,
      nginx: nginxVersion(),
      kernel: release(),
    },
    settings: {
      durationSeconds: settings.durationSeconds,
      warmupSeconds: settings.warmupSeconds,
      connections: settings.connections,
      threads: settings.threads,
      repetitions: settings.repetitions,
      cases: [...settings.cases].sort(),
      profiled: settings.profileDir !== undefined,
    },
    ...summary,
    errors,
    raw: { load: loadMeasures, bodies: bodyMeasures },
  };
  mkdirSync(settings.outDir, { recursive: true });
  const table = markdown(report);
  writeFileSync(join(settings.outDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(settings.outDir, 'latest.md'), table);
  writeFileSync(join(settings.outDir, 'latest.svg'), svg(report));
  console.log(table);
  console.log(`written: ${join(settings.outDir, 'latest.{json,md,svg}')}`);
  if (settings.profileDir) console.log(`CPU profiles: ${settings.profileDir}`);
  await stopAll();
  return errors.length > 0 ? 1 : 0;
}

/** `nginx -v` prints "nginx version: nginx/1.22.1" to stderr. */
function nginxVersion(): string {
  const { stderr } = spawnSync('nginx', ['-v'], { encoding: 'utf8', timeout: 5000 });
  return (stderr ?? '').replace('nginx version:', '').trim() || 'nginx';
}

/** What each case must do before it is loaded: proof that the route does what the case claims. */
async function precheck(id: GatewayCase, url: string, token: string): Promise<void> {
  switch (id) {
    case 'pass':
    case 'pass-access-log':
    case 'routes100': {
      const seen = await echo(url);
      check(
        seen.seen.headers['x-forwarded-for'] === '127.0.0.1',
        `${id}: X-Forwarded-For reaches the backend`,
      );
      return;
    }
    case 'headers': {
      const seen = await echo(url);
      check(
        seen.seen.headers['x-bench-req-00'] === '/bench/echo',
        'headers: request header from an expression',
      );
      check(seen.seen.headers['x-bench-req-08'] === 'value-08', 'headers: fifth request header');
      check(seen.headers.get('x-bench-res-01') === 'GET', 'headers: response header from an expression');
      check(seen.headers.get('x-bench-res-09') === 'value-09', 'headers: fifth response header');
      return;
    }
    case 'exchange':
    case 'exchange-cached':
    case 'exchange-redis':
    case 'exchange-redis-miss': {
      const first = await echo(url, { authorization: `Bearer ${token}` });
      const second = await echo(url, { authorization: `Bearer ${token}` });
      const a = first.seen.headers.authorization;
      const b = second.seen.headers.authorization;
      check(
        a !== undefined && a.startsWith('Bearer ') && a !== `Bearer ${token}`,
        `${id}: the backend gets an issued token`,
      );
      if (id === 'exchange') check(a !== b, 'exchange: without a cache every request gets a new token');
      else check(a === b, `${id}: the second request is served from the cache`);
      return;
    }
  }
}

/** Case 7's pre-check: the request just sent has its line in the access log (written within 5 s). */
async function accessLogged(file: string, path: string): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (text.split('\n').some((line) => line.includes(`"path":${JSON.stringify(path)}`))) return;
    check(Date.now() < deadline, `pass-access-log: ${path} is in the access log`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

let exiting = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (exiting) return;
    exiting = true;
    process.stderr.write(`\n${signal}: stopping every child process\n`);
    void stopAll(2000).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    void stopAll(2000).finally(() => process.exit(1));
  },
);
