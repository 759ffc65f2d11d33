import { objectSchema } from '../config/schema.js';
import { TollgateError } from '../errors/tollgate-error.js';
import { defineType } from '../heap/types.js';
import type { TrustManager } from './tls-material.js';

const trustAll: TrustManager = Object.freeze({
  trustAll: true,
  certificates: () => Promise.resolve([]),
});

export const trustAllManagerType = defineType<Record<string, never>, TrustManager>({
  type: 'TrustAllManager',
  aliases: ['org.forgerock.openig.security.TrustAllManager'],
  kind: 'TrustManager',
  description: 'Trusts every server certificate, checking nothing: for tests only.',
  schema: objectSchema({}),
  create: (_config, context) => {
    // Loud on purpose: a route file that turns off TLS checking must not do so quietly.
    context.gateway.configReader.warn(
      new TollgateError(
        'TG_CONFIG_TRUST_ALL',
        `TrustAllManager "${context.name}" trusts every server certificate: any party on the network can pose as the server`,
        { place: context.place },
      ),
    );
    return trustAll;
  },
});
