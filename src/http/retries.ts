import { setTimeout as sleep } from 'node:timers/promises';
import { TollgateError } from '../errors/tollgate-error.js';
import type { Exchange } from './exchange.js';
import type { Request, Response } from './message.js';

export interface RetryOptions {
  /** Attempts after the first. */
  readonly count: number;
  readonly delayMs: number;
  /** Whether an answer is worth another attempt (PingGateway's `condition`); transport failures always are. */
  readonly retryResponse?: (response: Response, exchange: Exchange) => boolean | Promise<boolean>;
}

/**
 * Sends again when an attempt fails to reach the upstream (PingGateway's retries on a runtime
 * exception), or when `retryResponse` says the answer is worth another try. A request whose body is
 * a stream is sent once: its bytes are gone after the first attempt.
 */
export class RetryPolicy {
  readonly #options: RetryOptions;

  constructor(options: RetryOptions) {
    this.#options = options;
  }

  async run(request: Request, exchange: Exchange, attempt: () => Promise<Response>): Promise<Response> {
    if (!Buffer.isBuffer(request.entity.body)) return attempt();
    const { count, delayMs, retryResponse } = this.#options;
    for (let retry = 0; ; retry++) {
      // A client that went away wants no more attempts.
      const last = retry >= count || exchange.cancellation.reason !== undefined;
      let response: Response;
      try {
        response = await attempt();
      } catch (error) {
        if (last || !isTransportFailure(error)) throw error;
        await sleep(delayMs);
        continue;
      }
      if (last || retryResponse === undefined || !(await retryResponse(response, exchange))) return response;
      response.entity.discard();
      await sleep(delayMs);
    }
  }
}

/** A failure to reach the upstream or to hear from it in time, not an answer. */
export function isTransportFailure(error: unknown): boolean {
  return (
    error instanceof TollgateError &&
    (error.code === 'TG_UPSTREAM_UNREACHABLE' || error.code === 'TG_UPSTREAM_TIMEOUT')
  );
}
