import type { CompiledCondition } from '../el/api.js';
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
 * This is what PingGateway's deferred `#{…}` gives; here `${…}` gets it too. When there is nothing
 * to read it returns undefined at once, not a promise: a Router trying a hundred conditions
 * should not pay a hundred promises for bodies none of them reads.
 */
export function loadEntities(exchange: Exchange, needs: EntityNeeds): Promise<void> | undefined {
  const request = needs.readsRequestEntity && !exchange.request.entity.isBuffered;
  const response =
    needs.readsResponseEntity && exchange.response !== undefined && !exchange.response.entity.isBuffered;
  if (!request && !response) return undefined;
  return load(exchange, request, response);
}

/**
 * Tests a condition once the bodies it reads are loaded: a boolean at once when there is nothing
 * to load, so a caller on the hot path can skip the await.
 */
export function conditionHolds(exchange: Exchange, condition: CompiledCondition): boolean | Promise<boolean> {
  const loading = loadEntities(exchange, condition);
  return loading ? loading.then(() => condition.test(exchange)) : condition.test(exchange);
}

async function load(exchange: Exchange, request: boolean, response: boolean): Promise<void> {
  if (request) await exchange.request.entity.load(exchange.maxEntityBytes, 'TG_REQUEST_ENTITY_TOO_LARGE');
  if (response)
    await exchange.response!.entity.load(exchange.maxEntityBytes, 'TG_UPSTREAM_RESPONSE_TOO_LARGE');
}
