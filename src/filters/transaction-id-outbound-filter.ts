import { objectSchema } from '../config/schema.js';
import { TRANSACTION_ID_HEADER } from '../handlers/forge-rock-client-handler.js';
import { defineType, type Filter } from '../heap/types.js';

/**
 * Tells the service a request goes to (PingAM and friends) the transaction it belongs to, so their
 * audit events join the gateway's: what ForgeRockClientHandler does, as a filter for any chain.
 */
export const transactionIdOutboundFilterType = defineType<Record<string, never>, Filter>({
  type: 'TransactionIdOutboundFilter',
  aliases: ['org.forgerock.openig.filter.TransactionIdOutboundFilterHeaplet'],
  kind: 'Filter',
  description:
    "Sets X-ForgeRock-TransactionId on the outgoing request: the transaction's id and a counter, replacing the client's.",
  schema: objectSchema({}),
  create: () => ({
    filter(exchange, next) {
      exchange.request.headers.set(TRANSACTION_ID_HEADER, exchange.nextSubTransactionId());
      return next.handle(exchange);
    },
  }),
});
