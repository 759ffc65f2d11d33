import { createCipheriv, createDecipheriv, hash, randomBytes } from 'node:crypto';
import { TollgateError } from '../errors/tollgate-error.js';
import type { TokenExchangeSuccess } from './token-exchange-response.js';

/** An issued token as a shared cache keeps it: the answer, and when it stops being served. */
export interface SharedEntry {
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
  readonly success: TokenExchangeSuccess;
}

const FORMAT = 1;
const KEY_ID_BYTES = 8;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + KEY_ID_BYTES + IV_BYTES + TAG_BYTES;
/** AES-256 */
export const SEALING_KEY_BYTES = 32;

/**
 * A key's id as values name it: a digest of the key, so no operator has to number keys and a
 * value says which key sealed it without saying anything about the key.
 */
export function sealingKeyId(key: Buffer): Buffer {
  return hash(
    'sha256',
    Buffer.concat([Buffer.from('tollgate.exchange-cache.key-id\0'), key]),
    'buffer',
  ).subarray(0, KEY_ID_BYTES);
}

function garbage(detail: string): TollgateError {
  return new TollgateError('TG_EXCHANGE_CACHE_STORE_FAILED', `a stored value cannot be used: ${detail}`);
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

const optionalString = (value: unknown): boolean => value === undefined || typeof value === 'string';

/** The stored entry, checked field by field: what decrypts is only as trusted as the key's holders. */
function entryFrom(value: unknown): SharedEntry {
  const entry = value as { e?: unknown; s?: Record<string, unknown> } | null;
  const s = entry?.s;
  if (
    typeof entry?.e !== 'number' ||
    typeof s !== 'object' ||
    s === null ||
    typeof s.accessToken !== 'string' ||
    !(s.issuedTokenType === null || typeof s.issuedTokenType === 'string') ||
    typeof s.issuedTokenTypeAssumed !== 'boolean' ||
    typeof s.tokenType !== 'string' ||
    typeof s.bearerUsable !== 'boolean' ||
    !(s.expiresIn === undefined || typeof s.expiresIn === 'number') ||
    !isStringList(s.scopes) ||
    typeof s.scopeFromRequest !== 'boolean' ||
    !optionalString(s.refreshToken) ||
    typeof s.raw !== 'object' ||
    s.raw === null ||
    Array.isArray(s.raw) ||
    !isStringList(s.warnings)
  ) {
    throw garbage('the decrypted entry has not the expected shape');
  }
  return {
    expiresAt: entry.e,
    success: Object.freeze({
      accessToken: s.accessToken,
      issuedTokenType: s.issuedTokenType,
      issuedTokenTypeAssumed: s.issuedTokenTypeAssumed,
      tokenType: s.tokenType,
      bearerUsable: s.bearerUsable,
      expiresIn: s.expiresIn,
      scopes: Object.freeze(s.scopes),
      scopeFromRequest: s.scopeFromRequest,
      refreshToken: s.refreshToken,
      raw: Object.freeze(s.raw as Record<string, unknown>),
      warnings: Object.freeze(s.warnings),
    } as TokenExchangeSuccess),
  };
}

/**
 * Seals shared cache entries with AES-256-GCM: base64 of a format byte, the sealing key's id, a
 * random IV, the tag and the ciphertext of the entry's JSON. The associated data binds a value to
 * its cache key, so a value copied under another key does not open. The first key seals; every
 * key opens, so a new key can be put first while values sealed with the old one are still read.
 */
export class ExchangeValueSealer {
  readonly #sealing: { readonly id: Buffer; readonly key: Buffer };
  readonly #opening: ReadonlyMap<string, Buffer>;

  /** `keys`: 32 bytes each, the newest first. */
  constructor(keys: readonly Buffer[]) {
    if (keys.length === 0) throw new TollgateError('TG_SECRET_NOT_A_KEY', 'no encryption key');
    const opening = new Map<string, Buffer>();
    for (const key of keys) {
      if (key.length !== SEALING_KEY_BYTES) {
        throw new TollgateError(
          'TG_SECRET_NOT_A_KEY',
          `an exchange cache encryption key must be ${SEALING_KEY_BYTES} bytes, not ${key.length}`,
        );
      }
      opening.set(sealingKeyId(key).toString('hex'), Buffer.from(key));
    }
    this.#sealing = { id: sealingKeyId(keys[0]!), key: Buffer.from(keys[0]!) };
    this.#opening = opening;
  }

  seal(cacheKey: string, entry: SharedEntry): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#sealing.key, iv);
    cipher.setAAD(associatedData(cacheKey));
    const plaintext = Buffer.from(JSON.stringify({ e: entry.expiresAt, s: entry.success }), 'utf8');
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    plaintext.fill(0);
    return Buffer.concat([Buffer.of(FORMAT), this.#sealing.id, iv, cipher.getAuthTag(), ciphertext]).toString(
      'base64',
    );
  }

  /** The entry sealed under `cacheKey`; TG_EXCHANGE_CACHE_STORE_FAILED for anything else. */
  open(cacheKey: string, sealed: string): SharedEntry {
    const bytes = Buffer.from(sealed, 'base64');
    if (bytes.length <= HEADER_BYTES || bytes[0] !== FORMAT) throw garbage('not a sealed entry');
    const key = this.#opening.get(bytes.subarray(1, 1 + KEY_ID_BYTES).toString('hex'));
    if (key === undefined) throw garbage('sealed with a key this gateway does not hold');
    const iv = bytes.subarray(1 + KEY_ID_BYTES, 1 + KEY_ID_BYTES + IV_BYTES);
    const tag = bytes.subarray(1 + KEY_ID_BYTES + IV_BYTES, HEADER_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(cacheKey));
    decipher.setAuthTag(tag);
    let plaintext: Buffer;
    try {
      plaintext = Buffer.concat([decipher.update(bytes.subarray(HEADER_BYTES)), decipher.final()]);
    } catch {
      throw garbage('it does not decrypt');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(plaintext.toString('utf8'));
    } catch {
      throw garbage('it decrypts to something that is not JSON');
    } finally {
      plaintext.fill(0);
    }
    return entryFrom(parsed);
  }
}

function associatedData(cacheKey: string): Buffer {
  return Buffer.from(`tollgate.exchange-cache.v${FORMAT}\0${cacheKey}`, 'utf8');
}
