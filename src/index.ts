export { startGateway, type Gateway, type GatewayOptions } from './server/gateway.js';
export { validateFiles, type FileReport } from './server/validate.js';
export { errorCatalogue, type ErrorCode, type ErrorEntry } from './errors/catalogue.js';
export { TollgateError, ConfigErrors, type Place } from './errors/tollgate-error.js';
export { createBuiltinRegistry, builtinTypes } from './heap/builtins.js';
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
