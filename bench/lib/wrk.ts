// Runs wrk and reads its results from a Lua `done` hook (exact microsecond percentiles and error
// counts, no parsing of wrk's human-readable units).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startChild } from './children.js';

export interface LoadOptions {
  readonly threads: number;
  readonly connections: number;
  readonly durationSeconds: number;
  /** wrk's per-request time-out; a slower answer counts as a time-out error. */
  readonly timeoutSeconds: number;
}

export interface WrkResult {
  readonly requests: number;
  readonly durationUs: number;
  readonly bytes: number;
  readonly requestsPerSecond: number;
  readonly latencyUs: { p50: number; p90: number; p99: number; max: number; mean: number };
  readonly errors: { connect: number; read: number; write: number; status: number; timeout: number };
}

const MARK = 'WRK_JSON ';
const DONE_SCRIPT = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '${MARK}{"requests":%d,"durationUs":%d,"bytes":%d,' ..
    '"latencyUs":{"p50":%.1f,"p90":%.1f,"p99":%.1f,"max":%.1f,"mean":%.1f},' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout))
end
`;

/** Writes the Lua hook into `dir`; returns its path. */
export function writeWrkScript(dir: string): string {
  const path = join(dir, 'report.lua');
  writeFileSync(path, DONE_SCRIPT);
  return path;
}

/**
 * The Lua hook plus wrk's `delay()`: each connection waits `delayMs` after an answer before it
 * sends again, which paces the load below what the server could take. wrk waits whole
 * milliseconds, so the fraction is a chance of one more. Returns the script's path.
 */
export function writePacedWrkScript(dir: string, delayMs: number): string {
  const whole = Math.floor(delayMs);
  const path = join(dir, `paced-${delayMs.toFixed(3)}.lua`);
  writeFileSync(
    path,
    `${DONE_SCRIPT}\ndelay = function()\n  if math.random() < ${(delayMs - whole).toFixed(3)} then return ${whole + 1} end\n  return ${whole}\nend\n`,
  );
  return path;
}

export function totalErrors(result: WrkResult): number {
  const e = result.errors;
  return e.connect + e.read + e.write + e.status + e.timeout;
}

/** One wrk run against `url` (extra request headers in `headers`); bounded by its duration + 30 s. */
export async function runWrk(
  url: string,
  load: LoadOptions,
  script: string,
  headers: readonly string[] = [],
): Promise<WrkResult> {
  const args = [
    `-t${load.threads}`,
    `-c${load.connections}`,
    `-d${load.durationSeconds}s`,
    `--timeout`,
    `${load.timeoutSeconds}s`,
    '--latency',
    '-s',
    script,
    ...headers.flatMap((h) => ['-H', h]),
    url,
  ];
  const wrk = startChild('wrk', 'wrk', args);
  const limit = (load.durationSeconds + 30) * 1000;
  const code = await Promise.race([wrk.exited, sleep(limit, 'overdue' as const)]);
  if (code === 'overdue') {
    await wrk.stop(1000);
    throw new Error(`wrk did not finish within ${limit / 1000} s`);
  }
  const line = wrk
    .stdout()
    .split('\n')
    .find((l) => l.startsWith(MARK));
  if (code !== 0 || line === undefined) {
    throw new Error(`wrk failed (exit ${code}): ${wrk.stderr().slice(-1000)} ${wrk.stdout().slice(-1000)}`);
  }
  const parsed = JSON.parse(line.slice(MARK.length)) as Omit<WrkResult, 'requestsPerSecond'>;
  return {
    ...parsed,
    requestsPerSecond: parsed.durationUs > 0 ? (parsed.requests * 1e6) / parsed.durationUs : 0,
  };
}
