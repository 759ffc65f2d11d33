import { elGet, elText, type ElReadable, type ElText } from '../el/host.js';
import type { RequestTarget } from './request-target.js';

function decode(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * A request URI with PingGateway's MutableUri properties. Raw (encoded) parts are stored; the
 * decoded views are computed when read. `rebase` replaces scheme, host and port only.
 */
export class RequestUri implements ElReadable, ElText {
  scheme: string;
  host: string;
  /** -1 when the URI names no port. */
  port: number;
  #rawPath: string;
  /** The decoded path of #rawPath, made on first read: conditions read it once per route tried. */
  #path: string | undefined;
  rawQuery: string | null;
  rawFragment: string | null;
  rawUserInfo: string | null;

  constructor(parts: {
    scheme: string;
    host: string;
    port?: number;
    rawPath?: string;
    rawQuery?: string | null;
    rawFragment?: string | null;
    rawUserInfo?: string | null;
  }) {
    this.scheme = parts.scheme;
    this.host = parts.host;
    this.port = parts.port ?? -1;
    this.#rawPath = parts.rawPath ?? '/';
    this.rawQuery = parts.rawQuery ?? null;
    this.rawFragment = parts.rawFragment ?? null;
    this.rawUserInfo = parts.rawUserInfo ?? null;
  }

  /**
   * Builds the URI of an incoming request from its parsed request target and the listener's
   * view: the absolute form's authority, else the Host header, names the host.
   */
  static fromRequestTarget(
    target: RequestTarget,
    scheme: string,
    hostHeader: string | undefined,
  ): RequestUri {
    const { host, port } = splitHostPort(target.authority ?? hostHeader ?? 'localhost');
    return new RequestUri({ scheme, host, port, rawPath: target.rawPath, rawQuery: target.rawQuery });
  }

  static parse(text: string): RequestUri {
    const url = new URL(text);
    const userInfo = url.username ? (url.password ? `${url.username}:${url.password}` : url.username) : null;
    return new RequestUri({
      scheme: url.protocol.slice(0, -1),
      host: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
      port: url.port ? Number(url.port) : -1,
      rawPath: url.pathname || '/',
      rawQuery: url.search ? url.search.slice(1) : null,
      rawFragment: url.hash ? url.hash.slice(1) : null,
      rawUserInfo: userInfo,
    });
  }

  get rawPath(): string {
    return this.#rawPath;
  }

  set rawPath(value: string) {
    this.#rawPath = value;
    this.#path = undefined;
  }

  get path(): string {
    this.#path ??= this.#rawPath.includes('%') ? decode(this.#rawPath) : this.#rawPath;
    return this.#path;
  }

  get query(): string | null {
    return this.rawQuery === null ? null : decode(this.rawQuery);
  }

  get fragment(): string | null {
    return this.rawFragment === null ? null : decode(this.rawFragment);
  }

  get userInfo(): string | null {
    return this.rawUserInfo === null ? null : decode(this.rawUserInfo);
  }

  get rawAuthority(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    const hostPort = this.port >= 0 ? `${host}:${this.port}` : host;
    return this.rawUserInfo ? `${this.rawUserInfo}@${hostPort}` : hostPort;
  }

  get authority(): string {
    return decode(this.rawAuthority);
  }

  /** The port to connect to: the explicit one, else the scheme's default. */
  get effectivePort(): number {
    if (this.port >= 0) return this.port;
    return this.scheme === 'https' ? 443 : 80;
  }

  /** scheme://authority, the origin a connection pool is keyed by. */
  get origin(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `${this.scheme}://${host}:${this.effectivePort}`;
  }

  /** Path and query as sent on the request line. */
  get pathAndQuery(): string {
    return this.rawQuery === null ? this.rawPath : `${this.rawPath}?${this.rawQuery}`;
  }

  /** Replaces scheme, host and port with the base's, keeping path, query and fragment. */
  rebase(base: RequestUri): void {
    if (!base.scheme || !base.host) return;
    this.scheme = base.scheme;
    this.host = base.host;
    this.port = base.port;
  }

  clone(): RequestUri {
    return new RequestUri(this);
  }

  toString(): string {
    let text = `${this.scheme}://${this.rawAuthority}${this.rawPath}`;
    if (this.rawQuery !== null) text += `?${this.rawQuery}`;
    if (this.rawFragment !== null) text += `#${this.rawFragment}`;
    return text;
  }

  [elText](): string {
    return this.toString();
  }

  [elGet](name: string): unknown {
    switch (name) {
      case 'scheme':
      case 'host':
      case 'port':
      case 'path':
      case 'rawPath':
      case 'query':
      case 'rawQuery':
      case 'fragment':
      case 'rawFragment':
      case 'userInfo':
      case 'rawUserInfo':
      case 'authority':
      case 'rawAuthority':
        return this[name];
      default:
        return undefined;
    }
  }
}

export function splitHostPort(hostPort: string): { host: string; port: number } {
  if (hostPort.startsWith('[')) {
    const end = hostPort.indexOf(']');
    const host = hostPort.slice(1, end);
    const rest = hostPort.slice(end + 1);
    return { host, port: rest.startsWith(':') ? Number(rest.slice(1)) : -1 };
  }
  const colon = hostPort.lastIndexOf(':');
  if (colon < 0) return { host: hostPort, port: -1 };
  const port = Number(hostPort.slice(colon + 1));
  return { host: hostPort.slice(0, colon), port: Number.isInteger(port) ? port : -1 };
}
