import { expressionSchema, objectSchema } from '../config/schema.js';
import { childPlace, ConfigErrors, configError } from '../errors/tollgate-error.js';
import { defineType } from '../heap/types.js';

interface TemporaryStorageConfig {
  initialLength?: number | string;
  memoryLimit?: number | string;
  fileLimit?: number | string;
  directory?: string;
}

/** PingGateway's buffer limits, as configured: what a body buffered for expressions may take. */
export interface TemporaryStorage {
  readonly initialLength: number;
  readonly memoryLimit: number;
  readonly fileLimit: number;
  readonly directory: string;
}

const MAX = 2_147_483_647;
const limitSchema = { type: ['integer', 'string'], description: 'Bytes, or a configuration expression' };

/**
 * PingGateway's TemporaryStorage, with its keys and defaults checked. Tollgate buffers a body
 * only when an expression reads it, in memory, up to admin.json's maxBodyLength, and never in a
 * file: these limits are kept for the routes that name them and change nothing of that buffering.
 */
export const temporaryStorageType = defineType<TemporaryStorageConfig, TemporaryStorage>({
  type: 'TemporaryStorage',
  aliases: ['org.forgerock.openig.io.TemporaryStorageHeaplet'],
  kind: 'Service',
  description:
    "PingGateway's buffer limits for streamed content; accepted and checked, Tollgate's buffering (in memory, up to maxBodyLength) is unchanged.",
  schema: objectSchema({
    initialLength: limitSchema,
    memoryLimit: limitSchema,
    fileLimit: limitSchema,
    directory: expressionSchema,
  }),
  create: (config, context) => {
    const errors = [];
    const limit = (key: 'initialLength' | 'memoryLimit' | 'fileLimit', fallback: number): number => {
      const place = childPlace(context.place, key);
      const value = config[key] === undefined ? fallback : Number(context.configValue(config[key], place));
      if (!Number.isInteger(value) || value < 0 || value > MAX) {
        errors.push(
          configError('TG_CONFIG_BAD_VALUE', place, `${key} must be a number of bytes up to ${MAX}`),
        );
      }
      return value;
    };
    const memoryLimit = limit('memoryLimit', 65_536);
    const storage = Object.freeze({
      initialLength: limit('initialLength', Math.min(8_192, memoryLimit)),
      memoryLimit,
      fileLimit: limit('fileLimit', 1_073_741_824),
      directory: String(
        context.configValue(
          config.directory ?? context.gateway.temporaryDirectory,
          childPlace(context.place, 'directory'),
        ),
      ),
    });
    if (storage.initialLength > memoryLimit) {
      errors.push(
        configError(
          'TG_CONFIG_BAD_VALUE',
          childPlace(context.place, 'initialLength'),
          'initialLength may not exceed memoryLimit',
        ),
      );
    }
    if (errors.length > 0) throw new ConfigErrors(errors);
    return storage;
  },
});
