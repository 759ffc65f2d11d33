import type { Place } from '../errors/tollgate-error.js';
import type { ClientContext, Exchange } from '../http/exchange.js';
import { textResponse, type Response } from '../http/message.js';
import type { ChildHeap, Filter, Handler } from '../heap/types.js';

/**
 * The admin paths every client may call: what a probe, a load balancer or a metrics scraper
 * needs. Everything else under the admin endpoints (the `api/` endpoints, and any path that
 * answers 404) passes the protection filter first, so a refused client learns nothing of what
 * exists there.
 */
const OPEN_PATHS = /^(?:ping|health\/(?:live|ready|startup)|metrics\/prometheus(?:\/0\.0\.4)?)\/?$/;

/** 127.0.0.0/8 and ::1, also as a dual-stack socket reports an IPv4 peer (`::ffff:127.0.0.1`). */
export function isLoopback(address: string): boolean {
  const ipv4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(ipv4);
}

/**
 * PingGateway's default ApiProtectionFilter: only a client on this host passes. The address is
 * the socket's peer, never a header a client could write; the refusal is an empty 403.
 */
export const loopbackOnly: Filter = Object.freeze({
  filter(exchange: Exchange, next: Handler): Promise<Response> {
    const client = exchange.contexts.client as ClientContext;
    return isLoopback(client.remoteAddress) ? next.handle(exchange) : Promise.resolve(textResponse(403));
  },
});

/**
 * The filter that guards the `api/` endpoints: admin.json's `apiProtectionFilter`, an inline
 * Filter declaration built in `heap` (admin.json's own, which config.json and the routes do not
 * see), or the loopback default when there is none. Built now, with no I/O, so a bad declaration
 * is an error at its place before any socket opens.
 */
export function apiProtection(
  declaration: Record<string, unknown> | undefined,
  place: Place,
  heap: ChildHeap,
): Filter {
  if (declaration === undefined) return loopbackOnly;
  const filter = heap.resolve<Filter>(declaration, 'Filter', place);
  heap.createAll();
  return filter;
}

/** `answer`, the admin endpoints, with every path but the open ones behind `protection`. */
export function protectAdmin(
  protection: Filter,
  answer: (path: string, exchange: Exchange) => Promise<Response>,
): (path: string, exchange: Exchange) => Promise<Response> {
  return (path, exchange) =>
    OPEN_PATHS.test(path)
      ? answer(path, exchange)
      : protection.filter(exchange, { handle: (passed) => answer(path, passed) });
}
