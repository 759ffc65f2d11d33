import { TollgateError } from '../errors/tollgate-error.js';
import { storesHold, type Secret, type SecretKind, type SecretStore, type StoredKey } from './secret.js';

/**
 * PingGateway's SecretsProvider: asks its stores in declared order and takes the first answer.
 * Errors name the secret id and the stores asked, never a value.
 */
export class SecretsProvider {
  readonly #stores: readonly SecretStore[];

  constructor(stores: readonly SecretStore[]) {
    if (stores.length === 0) {
      throw new TollgateError('TG_CONFIG_BAD_VALUE', 'a SecretsProvider needs at least one store');
    }
    this.#stores = Object.freeze([...stores]);
  }

  /** The first store's answer; TG_SECRET_NOT_FOUND when none holds the id. */
  async getSecret(secretId: string): Promise<Secret> {
    for (const store of this.#stores) {
      const secret = await store.get(secretId);
      if (secret !== null) return secret;
    }
    throw this.#notFound(secretId, 'secret');
  }

  /** The first key found among the stores that hold keys; TG_SECRET_NOT_FOUND when none does. */
  async getKey(secretId: string): Promise<StoredKey> {
    for (const store of this.#stores) {
      const key = store.getKey ? await store.getKey(secretId) : null;
      if (key !== null) return key;
    }
    throw this.#notFound(secretId, 'key');
  }

  /** Whether a store could give the id, without fetching or decoding it (see SecretStore.holds). */
  holds(secretId: string, kind: SecretKind): Promise<boolean | undefined> {
    return storesHold(this.#stores, secretId, kind);
  }

  /** The stores asked, by name, for a message. */
  get storeNames(): string {
    return this.#stores.map((store, index) => store.name ?? `store #${index + 1}`).join(', ');
  }

  #notFound(secretId: string, what: 'secret' | 'key'): TollgateError {
    return new TollgateError('TG_SECRET_NOT_FOUND', `no ${what} '${secretId}' in ${this.storeNames}`);
  }
}
