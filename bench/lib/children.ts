// Every process the benchmark starts is registered here, so that normal exit, an error, SIGINT and
// SIGTERM all end them. Each wait is bounded.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly pid: number;
  /** Everything written to stdout and stderr, bounded (the last 64 KiB of each). */
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<number | string>;
}

const MAX_CAPTURE = 64 * 1024;
const running = new Set<Child>();

function appendBounded(previous: string, chunk: string): string {
  const next = previous + chunk;
  return next.length > MAX_CAPTURE ? next.slice(next.length - MAX_CAPTURE) : next;
}

export function startChild(
  name: string,
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): Child {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], ...options });
  if (child.pid === undefined) {
    // spawn reports ENOENT asynchronously; a missing pid means it failed.
    child.on('error', () => {});
    throw new Error(`cannot start ${name} (${command})`);
  }
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out = appendBounded(out, chunk)));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err = appendBounded(err, chunk)));
  child.on('error', (error) => (err = appendBounded(err, `\n${error.message}`)));
  const exited = new Promise<number | string>((done) =>
    child.once('exit', (code, signal) => done(code ?? signal ?? 'unknown')),
  );
  const handle: Child = {
    name,
    process: child,
    pid: child.pid,
    stdout: () => out,
    stderr: () => err,
    exited,
    async stop(graceMs = 5000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const result = await Promise.race([exited, sleep(graceMs, 'timeout' as const)]);
        if (result === 'timeout') child.kill('SIGKILL');
      }
      return exited;
    },
  };
  running.add(handle);
  void exited.then(() => running.delete(handle));
  return handle;
}

/** Waits (at most `timeoutMs`) for the child's first stdout line that parses as JSON. */
export async function firstJsonLine<T>(child: Child, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const line = child
      .stdout()
      .split('\n')
      .find((l) => l.startsWith('{'));
    if (line !== undefined) return JSON.parse(line) as T;
    if (child.process.exitCode !== null || child.process.signalCode !== null) break;
    await sleep(25);
  }
  throw new Error(`${child.name} did not start:\n${child.stderr().slice(-2000)}`);
}

/** Stops every running child, in parallel, each with a bounded grace period. */
export async function stopAll(graceMs = 3000): Promise<void> {
  await Promise.all([...running].map((child) => child.stop(graceMs)));
}

/** Last resort on process exit: SIGKILL whatever is still running (synchronous). */
export function killAllNow(): void {
  for (const child of running) {
    if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
  }
}
