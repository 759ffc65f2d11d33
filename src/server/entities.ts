import type { Exchange } from './exchange.js';

/** What a compiled expression (or a set of them) reads of the message bodies. */
export interface EntityNeeds {
  readonly readsRequestEntity: boolean;
  readonly readsResponseEntity: boolean;
}

/** Folds the needs of several expressions into one, at build time. */
export function entityNeeds(expressions: readonly EntityNeeds[]): EntityNeeds {
  return {
    readsRequestEntity: expressions.some((e) => e.readsRequestEntity),
    readsResponseEntity: expressions.some((e) => e.readsResponseEntity),
  };
}

/**
 * Buffers the bodies the expressions are about to read, so evaluation itself stays synchronous.
 * This is what PingGateway's deferred `#{…}` gives; here `${…}` gets it too, at no cost to the
 * expressions that read no body.
 */
export async function loadEntities(exchange: Exchange, needs: EntityNeeds): Promise<void> {
  if (needs.readsRequestEntity && !exchange.request.entity.isBuffered) {
    await exchange.request.entity.load(exchange.maxEntityBytes, 'TG_REQUEST_ENTITY_TOO_LARGE');
  }
  if (needs.readsResponseEntity && exchange.response && !exchange.response.entity.isBuffered) {
    await exchange.response.entity.load(exchange.maxEntityBytes, 'TG_UPSTREAM_RESPONSE_TOO_LARGE');
  }
}
