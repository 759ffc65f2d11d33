import { objectSchema } from '../config/schema.js';
import { childPlace, TollgateError } from '../errors/tollgate-error.js';
import { defineType } from '../heap/types.js';
import { resolveSecretsProvider, secretsProviderSchema, warnIfNoStoreHolds } from './secret-store-types.js';
import type { SecretsProvider } from './secrets-provider.js';
import { pemBlocks, secretIdAt, type KeyManager } from './tls-material.js';

interface SecretsKeyManagerConfig {
  signingSecretId: string | string[];
  secretsProvider: unknown;
}

/**
 * Proves the client's identity with the private key and certificate chain one secret holds, both
 * PEM in the one secret (PingGateway reads them as one keystore entry).
 */
class SecretsKeyManager implements KeyManager {
  readonly #provider: SecretsProvider;
  readonly #secretId: string;

  constructor(provider: SecretsProvider, secretId: string) {
    this.#provider = provider;
    this.#secretId = secretId;
  }

  async keyPair(): Promise<{ key: string; cert: string }> {
    const text = (await this.#provider.getSecret(this.#secretId)).revealText();
    const [key] = pemBlocks(text, /PRIVATE KEY$/);
    const chain = pemBlocks(text, /^CERTIFICATE$/);
    if (key === undefined || chain.length === 0) {
      throw new TollgateError(
        'TG_SECRET_BAD_FORMAT',
        `the secret '${this.#secretId}' needs a PEM private key and its certificate`,
      );
    }
    return { key, cert: chain.join('') };
  }
}

export const secretsKeyManagerType = defineType<SecretsKeyManagerConfig, KeyManager>({
  type: 'SecretsKeyManager',
  kind: 'KeyManager',
  description: 'Presents the PEM private key and certificate a secret holds when a TLS server asks for one.',
  schema: objectSchema(
    {
      signingSecretId: { type: ['string', 'array'], items: { type: 'string' }, minItems: 1 },
      secretsProvider: secretsProviderSchema,
    },
    ['signingSecretId', 'secretsProvider'],
  ),
  create: (config, context) => {
    const ids = Array.isArray(config.signingSecretId) ? config.signingSecretId : [config.signingSecretId];
    const at = (index: number) =>
      Array.isArray(config.signingSecretId)
        ? childPlace(context.place, 'signingSecretId', index)
        : childPlace(context.place, 'signingSecretId');
    // node:tls presents one key pair per connection: the first id is the one used.
    const secretId = secretIdAt(context, ids[0], at(0));
    const provider = resolveSecretsProvider(
      config.secretsProvider,
      context,
      childPlace(context.place, 'secretsProvider'),
    );
    warnIfNoStoreHolds(context, provider, secretId, 'secret', at(0));
    return new SecretsKeyManager(provider, secretId);
  },
});
