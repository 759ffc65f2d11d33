// Large bodies through a proxy: a small client loop over keep-alive connections that streams
// downloads and uploads, counts the bytes and times them. Bounded by a request count and a time.
import { Agent, request } from 'node:http';

export type Direction = 'download' | 'upload';

export interface BodyRun {
  readonly direction: Direction;
  readonly mib: number;
  readonly requests: number;
  readonly bytes: number;
  readonly seconds: number;
  /** 10^6 bytes per second. */
  readonly megabytesPerSecond: number;
}

export interface BodyLoad {
  readonly direction: Direction;
  readonly mib: number;
  /** Requests in flight at once. */
  readonly concurrency: number;
  /** No new request starts after this many… */
  readonly maxRequests: number;
  /** …or after this long. */
  readonly maxSeconds: number;
}

const CHUNK = Buffer.alloc(64 * 1024, 'u');
/** One request may take at most this long (a stalled proxy must not hang the run). */
const REQUEST_TIMEOUT_MS = 60_000;

function transfer(base: string, agent: Agent, direction: Direction, mib: number): Promise<number> {
  const total = mib * 1024 * 1024;
  const url = new URL(direction === 'download' ? `/bench/big?mib=${mib}` : '/bench/sink', base);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        agent,
        method: direction === 'download' ? 'GET' : 'POST',
        headers:
          direction === 'upload'
            ? { 'content-type': 'application/octet-stream', 'content-length': total }
            : {},
        timeout: REQUEST_TIMEOUT_MS,
      },
      (res) => {
        let bytes = 0;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (direction === 'upload') chunks.push(chunk);
        });
        res.on('error', reject);
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`${url.pathname}: status ${res.statusCode}`));
          if (direction === 'download') {
            if (bytes !== total) return reject(new Error(`download: ${bytes} bytes of ${total}`));
            return resolve(bytes);
          }
          const received = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { bytes: number }).bytes;
          if (received !== total)
            return reject(new Error(`upload: the backend got ${received} bytes of ${total}`));
          resolve(received);
        });
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`${url.pathname}: no progress for ${REQUEST_TIMEOUT_MS} ms`)),
    );
    req.on('error', reject);
    if (direction === 'download') {
      req.end();
      return;
    }
    let sent = 0;
    const pump = (): void => {
      while (sent < total) {
        const size = Math.min(CHUNK.length, total - sent);
        sent += size;
        if (!req.write(size === CHUNK.length ? CHUNK : CHUNK.subarray(0, size))) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

/** Runs `load` against the proxy at `base` (http://127.0.0.1:PORT). */
export async function runBodies(base: string, load: BodyLoad): Promise<BodyRun> {
  const agent = new Agent({ keepAlive: true, maxSockets: load.concurrency });
  const started = performance.now();
  const deadline = started + load.maxSeconds * 1000;
  let issued = 0;
  let bytes = 0;
  const worker = async (): Promise<void> => {
    while (issued < load.maxRequests && performance.now() < deadline) {
      issued++;
      bytes += await transfer(base, agent, load.direction, load.mib);
    }
  };
  try {
    await Promise.all(Array.from({ length: load.concurrency }, worker));
  } finally {
    agent.destroy();
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    direction: load.direction,
    mib: load.mib,
    requests: issued,
    bytes,
    seconds,
    megabytesPerSecond: bytes / 1e6 / seconds,
  };
}
