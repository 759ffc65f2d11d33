import { objectSchema } from '../config/schema.js';
import { childPlace, configError, ConfigErrors, TollgateError } from '../errors/tollgate-error.js';
import { defineType } from '../heap/types.js';
import { resolveSecretsProvider, secretsProviderSchema, warnIfNoStoreHolds } from './secret-store-types.js';
import type { SecretsProvider } from './secrets-provider.js';
import { pemBlocks, secretIdAt, type TrustManager } from './tls-material.js';

interface SecretsTrustManagerConfig {
  verificationSecretId?: string;
  certificateVerificationSecretId?: string;
  secretsProvider: unknown;
  checkRevocation?: boolean | string;
}

/** Trusts the certificates one secret holds (PEM, one or more), in place of the default roots. */
class SecretsTrustManager implements TrustManager {
  readonly trustAll = false;
  readonly #provider: SecretsProvider;
  readonly #secretId: string;

  constructor(provider: SecretsProvider, secretId: string) {
    this.#provider = provider;
    this.#secretId = secretId;
  }

  async certificates(): Promise<readonly string[]> {
    const secret = await this.#provider.getSecret(this.#secretId);
    const certificates = pemBlocks(secret.revealText(), /^(?:X509 |TRUSTED )?CERTIFICATE$/);
    if (certificates.length === 0) {
      throw new TollgateError(
        'TG_SECRET_BAD_FORMAT',
        `the secret '${this.#secretId}' holds no PEM certificate to trust`,
      );
    }
    return certificates;
  }
}

export const secretsTrustManagerType = defineType<SecretsTrustManagerConfig, TrustManager>({
  type: 'SecretsTrustManager',
  kind: 'TrustManager',
  description: 'Trusts the PEM certificates a secret holds when a TLS client checks its server.',
  schema: objectSchema(
    {
      verificationSecretId: { type: 'string' },
      certificateVerificationSecretId: { type: 'string' },
      secretsProvider: secretsProviderSchema,
      checkRevocation: { type: ['boolean', 'string'] },
    },
    ['secretsProvider'],
  ),
  ignoredKeys: {
    checkRevocation: 'node:tls checks no revocation lists or OCSP for a client connection',
  },
  create: (config, context) => {
    const given = (['verificationSecretId', 'certificateVerificationSecretId'] as const).filter(
      (key) => config[key] !== undefined,
    );
    if (given.length !== 1) {
      throw new ConfigErrors([
        configError(
          given.length === 0 ? 'TG_CONFIG_MISSING_PROPERTY' : 'TG_CONFIG_BAD_VALUE',
          childPlace(context.place, given[1] ?? 'verificationSecretId'),
          'give one of verificationSecretId and certificateVerificationSecretId',
        ),
      ]);
    }
    const key = given[0]!;
    const place = childPlace(context.place, key);
    const secretId = secretIdAt(context, config[key], place);
    const provider = resolveSecretsProvider(
      config.secretsProvider,
      context,
      childPlace(context.place, 'secretsProvider'),
    );
    warnIfNoStoreHolds(context, provider, secretId, 'secret', place);
    return new SecretsTrustManager(provider, secretId);
  },
});
