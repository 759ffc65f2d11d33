import { SignJWT, UnsecuredJWT, type JWTPayload } from 'jose';
import { expressionSchema, objectSchema } from '../config/schema.js';
import type { CompiledTemplate } from '../el/api.js';
import {
  childPlace,
  ConfigErrors,
  configError,
  TollgateError,
  type Place,
} from '../errors/tollgate-error.js';
import { entityNeeds, loadEntities } from '../http/entity-loading.js';
import type { Exchange } from '../http/exchange.js';
import { defineType, type CreateContext, type Filter } from '../heap/types.js';
import {
  CONTENT_ENCRYPTION_METHODS,
  PUBLIC_KEY_ALGORITHMS,
  sealJwe,
  SHARED_KEY_ALGORITHMS,
  type ContentEncryptionMethod,
  type KeyManagementAlgorithm,
} from '../secrets/jwe.js';
import { secretsProviderOnDemand, secretsProviderSchema } from '../secrets/secret-store-types.js';
import type { CryptoKeyLike } from '../secrets/secret.js';

/** The JWS algorithms a signature may name: HMAC ones sign with a secret, the others with a key. */
const SIGNATURE_ALGORITHMS = Object.freeze([
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const);
type SignatureAlgorithm = (typeof SIGNATURE_ALGORITHMS)[number];

interface EncryptionConfig {
  secretId: string;
  algorithm: KeyManagementAlgorithm;
  method: ContentEncryptionMethod;
}

interface JwtBuilderFilterConfig {
  template: string | Record<string, unknown>;
  secretsProvider?: unknown;
  signature?: {
    secretId: string;
    algorithm?: SignatureAlgorithm;
    includeKeyId?: boolean;
    encryption?: EncryptionConfig;
  };
  encryption?: EncryptionConfig;
}

const encryptionSchema = objectSchema(
  {
    secretId: { ...expressionSchema, minLength: 1 },
    algorithm: { enum: [...SHARED_KEY_ALGORITHMS, ...PUBLIC_KEY_ALGORITHMS] },
    method: { enum: [...CONTENT_ENCRYPTION_METHODS] },
  },
  ['secretId', 'algorithm', 'method'],
);

/** A template value compiled once: strings are runtime expressions, objects and arrays hold more. */
type CompiledValue =
  | { readonly kind: 'expression'; readonly template: CompiledTemplate }
  | { readonly kind: 'object'; readonly entries: readonly (readonly [string, CompiledValue])[] }
  | { readonly kind: 'array'; readonly items: readonly CompiledValue[] }
  | { readonly kind: 'literal'; readonly value: unknown };

function compileValue(
  value: unknown,
  context: CreateContext,
  place: Place,
  templates: CompiledTemplate[],
): CompiledValue {
  if (typeof value === 'string') {
    const template = context.template(value, place);
    templates.push(template);
    return { kind: 'expression', template };
  }
  if (Array.isArray(value)) {
    return {
      kind: 'array',
      items: value.map((item, i) => compileValue(item, context, childPlace(place, i), templates)),
    };
  }
  if (typeof value === 'object' && value !== null) {
    return {
      kind: 'object',
      entries: Object.entries(value).map(
        ([name, item]) => [name, compileValue(item, context, childPlace(place, name), templates)] as const,
      ),
    };
  }
  return { kind: 'literal', value };
}

function evaluateValue(value: CompiledValue, exchange: Exchange): unknown {
  switch (value.kind) {
    case 'expression':
      return value.template.evaluate(exchange);
    case 'array':
      return value.items.map((item) => evaluateValue(item, exchange));
    case 'object': {
      const result: Record<string, unknown> = {};
      for (const [name, item] of value.entries) {
        const evaluated = evaluateValue(item, exchange);
        // PingGateway leaves out claims whose expression gives null.
        if (evaluated !== null && evaluated !== undefined) result[name] = evaluated;
      }
      return result;
    }
    case 'literal':
      return value.value;
  }
}

export const jwtBuilderFilterType = defineType<JwtBuilderFilterConfig, Filter>({
  type: 'JwtBuilderFilter',
  aliases: ['org.forgerock.openig.filter.JwtBuilderFilter'],
  kind: 'Filter',
  description:
    'Builds a JWT from the template (runtime expressions), signed with signature.secretId, then encrypted (signature.encryption), or only encrypted (encryption), or unsigned, into contexts.jwtBuilder.value.',
  schema: objectSchema(
    {
      template: { type: ['string', 'object'] },
      secretsProvider: secretsProviderSchema,
      signature: objectSchema(
        {
          secretId: { ...expressionSchema, minLength: 1 },
          algorithm: { enum: [...SIGNATURE_ALGORITHMS] },
          includeKeyId: { type: 'boolean' },
          encryption: encryptionSchema,
        },
        ['secretId'],
      ),
      encryption: encryptionSchema,
    },
    ['template'],
  ),
  create: (config, context) => {
    const { place } = context;
    if (config.encryption !== undefined && config.signature !== undefined) {
      throw new ConfigErrors([
        configError(
          'TG_CONFIG_BAD_VALUE',
          childPlace(place, 'encryption'),
          'a signed JWT is encrypted by signature.encryption; encryption alone makes a JWT that is only encrypted',
        ),
      ]);
    }
    const secretsProvider = secretsProviderOnDemand(
      config.secretsProvider,
      context,
      childPlace(place, 'secretsProvider'),
    );
    const encryptionConfig = config.signature?.encryption ?? config.encryption;
    const encryptionPlace =
      config.signature?.encryption === undefined
        ? childPlace(place, 'encryption')
        : childPlace(place, 'signature', 'encryption');
    let encrypt: ((content: string) => Promise<string>) | undefined;
    if (encryptionConfig !== undefined) {
      const encryptionProvider = secretsProvider('an encryption');
      const secretId = String(
        context.configValue(encryptionConfig.secretId, childPlace(encryptionPlace, 'secretId')),
      );
      const nested = config.signature !== undefined;
      // Looked up per request, as the signing key is, so a rotated key encrypts without a reload.
      encrypt = (content) =>
        sealJwe(
          content,
          nested,
          encryptionProvider,
          secretId,
          encryptionConfig.algorithm,
          encryptionConfig.method,
        );
    }
    const templates: CompiledTemplate[] = [];
    const template = compileValue(config.template, context, childPlace(place, 'template'), templates);
    const needs = entityNeeds(templates);
    let sign: ((claims: JWTPayload) => Promise<string>) | undefined;
    if (config.signature !== undefined) {
      const signaturePlace = childPlace(place, 'signature');
      const signingProvider = secretsProvider('a signature');
      const secretId = String(
        context.configValue(config.signature.secretId, childPlace(signaturePlace, 'secretId')),
      );
      const algorithm = config.signature.algorithm ?? 'RS256';
      const includeKeyId = config.signature.includeKeyId ?? true;
      // Looked up per request, so a rotated key signs without a reload.
      sign = async (claims) => {
        let key: CryptoKeyLike | Uint8Array;
        let kid: string | undefined;
        if (algorithm.startsWith('HS')) {
          key = (await signingProvider.getSecret(secretId)).reveal();
        } else {
          ({ key, kid } = await signingProvider.getKey(secretId));
        }
        const header = { alg: algorithm, typ: 'JWT', ...(includeKeyId && kid !== undefined ? { kid } : {}) };
        return new SignJWT(claims).setProtectedHeader(header).sign(key);
      };
    }
    return {
      async filter(exchange, next) {
        await loadEntities(exchange, needs);
        const claims = evaluateValue(template, exchange);
        if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
          throw new TollgateError('TG_JWT_BUILD_FAILED', 'the template gave no map of claims');
        }
        // Expressions give gateway objects (headers, forms) too; a claims set holds their JSON form.
        const payload = JSON.parse(JSON.stringify(claims)) as JWTPayload;
        const jwt = sign
          ? await sign(payload)
          : encrypt
            ? JSON.stringify(payload)
            : new UnsecuredJWT(payload).encode();
        const value = encrypt ? await encrypt(jwt) : jwt;
        exchange.contexts.jwtBuilder = Object.freeze({ value, claims: Object.freeze({ ...payload }) });
        return next.handle(exchange);
      },
    };
  },
});
