import type { Exchange } from './exchange.js';
import type { Response } from './message.js';
import type { Session } from './session.js';

/**
 * What a `session` setting names (PingGateway's SessionManager): it opens the session of each
 * request that enters the route or gateway it belongs to, and saves it on the response.
 */
export interface SessionManager {
  /** The request's session, unread: its values load when an expression first uses them. */
  open(exchange: Exchange): Session | Promise<Session>;
  /** Keeps the session, and sets its cookie on the response, when the request changed it. */
  save(session: Session, response: Response, exchange: Exchange): void | Promise<void>;
}
