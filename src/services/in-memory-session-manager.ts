import { randomBytes } from 'node:crypto';
import { durationSchema, objectSchema } from '../config/schema.js';
import { ConfigErrors, childPlace, configError, formatPlace } from '../errors/tollgate-error.js';
import { defineType } from '../heap/types.js';
import type { Exchange } from '../http/exchange.js';
import type { Response } from '../http/message.js';
import type { SessionManager } from '../http/session-manager.js';
import { Session } from '../http/session.js';
import { expireCookie, setCookie, type CookieSettings } from '../http/set-cookie.js';
import { configDuration, cookieSchema, cookieSettings, type CookieConfig } from './session-cookie.js';

interface InMemorySessionManagerConfig {
  timeout?: string | number;
  cookie?: CookieConfig;
  maxSessions?: number;
}

interface Stored {
  values: Record<string, unknown>;
  expiresAt: number;
}

/** What a request's session came with, found when it loads: the id of a live session, and whether it sent a cookie. */
interface Opened {
  id: string | undefined;
  sentCookie: boolean;
}

/** The longest gap between two sweeps of expired sessions. */
const MAX_SWEEP_MS = 60_000;

/**
 * How many sessions a manager holds unless `maxSessions` says otherwise: a client that gets a new
 * session on every request must not grow the gateway's memory without end.
 */
export const DEFAULT_MAX_SESSIONS = 100_000;

/**
 * PingGateway's InMemorySessionManager: the values stay in this process, and the client holds
 * only a random id in a cookie. A session lives `timeout` after the last request that used it (a
 * request that never reads or writes the session does not even look for it); the cookie lasts as long as the browser session, and is set when a session is first saved.
 * The values are kept as written (any value an expression can give, not only JSON), so a change
 * inside one of them is kept too. At most `maxSessions` are held: past that, the least recently
 * used one is dropped and `onEvict` told.
 */
export class InMemorySessionManager implements SessionManager {
  readonly #sessions = new Map<string, Stored>();
  readonly #opened = new WeakMap<Session, Opened>();
  readonly #timeoutMs: number;
  readonly #cookie: CookieSettings;
  readonly #now: () => number;
  readonly #maxSessions: number;
  readonly #onEvict: () => void;

  constructor(options: {
    timeoutMs: number;
    cookie: CookieSettings;
    maxSessions?: number;
    onEvict?: () => void;
    now?: () => number;
  }) {
    this.#timeoutMs = options.timeoutMs;
    this.#cookie = options.cookie;
    this.#maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
    this.#onEvict = options.onEvict ?? (() => {});
    this.#now = options.now ?? Date.now;
  }

  get cookie(): CookieSettings {
    return this.#cookie;
  }

  /** How many sessions are held, expired ones not yet swept included. */
  get count(): number {
    return this.#sessions.size;
  }

  open(exchange: Exchange): Session {
    const opened: Opened = { id: undefined, sentCookie: false };
    const session = new Session(() => {
      const sent = exchange.request.cookies[this.#cookie.name]?.[0]?.value;
      opened.sentCookie = sent !== undefined;
      const stored = sent === undefined ? undefined : this.#live(sent);
      if (stored === undefined) return [];
      opened.id = sent;
      stored.expiresAt = this.#now() + this.#timeoutMs;
      return Object.entries(stored.values);
    });
    this.#opened.set(session, opened);
    return session;
  }

  save(session: Session, response: Response): void {
    const opened = this.#opened.get(session);
    // Only a loaded session can have changed.
    if (opened === undefined || !session.changed) return;
    if (session.size === 0) {
      if (opened.id !== undefined) this.#sessions.delete(opened.id);
      if (opened.sentCookie) response.headers.add('Set-Cookie', expireCookie(this.#cookie));
      return;
    }
    const stored = opened.id === undefined ? undefined : this.#sessions.get(opened.id);
    if (stored !== undefined) {
      stored.values = session.toRecord();
      return;
    }
    if (this.#sessions.size >= this.#maxSessions) this.#makeRoom();
    // 192 random bits: the id is the only thing between a client and another's session.
    const id = randomBytes(24).toString('base64url');
    this.#sessions.set(id, { values: session.toRecord(), expiresAt: this.#now() + this.#timeoutMs });
    response.headers.add('Set-Cookie', setCookie(this.#cookie, id));
  }

  /** Forgets the sessions whose time is up. */
  sweep(): void {
    const now = this.#now();
    for (const [id, stored] of this.#sessions) if (stored.expiresAt <= now) this.#sessions.delete(id);
  }

  /** Every session is forgotten when the heap that holds the manager stops. */
  clear(): void {
    this.#sessions.clear();
  }

  #live(id: string): Stored | undefined {
    const stored = this.#sessions.get(id);
    if (stored === undefined) return undefined;
    this.#sessions.delete(id);
    if (stored.expiresAt <= this.#now()) return undefined;
    // Set again, so the map's order is the order of last use and its first entry the least recent.
    this.#sessions.set(id, stored);
    return stored;
  }

  /** Sweeps; when every session is still live, drops the least recently used one. */
  #makeRoom(): void {
    this.sweep();
    if (this.#sessions.size < this.#maxSessions) return;
    const oldest = this.#sessions.keys().next();
    if (!oldest.done) this.#sessions.delete(oldest.value);
    this.#onEvict();
  }
}

export const inMemorySessionManagerType = defineType<InMemorySessionManagerConfig, SessionManager>({
  type: 'InMemorySessionManager',
  kind: 'SessionManager',
  description:
    'Sessions kept in the gateway process, found again by a random id in a cookie (IG_SESSIONID); PingGateway’s default session.',
  schema: objectSchema({
    timeout: durationSchema,
    cookie: cookieSchema,
    maxSessions: { type: 'integer', minimum: 1, maximum: 10_000_000 },
  }),
  create: (config, context) => {
    const { place } = context;
    const timeoutMs = configDuration(context, config.timeout, childPlace(place, 'timeout'), '30 minutes');
    if (timeoutMs === 0) {
      throw new ConfigErrors([
        configError(
          'TG_CONFIG_BAD_VALUE',
          childPlace(place, 'timeout'),
          'a session timeout must be more than 0',
        ),
      ]);
    }
    const cookie = cookieSettings(context, config.cookie, childPlace(place, 'cookie'), 'IG_SESSIONID');
    // One warning per sweep interval at most: a flood of new sessions must not flood the log too.
    let warnedAt = -Infinity;
    const maxSessions = config.maxSessions ?? DEFAULT_MAX_SESSIONS;
    const onEvict = (): void => {
      const now = Date.now();
      if (now - warnedAt < MAX_SWEEP_MS) return;
      warnedAt = now;
      context.logger.warn(
        { code: 'TG_SESSION_EVICTED', place: formatPlace(place), maxSessions },
        'the in-memory sessions reached maxSessions: the least recently used ones are dropped',
      );
    };
    const manager = new InMemorySessionManager({ timeoutMs, cookie, maxSessions, onEvict });
    let timer: NodeJS.Timeout | undefined;
    context.onStart(() => {
      timer = setInterval(() => manager.sweep(), Math.min(timeoutMs, MAX_SWEEP_MS));
      timer.unref();
    });
    context.onStop(() => {
      clearInterval(timer);
      manager.clear();
    });
    return manager;
  },
});
