import { checkServerIdentity as strictIdentity, type PeerCertificate } from 'node:tls';
import { objectSchema, referenceSchema, type JsonSchema } from '../config/schema.js';
import { childPlace, configError, ConfigErrors, type Place } from '../errors/tollgate-error.js';
import type { UpstreamTls } from '../http/client.js';
import { defineType, type CreateContext } from '../heap/types.js';
import type { KeyManager, TrustManager } from '../secrets/tls-material.js';

export type HostnameVerifier = 'STRICT' | 'ALLOW_ALL';

export const hostnameVerifierSchema: JsonSchema = { enum: ['STRICT', 'ALLOW_ALL'] };

/** How a TLS client connects: the node:tls options, some read from secret stores at start. */
export interface ClientTls {
  load(): Promise<UpstreamTls>;
}

interface ClientTlsOptionsConfig {
  keyManager?: unknown;
  trustManager?: unknown;
  sslCipherSuites?: string[];
  sslContextAlgorithm?: string;
  sslEnabledProtocols?: string[];
  alpn?: { enabled?: boolean };
  hostnameVerifier?: HostnameVerifier;
  offloadHandshake?: boolean | string;
}

const managersSchema: JsonSchema = {
  type: ['string', 'object', 'array'],
  items: referenceSchema,
  description: 'A manager (name or inline declaration) or a list of them',
};

const PROTOCOLS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
type Protocol = (typeof PROTOCOLS)[number];

/**
 * Java's (IANA) names of the TLS 1.2 suites servers still offer, as OpenSSL names them; TLS 1.3
 * suites have the same name in both. Other names are passed to OpenSSL as they are.
 */
const OPENSSL_CIPHER: Readonly<Record<string, string>> = Object.freeze({
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_DHE_RSA_WITH_AES_128_GCM_SHA256: 'DHE-RSA-AES128-GCM-SHA256',
  TLS_DHE_RSA_WITH_AES_256_GCM_SHA384: 'DHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: 'ECDHE-ECDSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: 'ECDHE-RSA-AES128-SHA256',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
});

/** A name for OpenSSL's cipher list (TLS 1.2) or its TLS 1.3 suites; node:tls takes both in `ciphers`. */
export function opensslCipher(name: string): string {
  return OPENSSL_CIPHER[name] ?? name;
}

/** The lowest and highest of the protocols enabled; a gap between them cannot be expressed. */
export function protocolRange(
  protocols: readonly string[],
  place: Place,
): { minVersion: Protocol; maxVersion: Protocol } {
  const known = protocols.map((protocol, index) => {
    const at = PROTOCOLS.indexOf(protocol as Protocol);
    if (at < 0) {
      throw new ConfigErrors([
        configError(
          'TG_CONFIG_BAD_VALUE',
          childPlace(place, index),
          `"${protocol}" is not a protocol Node offers (${PROTOCOLS.join(', ')})`,
        ),
      ]);
    }
    return at;
  });
  return { minVersion: PROTOCOLS[Math.min(...known)]!, maxVersion: PROTOCOLS[Math.max(...known)]! };
}

/** node:tls's check for the hostname verifier: STRICT is its default, ALLOW_ALL checks no name. */
export function identityCheck(
  verifier: HostnameVerifier,
): (host: string, certificate: PeerCertificate) => Error | undefined {
  return verifier === 'ALLOW_ALL' ? () => undefined : strictIdentity;
}

function resolveManagers<T>(
  reference: unknown,
  kind: 'KeyManager' | 'TrustManager',
  context: CreateContext,
  place: Place,
): T[] {
  if (reference === undefined) return [];
  if (!Array.isArray(reference)) return [context.resolve<T>(reference, kind, place)];
  return reference.map((item, index) => context.resolve<T>(item, kind, childPlace(place, index)));
}

/**
 * The TLS settings of a ClientTlsOptions. `hostnameVerifier` given on the handler itself (where
 * PingGateway had it before it moved here) applies when this object does not say.
 */
class ClientTlsOptions implements ClientTls {
  readonly #fixed: UpstreamTls;
  readonly #trust: readonly TrustManager[];
  readonly #keys: readonly KeyManager[];

  constructor(fixed: UpstreamTls, trust: readonly TrustManager[], keys: readonly KeyManager[]) {
    this.#fixed = fixed;
    this.#trust = trust;
    this.#keys = keys;
  }

  async load(): Promise<UpstreamTls> {
    const tls: { -readonly [K in keyof UpstreamTls]: UpstreamTls[K] } = { ...this.#fixed };
    if (this.#trust.some((manager) => manager.trustAll)) {
      tls.rejectUnauthorized = false;
    } else if (this.#trust.length > 0) {
      tls.ca = (await Promise.all(this.#trust.map((manager) => manager.certificates()))).flat();
    }
    // node:tls presents one key pair per connection: the first manager's.
    const [keys] = this.#keys;
    if (keys !== undefined) Object.assign(tls, await keys.keyPair());
    return tls;
  }
}

/** A ClientTlsOptions with the given verifier where its own config names none. */
export function withHostnameVerifier(tls: ClientTls, verifier: HostnameVerifier): ClientTls {
  return {
    load: async () => {
      const loaded = await tls.load();
      return loaded.checkServerIdentity
        ? loaded
        : { ...loaded, checkServerIdentity: identityCheck(verifier) };
    },
  };
}

export const clientTlsOptionsType = defineType<ClientTlsOptionsConfig, ClientTls>({
  type: 'ClientTlsOptions',
  kind: 'TlsOptions',
  description: 'How a client handler makes TLS connections: trust and key managers, protocols, suites.',
  schema: objectSchema({
    keyManager: managersSchema,
    trustManager: managersSchema,
    sslCipherSuites: { type: 'array', items: { type: 'string', minLength: 1 } },
    sslContextAlgorithm: { type: 'string' },
    sslEnabledProtocols: { type: 'array', items: { type: 'string' }, minItems: 1 },
    alpn: objectSchema({ enabled: { type: ['boolean', 'string'] } }),
    hostnameVerifier: hostnameVerifierSchema,
    offloadHandshake: { type: ['boolean', 'string'] },
  }),
  ignoredKeys: {
    sslContextAlgorithm:
      'node:tls negotiates the protocol within sslEnabledProtocols; there is no SSLContext to pick',
    alpn: 'undici offers ALPN itself (http/1.1, and h2 with protocolVersion HTTP/2)',
    offloadHandshake: 'TLS handshakes run on the one event loop; there is no worker pool to offload to',
  },
  create: (config, context) => {
    const fixed: { -readonly [K in keyof UpstreamTls]: UpstreamTls[K] } = {};
    if (config.sslEnabledProtocols !== undefined) {
      Object.assign(
        fixed,
        protocolRange(config.sslEnabledProtocols, childPlace(context.place, 'sslEnabledProtocols')),
      );
    }
    if (config.sslCipherSuites !== undefined)
      fixed.ciphers = config.sslCipherSuites.map(opensslCipher).join(':');
    if (config.hostnameVerifier !== undefined)
      fixed.checkServerIdentity = identityCheck(config.hostnameVerifier);
    return new ClientTlsOptions(
      fixed,
      resolveManagers<TrustManager>(
        config.trustManager,
        'TrustManager',
        context,
        childPlace(context.place, 'trustManager'),
      ),
      resolveManagers<KeyManager>(
        config.keyManager,
        'KeyManager',
        context,
        childPlace(context.place, 'keyManager'),
      ),
    );
  },
});
