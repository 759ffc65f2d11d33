import type { Place } from '../errors/tollgate-error.js';
import { configError, ConfigErrors } from '../errors/tollgate-error.js';
import type { CreateContext } from '../heap/types.js';

/**
 * What a trust manager (kind TrustManager) gives a TLS client: PEM certificates to trust instead of
 * the default roots, or `trustAll` to check none.
 */
export interface TrustManager {
  readonly trustAll: boolean;
  /** The PEM certificates trusted; read from secret stores when the heap starts. */
  certificates(): Promise<readonly string[]>;
}

/** What a key manager (kind KeyManager) gives a TLS client to prove who it is: PEM key and chain. */
export interface KeyManager {
  keyPair(): Promise<{ readonly key: string; readonly cert: string }>;
}

/** A secret id setting: a string that may hold a configuration expression, evaluated once now. */
export function secretIdAt(context: CreateContext, value: unknown, place: Place): string {
  const evaluated = context.configValue(value, place);
  if (typeof evaluated !== 'string' || evaluated === '') {
    throw new ConfigErrors([configError('TG_CONFIG_BAD_VALUE', place, 'expected a secret id')]);
  }
  return evaluated;
}

/** The PEM blocks of one kind (`CERTIFICATE`, or a private key's) in a text. */
export function pemBlocks(text: string, label: RegExp): string[] {
  const blocks: string[] = [];
  const pattern = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
  for (const match of text.matchAll(pattern)) if (label.test(match[1]!)) blocks.push(`${match[0]}\n`);
  return blocks;
}
