import type { KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import type { CryptoKey } from 'jose';
import { TollgateError } from '../errors/tollgate-error.js';

const REDACTED = '[REDACTED]';

/**
 * An opaque secret value (a password, a client secret): PingGateway's GenericSecret. Every way a
 * value usually ends up in a log (String(), template literals, JSON.stringify, console.log,
 * util.inspect) prints "[REDACTED]"; the bytes come out only through `reveal()` / `revealText()`,
 * so each use of the content is visible in the code that needs it.
 */
export class Secret {
  // A private field, unlike a property, is invisible to Object.keys, structured logging and
  // util.inspect even with showHidden.
  readonly #bytes: Buffer;

  private constructor(bytes: Buffer) {
    this.#bytes = bytes;
  }

  /** Copies `bytes`, so later changes to the caller's buffer do not change the secret. */
  static fromBytes(bytes: Uint8Array): Secret {
    return new Secret(Buffer.from(bytes));
  }

  static fromText(text: string): Secret {
    return new Secret(Buffer.from(text, 'utf8'));
  }

  get byteLength(): number {
    return this.#bytes.length;
  }

  /** A copy of the secret's bytes; the caller may wipe it with `fill(0)` when done. */
  reveal(): Buffer {
    return Buffer.from(this.#bytes);
  }

  /** The secret decoded as UTF-8. */
  revealText(): string {
    return this.#bytes.toString('utf8');
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }
}

/**
 * Key material a store can hand out (PingGateway's CryptoKey secrets): a node:crypto KeyObject or
 * a WebCrypto CryptoKey, both of which jose signs and verifies with.
 */
export type CryptoKeyLike = KeyObject | CryptoKey;

/**
 * A key as a store holds it: the key material and the JWK `kid` it is known by, so a signature
 * can name its key (servers that hold several keys for a client, as during a rotation, pick the
 * one to verify with by kid).
 */
export interface StoredKey {
  readonly key: CryptoKeyLike;
  /** undefined when the store knows none, as for a PEM key. */
  readonly kid: string | undefined;
}

/**
 * A source of secrets. `get` answers null when the store does not hold the id, so a provider can
 * ask the next store; it throws only when the store holds the id but cannot produce it.
 */
export interface SecretStore {
  /** Shown in errors and logs to say which store was asked. */
  readonly name?: string;
  get(secretId: string): Promise<Secret | null>;
  /** Stores that hold keys (PEM, JWK) implement this; null when the id is not held here. */
  getKey?(secretId: string): Promise<StoredKey | null>;
  /**
   * Whether the store could give the id as `kind`, found out without fetching anything remote and
   * without decoding: undefined when it cannot tell so cheaply (and for a store without this).
   * Used at start-up to warn of a secret no store has, long before a request needs it.
   */
  holds?(secretId: string, kind: SecretKind): Promise<boolean | undefined>;
}

/** What a secret id is looked up as: a secret (getSecret) or a key (getKey). */
export type SecretKind = 'secret' | 'key';

/**
 * Whether any of the stores could give the id: true when one says so, false when every one says
 * it cannot, undefined when none has it and some cannot tell. A store that fails to answer cannot
 * tell; the request that needs the secret will report what failed.
 */
export async function storesHold(
  stores: readonly SecretStore[],
  secretId: string,
  kind: SecretKind,
): Promise<boolean | undefined> {
  let unknown = false;
  for (const store of stores) {
    const held =
      kind === 'key' && store.getKey === undefined
        ? false
        : await Promise.resolve(store.holds?.(secretId, kind)).catch(() => undefined);
    if (held === true) return true;
    if (held === undefined) unknown = true;
  }
  return unknown ? undefined : false;
}

/** How a stored value is encoded: PingGateway's SecretPropertyFormat values for generic secrets. */
export type SecretFormat = 'BASE64' | 'PLAIN';

// Standard alphabet only (java.util.Base64's basic decoder, which PingGateway uses); padding is
// optional, as that decoder allows. Buffer.from(…, 'base64') alone would skip invalid characters
// and silently give a different secret.
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Turns a stored value into a Secret. BASE64 ignores surrounding whitespace (a file or an env var
 * often ends with a newline); anything else that is not base64 is an error naming the id, never
 * the value.
 */
export function decodeSecret(stored: string, format: SecretFormat, secretId: string): Secret {
  if (typeof stored !== 'string') {
    throw new TollgateError('TG_SECRET_BAD_FORMAT', `secret '${secretId}' is not a string`);
  }
  if (format === 'PLAIN') return Secret.fromText(stored);
  const text = stored.trim();
  const unpaddedLength = text.replace(/=+$/, '').length;
  if (!BASE64.test(text) || unpaddedLength % 4 === 1 || (text.includes('=') && text.length % 4 !== 0)) {
    throw new TollgateError('TG_SECRET_BAD_FORMAT', `secret '${secretId}' is not valid base64`);
  }
  return Secret.fromBytes(Buffer.from(text, 'base64'));
}

export function isSecretFormat(value: unknown): value is SecretFormat {
  return value === 'BASE64' || value === 'PLAIN';
}
