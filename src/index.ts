// The package's public surface. startGateway and validateFiles are defined here rather than in
// server/ because they fill in the built-in types, whose list (builtins.ts) sits above the server.
import { builtins } from './builtins.js';
import { startGatewayWith, type Gateway, type GatewayOptions } from './server/gateway.js';
import { validateFilesWith, type FileReport, type ValidateOptions } from './server/validate.js';

/** Starts a gateway that builds with the built-in types, or with `options.registry`. */
export function startGateway(options: GatewayOptions = {}): Promise<Gateway> {
  return startGatewayWith(builtins, options);
}

/** Checks files as a gateway with the built-in types would load them (see server/validate.ts). */
export function validateFiles(paths: readonly string[], options: ValidateOptions): Promise<FileReport[]> {
  return validateFilesWith(builtins, paths, options);
}

export type { Gateway, GatewayOptions, FileReport };
export { errorCatalogue, type ErrorCode, type ErrorEntry } from './errors/catalogue.js';
export { TollgateError, ConfigErrors, type Place } from './errors/tollgate-error.js';
export { createBuiltinRegistry, builtinTypes } from './builtins.js';
export { TypeRegistry } from './heap/registry.js';
export {
  defineType,
  type TypeDefinition,
  type Handler,
  type Filter,
  type CreateContext,
  type Kind,
} from './heap/types.js';
export { Exchange } from './http/exchange.js';
export { Request, Response } from './http/message.js';
export { Headers } from './http/headers.js';
export { Entity } from './http/entity.js';
export { RequestUri } from './http/uri.js';
export { createLogger } from './observability/logger.js';
