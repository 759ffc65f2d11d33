import type { SessionManager } from '../http/session-manager.js';
import type { Handler } from './types.js';

/**
 * A handler whose requests have the session of `manager` while they are in it: what a `session`
 * setting on config.json or a route does. The session is saved on the way out, and the session of
 * the enclosing scope comes back, so a route with a session of its own keeps it to itself, as in
 * PingGateway (child routes of that route share it).
 */
export function withSession(handler: Handler, manager: SessionManager): Handler {
  return {
    async handle(exchange) {
      const outer = exchange.session;
      const session = await manager.open(exchange);
      exchange.session = session;
      try {
        const response = await handler.handle(exchange);
        await manager.save(session, response, exchange);
        return response;
      } finally {
        exchange.session = outer;
      }
    },
  };
}
