// `npm start -- --redis`: a redis-server for the demo's shared exchange cache, on 127.0.0.1 over a
// temp directory, stopped with the demo.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface DemoRedis {
  readonly url: string;
  close(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('error', () => resolve(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      resolve(data.toString().startsWith('+PONG'));
      socket.destroy();
    });
  });
}

/** `port` 0 picks a free one. Fails, saying what to install, when redis-server is missing. */
export async function startDemoRedis(port: number): Promise<DemoRedis> {
  const chosen = port === 0 ? await freePort() : port;
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-demo-redis-'));
  const server: ChildProcess = spawn(
    'redis-server',
    ['--port', String(chosen), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const failed = new Promise<never>((_resolve, reject) => {
    server.once('error', (error) =>
      reject(new Error(`--redis needs redis-server (apt-get install redis-server): ${error.message}`)),
    );
    server.once('exit', (code) =>
      reject(new Error(`redis-server exited (${code}); is port ${chosen} free?`)),
    );
  });
  failed.catch(() => undefined);
  const ready = (async (): Promise<void> => {
    const deadline = Date.now() + 10_000;
    while (!(await answersPing(chosen))) {
      if (Date.now() > deadline) throw new Error(`redis-server did not answer on port ${chosen}`);
      await new Promise((done) => setTimeout(done, 25));
    }
  })();
  try {
    await Promise.race([ready, failed]);
  } catch (error) {
    server.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `redis://127.0.0.1:${chosen}`,
    async close() {
      if (server.exitCode === null && server.signalCode === null) {
        const closed = new Promise((done) => server.once('close', done));
        server.kill('SIGTERM');
        await closed;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
