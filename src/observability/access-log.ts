import { mkdirSync, openSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { pino } from 'pino';
import { childPlace, configError, type Place } from '../errors/tollgate-error.js';
import type { ExchangeTiming } from '../http/exchange.js';

/** admin.json's `accessLog`. */
export interface AccessLogConfig {
  /** Default false. */
  enabled?: boolean;
  /** Where the lines go, relative to the config directory; standard output when absent. */
  file?: string;
}

/** What one request leaves in the access log, gathered by the listener when its response ends. */
export interface AccessEntry {
  /** When the request arrived, in ms since the epoch. */
  readonly time: number;
  readonly transactionId: string;
  readonly client: string;
  readonly method: string;
  /**
   * The request target's path as the client sent it (normalised, before any rebase), and its
   * query or null; no path for a target refused.
   */
  readonly rawPath: string | null;
  readonly rawQuery: string | null;
  readonly route: string | null;
  readonly status: number;
  /** Bytes read from and written to the connection for this request, status line and headers included. */
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly durationMs: number;
  readonly timing: ExchangeTiming | undefined;
}

const ELIDED = '…';

/**
 * A query with every value replaced by `…`, the names kept: `a=1&b=2` gives `a=…&b=…`. A part
 * with no `=` has no name to keep (`?eyJ…` may be a token), so it is elided whole.
 */
export function elideQuery(rawQuery: string): string {
  if (rawQuery === '') return '';
  let out = '';
  let start = 0;
  for (;;) {
    const end = rawQuery.indexOf('&', start);
    const part = end < 0 ? rawQuery.slice(start) : rawQuery.slice(start, end);
    const equals = part.indexOf('=');
    if (start > 0) out += '&';
    out += equals < 0 ? ELIDED : `${part.slice(0, equals)}=${ELIDED}`;
    if (end < 0) return out;
    start = end + 1;
  }
}

/**
 * Milliseconds to three decimals, made from integers: printing a fractional double (its shortest
 * round-trip digits) cost more than the rest of the line.
 */
function milliseconds(ms: number | undefined): string {
  if (ms === undefined) return 'null';
  const us = Math.round(ms * 1000);
  const whole = Math.trunc(us / 1000);
  const fraction = us - whole * 1000;
  return `${whole}.${fraction < 10 ? '00' : fraction < 100 ? '0' : ''}${fraction}`;
}

/**
 * One access log line, JSON, with a newline. Written by hand rather than by JSON.stringify of an
 * object made for it: the fields are fixed, most need no escaping (a UUID, an address, numbers),
 * and it runs once per request.
 */
export function accessLine(entry: AccessEntry): string {
  const path =
    entry.rawPath === null
      ? 'null'
      : JSON.stringify(
          entry.rawQuery === null ? entry.rawPath : `${entry.rawPath}?${elideQuery(entry.rawQuery)}`,
        );
  const timing = entry.timing;
  const source = timing?.tokenExchangeSource;
  return (
    `{"time":"${new Date(entry.time).toISOString()}","transactionId":${JSON.stringify(entry.transactionId)}` +
    `,"client":${JSON.stringify(entry.client)},"method":${JSON.stringify(entry.method)}` +
    `,"path":${path},"route":${entry.route === null ? 'null' : JSON.stringify(entry.route)}` +
    `,"status":${entry.status},"bytesIn":${entry.bytesIn},"bytesOut":${entry.bytesOut}` +
    `,"durationMs":${milliseconds(entry.durationMs)},"upstreamMs":${milliseconds(timing?.upstreamMs)}` +
    `,"tokenExchangeMs":${milliseconds(timing?.tokenExchangeMs)}` +
    `,"tokenExchangeSource":${source === undefined ? 'null' : JSON.stringify(source)}}\n`
  );
}

/** Where access lines are written: a file or standard output, through pino's buffered writer. */
interface Destination {
  write(line: string): unknown;
  flush(done?: (error?: Error) => void): void;
}

/**
 * Lines are written in blocks of about this many bytes, so that a busy gateway makes one write
 * per twenty-five requests rather than one per request; the rest is written within FLUSH_MS. The
 * writes are synchronous: a block to the page cache costs less than the thread-pool round trip
 * of an asynchronous write (measured: bench case 7).
 */
const BLOCK_BYTES = 8 * 1024;
const FLUSH_MS = 1000;

/** One gateway's access log: a JSON line per request, on its own destination, apart from the logs. */
export class AccessLog {
  readonly #destination: Destination;
  readonly #close: () => Promise<void>;
  readonly #timer: NodeJS.Timeout;
  #unflushed = false;

  constructor(destination: Destination, close: () => Promise<void> = () => Promise.resolve()) {
    this.#destination = destination;
    this.#close = close;
    this.#timer = setInterval(() => {
      if (!this.#unflushed) return;
      this.#unflushed = false;
      destination.flush();
    }, FLUSH_MS);
    // A quiet access log must not keep the process alive.
    this.#timer.unref();
  }

  /**
   * The access log admin.json asks for, or undefined when it is off. The file (relative to
   * `directory`) is opened for appending, with its folders made, before this returns, so that a
   * path that cannot be written fails start-up rather than the first request.
   */
  static open(config: AccessLogConfig | undefined, directory: string, place: Place): AccessLog | undefined {
    if (config?.enabled !== true) return undefined;
    if (config.file === undefined) {
      const stdout = pino.destination({ dest: 1, sync: true, minLength: BLOCK_BYTES });
      // Standard output stays open for the logs that follow.
      return new AccessLog(stdout, () => new Promise<void>((done) => stdout.flush(() => done())));
    }
    const file = isAbsolute(config.file) ? config.file : resolve(directory, config.file);
    let fd: number;
    try {
      mkdirSync(dirname(file), { recursive: true });
      fd = openSync(file, 'a');
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw configError('TG_START_ACCESS_LOG', childPlace(place, 'file'), `${file}: ${reason}`, error);
    }
    const boom = pino.destination({ dest: fd, sync: true, minLength: BLOCK_BYTES });
    return new AccessLog(
      boom,
      () =>
        new Promise<void>((done) => {
          boom.once('close', () => done());
          boom.end();
        }),
    );
  }

  write(entry: AccessEntry): void {
    this.#destination.write(accessLine(entry));
    this.#unflushed = true;
  }

  /** Writes what is buffered and closes the file. */
  close(): Promise<void> {
    clearInterval(this.#timer);
    return this.#close();
  }
}
