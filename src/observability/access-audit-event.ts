import { randomUUID } from 'node:crypto';
import type { ClientContext, Exchange } from '../http/exchange.js';
import { parseForm } from '../http/entity.js';
import type { Response } from '../http/message.js';
import { REDACTED } from './redact.js';

/**
 * The request headers PingGateway's audit safelist lets into an access event; any other header
 * appears only when `includeIf` names it, and a credential header never does.
 */
const SAFE_HEADERS: ReadonlySet<string> = new Set([
  'accept',
  'accept-api-version',
  'content-type',
  'host',
  'user-agent',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-proto',
  'x-original-uri',
  'x-real-ip',
  'x-request-id',
  'x-requested-with',
  'x-scheme',
]);

const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-amz-security-token',
]);

/** Header, query and field names whose values are credentials, whatever a policy includes. */
const CREDENTIAL_NAME = /token|secret|password|passwd|assertion|^code$|api[-_]?key|credential|session/i;

const HEADERS_POINTER = '/access/http/request/headers';
const QUERY_POINTER = '/access/http/request/queryParameters';

/**
 * The common audit `filterPolicies.field` of an AuditService: JSON pointers below `/access` of
 * fields to leave out (`excludeIf`), and of headers or query parameters to add (`includeIf`).
 */
export interface AccessFieldPolicy {
  readonly includeIf?: readonly string[];
  readonly excludeIf?: readonly string[];
}

/** A compiled field policy: which headers and query parameters an event holds, and what it drops. */
export class AccessEventFields {
  readonly #headers: ReadonlySet<string>;
  readonly #allHeaders: boolean;
  readonly #query: ReadonlySet<string>;
  readonly #allQuery: boolean;
  /** Paths (below `/access`, split into segments) removed from every event. */
  readonly #excluded: readonly (readonly string[])[];

  constructor(policy: AccessFieldPolicy = {}) {
    const headers = new Set(SAFE_HEADERS);
    const query = new Set<string>();
    let allHeaders = false;
    let allQuery = false;
    for (const pointer of policy.includeIf ?? []) {
      const lower = pointer.toLowerCase();
      if (lower === HEADERS_POINTER) allHeaders = true;
      else if (lower.startsWith(`${HEADERS_POINTER}/`))
        headers.add(unescape(lower.slice(HEADERS_POINTER.length + 1)));
      else if (pointer === QUERY_POINTER) allQuery = true;
      else if (pointer.startsWith(`${QUERY_POINTER}/`))
        query.add(unescape(pointer.slice(QUERY_POINTER.length + 1)));
    }
    this.#headers = headers;
    this.#allHeaders = allHeaders;
    this.#query = query;
    this.#allQuery = allQuery;
    this.#excluded = (policy.excludeIf ?? [])
      .filter((pointer) => pointer.startsWith('/access/'))
      .map((pointer) => pointer.slice('/access/'.length).split('/').map(unescape));
  }

  /** The request headers the event holds: the safelisted and included ones, credentials redacted. */
  headers(exchange: Exchange): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [name, values] of exchange.request.headers.entries()) {
      const lower = name.toLowerCase();
      if (!this.#allHeaders && !this.#headers.has(lower)) continue;
      const secret = CREDENTIAL_HEADERS.has(lower) || CREDENTIAL_NAME.test(lower);
      out[lower] = secret ? values.map(() => REDACTED) : [...values];
    }
    return out;
  }

  /** The query parameters the event holds (none unless included), credential values redacted. */
  queryParameters(exchange: Exchange): Record<string, string[]> | undefined {
    if (!this.#allQuery && this.#query.size === 0) return undefined;
    const out: Record<string, string[]> = {};
    for (const [name, values] of Object.entries(parseForm(exchange.request.uri.rawQuery ?? ''))) {
      if (!this.#allQuery && !this.#query.has(name)) continue;
      out[name] = CREDENTIAL_NAME.test(name) ? values.map(() => REDACTED) : values;
    }
    return out;
  }

  /** Removes the excluded fields from an event. */
  apply(event: Record<string, unknown>): Record<string, unknown> {
    for (const path of this.#excluded) remove(event, path);
    return event;
  }
}

/** What an access event says of the request, taken when it arrives, before filters change it. */
export interface AccessRequest {
  readonly started: bigint;
  readonly timestamp: string;
  readonly method: string;
  readonly path: string;
  readonly secure: boolean;
  readonly headers: Record<string, string[]>;
  readonly queryParameters: Record<string, string[]> | undefined;
}

export function accessRequest(exchange: Exchange, fields: AccessEventFields): AccessRequest {
  const { request } = exchange;
  const { uri } = request;
  const client = exchange.contexts.client as ClientContext;
  return {
    started: process.hrtime.bigint(),
    timestamp: new Date().toISOString(),
    method: request.method,
    // PingGateway's `path` is the URL without its query, which is no place for credentials.
    path: `${uri.scheme}://${uri.host}${uri.port >= 0 ? `:${uri.port}` : ''}${uri.rawPath}`,
    secure: client.isSecure,
    headers: fields.headers(exchange),
    queryParameters: fields.queryParameters(exchange),
  };
}

/**
 * One event of the common audit `access` topic, as PingGateway writes it (eventName
 * `OPENIG-HTTP-ACCESS`): who called, what was asked, how it ended, and the route that answered.
 * No response, when the handler threw: the event says FAILED with status 500.
 */
export function accessEvent(
  exchange: Exchange,
  request: AccessRequest,
  response: Response | undefined,
  route: { readonly id: string | null; readonly name: string | null },
  fields: AccessEventFields,
): Record<string, unknown> {
  const client = exchange.contexts.client as ClientContext;
  const status = response?.status ?? 500;
  const http: Record<string, unknown> = {
    secure: request.secure,
    method: request.method,
    path: request.path,
    headers: request.headers,
  };
  if (request.queryParameters !== undefined) http.queryParameters = request.queryParameters;
  const event: Record<string, unknown> = {
    _id: randomUUID(),
    timestamp: request.timestamp,
    eventName: 'OPENIG-HTTP-ACCESS',
    transactionId: exchange.transactionId,
    client: { ip: client.remoteAddress, port: client.remotePort },
    server: { ip: client.localAddress, port: client.localPort },
    http: { request: http },
    request: { protocol: 'HTTP', operation: request.method },
    response: {
      status: status >= 400 ? 'FAILED' : 'SUCCESSFUL',
      statusCode: String(status),
      elapsedTime: Math.round(Number(process.hrtime.bigint() - request.started) / 1e6),
      elapsedTimeUnits: 'MILLISECONDS',
    },
    ig: { routeId: route.id, routeName: route.name },
  };
  return fields.apply(event);
}

function unescape(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}

function remove(target: Record<string, unknown>, path: readonly string[]): void {
  let at: unknown = target;
  for (const segment of path.slice(0, -1)) {
    if (typeof at !== 'object' || at === null || !Object.hasOwn(at, segment)) return;
    at = (at as Record<string, unknown>)[segment];
  }
  const last = path[path.length - 1];
  if (last !== undefined && typeof at === 'object' && at !== null)
    delete (at as Record<string, unknown>)[last];
}
