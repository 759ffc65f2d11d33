import { createPublicKey, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { durationSchema, objectSchema } from '../config/schema.js';
import {
  childPlace,
  ConfigErrors,
  configError,
  formatPlace,
  TollgateError,
  type Place,
} from '../errors/tollgate-error.js';
import { defineType, type CreateContext } from '../heap/types.js';
import type { Exchange } from '../http/exchange.js';
import type { Response } from '../http/message.js';
import type { SessionManager } from '../http/session-manager.js';
import { Session } from '../http/session.js';
import { expireCookie, MAX_COOKIE_BYTES, setCookie, type CookieSettings } from '../http/set-cookie.js';
import { decodeSecret } from '../secrets/secret.js';
import {
  resolveSecretsProvider,
  secretsProviderSchema,
  warnIfNoStoreHolds,
} from '../secrets/secret-store-types.js';
import type { SecretsProvider } from '../secrets/secrets-provider.js';
import {
  CONTENT_ENCRYPTIONS,
  isContentEncryption,
  isUnreadable,
  openSession,
  sealSession,
  type ContentEncryption,
  type SessionKeys,
} from './jwt-session-codec.js';
import {
  configBoolean,
  configDuration,
  configString,
  cookieSchema,
  cookieSettings,
  type CookieConfig,
} from './session-cookie.js';

interface JwtSessionConfig {
  authenticatedEncryptedSecretId?: string;
  authenticatedEncryptionSecretId?: string;
  encryptionMethod?: string;
  encryptionSecretId?: string;
  signatureSecretId?: string;
  secretsProvider?: unknown;
  sharedSecret?: string;
  keystore?: unknown;
  alias?: string;
  password?: string;
  cookie?: CookieConfig;
  cookieName?: string;
  cookieDomain?: string;
  sessionTimeout?: string | number;
  persistentCookie?: boolean | string;
  skewAllowance?: string | number;
  useCompression?: boolean | string;
}

/** The claim that holds when the session ends, in milliseconds since the epoch (OpenIG's name). */
const EXPIRY_CLAIM = '_ig_exp';
/** OpenIG's ceiling for a session's life: about ten years stands for "does not expire". */
const MAX_TIMEOUT_MS = 3650 * 86_400_000;

/** Where each key comes from, as configured; the keys are fetched when a request first needs them. */
interface KeySources {
  readonly enc: ContentEncryption;
  readonly symmetricId: string | undefined;
  readonly rsaId: string | undefined;
  readonly signatureId: string | undefined;
  readonly sharedSecret: KeyObject | undefined;
  readonly provider: SecretsProvider | undefined;
  /** The random key used when none is configured. */
  readonly temporary: KeyObject | undefined;
}

/** What the request's cookie held, recorded when the session loaded. */
interface Opened {
  /** The values as JSON when the cookie was read, to tell whether the request changed them. */
  json: string | undefined;
  expiresAt: number | undefined;
  /** The request sent a cookie that could not be used: it is removed unless the session is saved. */
  stale: boolean;
}

/** JSON's values only: a cookie keeps nothing else, and a host object (a request) must not leak into one. */
function isJson(value: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item) => isJson(item, depth + 1));
  if (typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.values(value).every((item) => isJson(item, depth + 1));
}

/**
 * PingGateway's JwtSession (JwtSessionManager): the session travels in a cookie, as a JWT that is
 * signed when a signing key is set and always encrypted, so any gateway with the same keys reads
 * it. It holds JSON values only. A cookie that does not open (other keys, tampered) or whose time
 * is up gives an empty session, never an error response. The cookie is set only when the request
 * changed the session, and not at all when it would be larger than browsers keep (a warning).
 */
export class JwtSessionManager implements SessionManager {
  readonly #sources: KeySources;
  readonly #cookie: CookieSettings;
  readonly #timeoutMs: number;
  readonly #skewMs: number;
  readonly #persistent: boolean;
  readonly #opened = new WeakMap<Session, Opened>();
  readonly #now: () => number;
  #keys: Promise<SessionKeys> | undefined;

  constructor(options: {
    sources: KeySources;
    cookie: CookieSettings;
    timeoutMs: number;
    skewMs: number;
    persistent: boolean;
    now?: () => number;
  }) {
    this.#sources = options.sources;
    this.#cookie = options.cookie;
    this.#timeoutMs = Math.min(options.timeoutMs, MAX_TIMEOUT_MS);
    this.#skewMs = options.skewMs;
    this.#persistent = options.persistent;
    this.#now = options.now ?? Date.now;
  }

  async open(exchange: Exchange): Promise<Session> {
    const token = exchange.request.cookies[this.#cookie.name]?.[0]?.value;
    const opened: Opened = { json: undefined, expiresAt: undefined, stale: false };
    let keys: SessionKeys | undefined;
    if (token !== undefined) {
      try {
        keys = await this.#fetchKeys();
      } catch (error) {
        // Not stale: the cookie may be good, and the store back for the next request.
        this.#logKeyFailure(exchange, error, 'read');
      }
    }
    const session = new Session(
      () => (token === undefined || keys === undefined ? [] : this.#load(token, keys, opened, exchange)),
      (name, value) => {
        if (isJson(value)) return true;
        exchange.log.warn(
          { code: 'TG_SESSION_NOT_JSON', name },
          `a JWT session keeps JSON values only: session.${name} is left as it was`,
        );
        return false;
      },
    );
    this.#opened.set(session, opened);
    return session;
  }

  async save(session: Session, response: Response, exchange: Exchange): Promise<void> {
    const opened = this.#opened.get(session);
    if (opened === undefined || !session.loaded) return;
    if (session.size === 0) {
      if (opened.json !== undefined || opened.stale)
        response.headers.add('Set-Cookie', expireCookie(this.#cookie));
      return;
    }
    const values = session.toRecord();
    if (JSON.stringify(values) === opened.json) return;
    let keys: SessionKeys;
    try {
      keys = await this.#fetchKeys();
    } catch (error) {
      this.#logKeyFailure(exchange, error, 'save');
      return;
    }
    // The session ends when it was first saved plus the timeout, however often it changes since.
    const expiresAt = opened.expiresAt ?? this.#now() + this.#timeoutMs;
    const token = await sealSession({ ...values, [EXPIRY_CLAIM]: expiresAt }, keys);
    const header = setCookie(this.#cookie, token, this.#persistent ? expiresAt : undefined);
    const bytes = Buffer.byteLength(header);
    if (bytes > MAX_COOKIE_BYTES) {
      exchange.log.warn(
        { code: 'TG_SESSION_TOO_LARGE', cookie: this.#cookie.name, bytes, limit: MAX_COOKIE_BYTES },
        `the JWT session cookie would be ${bytes} bytes, more than browsers keep (${MAX_COOKIE_BYTES}): the session is not saved`,
      );
      return;
    }
    response.headers.add('Set-Cookie', header);
  }

  #load(token: string, keys: SessionKeys, opened: Opened, exchange: Exchange): [string, unknown][] {
    let claims: Record<string, unknown>;
    try {
      claims = openSession(token, keys);
    } catch (error) {
      if (!isUnreadable(error)) throw error;
      opened.stale = true;
      exchange.log.debug(
        { code: 'TG_SESSION_UNREADABLE', cookie: this.#cookie.name, reason: error.message },
        'the JWT session cookie does not open with this gateway’s keys: the session starts empty',
      );
      return [];
    }
    const expiresAt = claims[EXPIRY_CLAIM];
    if (typeof expiresAt !== 'number' || expiresAt + this.#skewMs <= this.#now()) {
      opened.stale = true;
      exchange.log.debug(
        { code: 'TG_SESSION_UNREADABLE', cookie: this.#cookie.name, reason: 'expired' },
        'the JWT session has expired: the session starts empty',
      );
      return [];
    }
    delete claims[EXPIRY_CLAIM];
    opened.expiresAt = expiresAt;
    opened.json = JSON.stringify(claims);
    return Object.entries(claims);
  }

  #logKeyFailure(exchange: Exchange, error: unknown, action: 'read' | 'save'): void {
    const coded = error as Partial<TollgateError>;
    exchange.log.error(
      { code: coded.code ?? 'TG_SECRET_STORE_FAILED', detail: coded.detail ?? String(error) },
      action === 'read'
        ? 'the JWT session keys cannot be fetched: the session starts empty'
        : 'the JWT session keys cannot be fetched: the session is not saved',
    );
  }

  /** The keys, fetched once; a failed fetch is tried again by the next request. */
  #fetchKeys(): Promise<SessionKeys> {
    this.#keys ??= fetchKeys(this.#sources).catch((error: unknown) => {
      this.#keys = undefined;
      throw error;
    });
    return this.#keys;
  }
}

async function fetchKeys(sources: KeySources): Promise<SessionKeys> {
  const { enc, provider } = sources;
  const signing =
    sources.signatureId !== undefined ? await hmacKey(provider!, sources.signatureId) : sources.sharedSecret;
  if (sources.rsaId !== undefined) {
    const { key } = await provider!.getKey(sources.rsaId);
    if (!('asymmetricKeyType' in key) || key.type !== 'private' || key.asymmetricKeyType !== 'rsa') {
      throw notAKey(`secret '${sources.rsaId}' is not an RSA private key`);
    }
    return {
      enc,
      signing,
      encryption: { alg: 'RSA-OAEP-256', privateKey: key, publicKey: createPublicKey(key) },
    };
  }
  if (sources.symmetricId !== undefined) {
    const bytes = (await provider!.getSecret(sources.symmetricId)).reveal();
    try {
      if (bytes.length !== CONTENT_ENCRYPTIONS[enc]) {
        throw notAKey(
          `secret '${sources.symmetricId}' is ${bytes.length} bytes; ${enc} takes a key of ${CONTENT_ENCRYPTIONS[enc]}`,
        );
      }
      return { enc, signing, encryption: { alg: 'dir', key: createSecretKey(bytes) } };
    } finally {
      bytes.fill(0);
    }
  }
  return { enc, signing, encryption: { alg: 'dir', key: sources.temporary! } };
}

async function hmacKey(provider: SecretsProvider, secretId: string): Promise<KeyObject> {
  const bytes = (await provider.getSecret(secretId)).reveal();
  try {
    if (bytes.length < 32) throw notAKey(`secret '${secretId}' is shorter than the 32 bytes HS256 needs`);
    return createSecretKey(bytes);
  } finally {
    bytes.fill(0);
  }
}

function notAKey(detail: string): TollgateError {
  return new TollgateError('TG_SECRET_NOT_A_KEY', detail);
}

const OLD_KEYSTORE_KEYS = ['keystore', 'alias', 'password'] as const;

type SecretIdKey =
  | 'authenticatedEncryptedSecretId'
  | 'authenticatedEncryptionSecretId'
  | 'encryptionSecretId'
  | 'signatureSecretId';

function keySources(config: JwtSessionConfig, context: CreateContext): KeySources {
  const { place } = context;
  const at = (key: string): Place => childPlace(place, key);
  const errors: TollgateError[] = [];
  for (const key of OLD_KEYSTORE_KEYS) {
    if (config[key] !== undefined) {
      errors.push(
        configError(
          'TG_CONFIG_JWT_SESSION_KEYSTORE',
          at(key),
          `JwtSession "${key}" (a Java KeyStore) is not supported: give the key through a secret store, as authenticatedEncryptedSecretId (a shared AES key) or encryptionSecretId (an RSA key) with a secretsProvider`,
        ),
      );
    }
  }
  if (
    config.authenticatedEncryptedSecretId !== undefined &&
    config.authenticatedEncryptionSecretId !== undefined
  ) {
    errors.push(
      configError(
        'TG_CONFIG_BAD_VALUE',
        at('authenticatedEncryptionSecretId'),
        'give authenticatedEncryptedSecretId or authenticatedEncryptionSecretId, not both',
      ),
    );
  }
  const symmetricKey =
    config.authenticatedEncryptedSecretId !== undefined
      ? 'authenticatedEncryptedSecretId'
      : 'authenticatedEncryptionSecretId';
  const secretId = (key: SecretIdKey): string | undefined =>
    config[key] === undefined ? undefined : configString(context, config[key], at(key));
  const ids = {
    symmetricId: secretId(symmetricKey),
    rsaId: secretId('encryptionSecretId'),
    signatureId: secretId('signatureSecretId'),
  };
  if (ids.symmetricId !== undefined && ids.rsaId !== undefined) {
    errors.push(
      configError(
        'TG_CONFIG_BAD_VALUE',
        at('encryptionSecretId'),
        `give ${symmetricKey} or encryptionSecretId, not both`,
      ),
    );
  }
  if (ids.signatureId !== undefined && config.sharedSecret !== undefined) {
    errors.push(
      configError(
        'TG_CONFIG_BAD_VALUE',
        at('sharedSecret'),
        'give signatureSecretId or sharedSecret, not both',
      ),
    );
  }
  const anyId = Object.values(ids).some((id) => id !== undefined);
  if (anyId && config.secretsProvider === undefined) {
    errors.push(
      configError(
        'TG_CONFIG_MISSING_PROPERTY',
        at('secretsProvider'),
        'the session keys are looked up through a secretsProvider',
      ),
    );
  }
  let enc: ContentEncryption = 'A256GCM';
  if (config.encryptionMethod !== undefined) {
    const method = configString(context, config.encryptionMethod, at('encryptionMethod'));
    if (isContentEncryption(method)) enc = method;
    else {
      errors.push(
        configError(
          'TG_CONFIG_BAD_VALUE',
          at('encryptionMethod'),
          `"${method}" is not one of ${Object.keys(CONTENT_ENCRYPTIONS).join(', ')}`,
        ),
      );
    }
  }
  let sharedSecret: KeyObject | undefined;
  if (config.sharedSecret !== undefined) {
    try {
      const secret = decodeSecret(
        configString(context, config.sharedSecret, at('sharedSecret')),
        'BASE64',
        'sharedSecret',
      );
      if (secret.byteLength < 32) {
        errors.push(
          configError(
            'TG_CONFIG_BAD_VALUE',
            at('sharedSecret'),
            'sharedSecret must be at least 256 bits, base64 encoded',
          ),
        );
      } else {
        const bytes = secret.reveal();
        sharedSecret = createSecretKey(bytes);
        bytes.fill(0);
      }
    } catch (error) {
      if (!(error instanceof TollgateError)) throw error;
      errors.push(configError(error.code, at('sharedSecret'), error.detail));
    }
  }
  if (errors.length > 0) throw new ConfigErrors(errors);

  const provider = anyId
    ? resolveSecretsProvider(config.secretsProvider, context, at('secretsProvider'))
    : undefined;
  const sources: KeySources = {
    enc,
    ...ids,
    sharedSecret,
    provider,
    temporary:
      ids.symmetricId === undefined && ids.rsaId === undefined
        ? createSecretKey(randomBytes(CONTENT_ENCRYPTIONS[enc]))
        : undefined,
  };
  if (provider !== undefined) {
    if (sources.symmetricId !== undefined)
      warnIfNoStoreHolds(context, provider, sources.symmetricId, 'secret', at(symmetricKey));
    if (sources.rsaId !== undefined)
      warnIfNoStoreHolds(context, provider, sources.rsaId, 'key', at('encryptionSecretId'));
    if (sources.signatureId !== undefined)
      warnIfNoStoreHolds(context, provider, sources.signatureId, 'secret', at('signatureSecretId'));
  }
  if (sources.temporary !== undefined) {
    context.logger.warn(
      { code: 'TG_SESSION_TEMPORARY_KEY', place: formatPlace(place) },
      'JwtSession has no encryption key configured: a temporary one is used, so its sessions end when the gateway or this file reloads, and other gateways cannot read them',
    );
  }
  return sources;
}

const secretIdSchema = { type: 'string', minLength: 1 };

export const jwtSessionType = defineType<JwtSessionConfig, SessionManager>({
  type: 'JwtSession',
  aliases: ['JwtSessionManager', 'org.forgerock.openig.jwt.JwtSessionManager'],
  kind: 'SessionManager',
  description:
    'Sessions carried by the client in an encrypted (and optionally signed) JWT cookie, readable by every gateway with the same keys.',
  schema: objectSchema({
    authenticatedEncryptedSecretId: secretIdSchema,
    authenticatedEncryptionSecretId: secretIdSchema,
    encryptionMethod: { type: 'string' },
    encryptionSecretId: secretIdSchema,
    signatureSecretId: secretIdSchema,
    secretsProvider: secretsProviderSchema,
    sharedSecret: { type: 'string' },
    keystore: {},
    alias: {},
    password: {},
    cookie: cookieSchema,
    cookieName: { type: 'string', minLength: 1 },
    cookieDomain: { type: 'string' },
    sessionTimeout: durationSchema,
    persistentCookie: { type: ['boolean', 'string'] },
    skewAllowance: durationSchema,
    useCompression: { type: ['boolean', 'string'] },
  }),
  create: (config, context) => {
    const { place } = context;
    const at = (key: string): Place => childPlace(place, key);
    const sources = keySources(config, context);
    const timeoutMs = configDuration(context, config.sessionTimeout, at('sessionTimeout'), '30 minutes');
    if (timeoutMs === 0) {
      throw new ConfigErrors([
        configError('TG_CONFIG_BAD_VALUE', at('sessionTimeout'), 'a session timeout must be more than 0'),
      ]);
    }
    // OpenIG's `cookieName` / `cookieDomain` are the `cookie` object's name and domain.
    const cookie = cookieSettings(
      context,
      { name: config.cookieName, domain: config.cookieDomain, ...config.cookie },
      at('cookie'),
      'openig-jwt-session',
    );
    if (configBoolean(context, config.useCompression, at('useCompression'), false)) {
      context.logger.warn(
        { place: formatPlace(at('useCompression')) },
        'JwtSession "useCompression" is ignored: jose writes no compressed JWE, and compressing before encrypting lets the cookie length tell about its content',
      );
    }
    return new JwtSessionManager({
      sources,
      cookie,
      timeoutMs,
      skewMs: configDuration(context, config.skewAllowance, at('skewAllowance'), 'zero'),
      persistent: configBoolean(context, config.persistentCookie, at('persistentCookie'), false),
    });
  },
});
