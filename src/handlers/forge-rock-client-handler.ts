import type { Exchange } from '../http/exchange.js';
import type { Response } from '../http/message.js';
import { defineType, type Handler } from '../heap/types.js';
import {
  ClientHandler,
  clientHandlerIgnoredKeys,
  clientHandlerSchema,
  createUpstream,
  type ClientHandlerConfig,
} from './client-handler.js';

export const TRANSACTION_ID_HEADER = 'X-ForgeRock-TransactionId';

/** A ClientHandler that tells the upstream (PingAM and friends) the request's transaction id. */
class ForgeRockClientHandler implements Handler {
  readonly #client: ClientHandler;

  constructor(client: ClientHandler) {
    this.#client = client;
  }

  handle(exchange: Exchange): Promise<Response> {
    exchange.request.headers.set(TRANSACTION_ID_HEADER, exchange.nextSubTransactionId());
    return this.#client.handle(exchange);
  }
}

export const forgeRockClientHandlerType = defineType<ClientHandlerConfig, Handler>({
  type: 'ForgeRockClientHandler',
  kind: 'Handler',
  description: 'A ClientHandler that adds the X-ForgeRock-TransactionId header.',
  schema: clientHandlerSchema,
  ignoredKeys: clientHandlerIgnoredKeys,
  create: (config, context) =>
    new ForgeRockClientHandler(new ClientHandler(createUpstream(config, context), context)),
});
