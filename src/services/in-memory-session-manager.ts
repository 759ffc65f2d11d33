import { randomBytes } from 'node:crypto';
import { durationSchema, objectSchema } from '../config/schema.js';
import { ConfigErrors, childPlace, configError } from '../errors/tollgate-error.js';
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
 * PingGateway's InMemorySessionManager: the values stay in this process, and the client holds
 * only a random id in a cookie. A session lives `timeout` after the last request that used it (a
 * request that never reads or writes the session does not even look for it); the cookie lasts as long as the browser session, and is set when a session is first saved.
 * The values are kept as written (any value an expression can give, not only JSON), so a change
 * inside one of them is kept too.
 */
export class InMemorySessionManager implements SessionManager {
  readonly #sessions = new Map<string, Stored>();
  readonly #opened = new WeakMap<Session, Opened>();
  readonly #timeoutMs: number;
  readonly #cookie: CookieSettings;
  readonly #now: () => number;

  constructor(options: { timeoutMs: number; cookie: CookieSettings; now?: () => number }) {
    this.#timeoutMs = options.timeoutMs;
    this.#cookie = options.cookie;
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
    if (stored.expiresAt > this.#now()) return stored;
    this.#sessions.delete(id);
    return undefined;
  }
}

export const inMemorySessionManagerType = defineType<InMemorySessionManagerConfig, SessionManager>({
  type: 'InMemorySessionManager',
  kind: 'SessionManager',
  description:
    'Sessions kept in the gateway process, found again by a random id in a cookie (IG_SESSIONID); PingGateway’s default session.',
  schema: objectSchema({ timeout: durationSchema, cookie: cookieSchema }),
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
    const manager = new InMemorySessionManager({ timeoutMs, cookie });
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
