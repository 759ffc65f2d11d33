import { STATUS_CODES } from 'node:http';
import { TollgateError } from '../errors/tollgate-error.js';
import { jsonResponse, type Response } from '../http/message.js';
import type { EndpointRequest, ObjectEndpoint } from '../heap/types.js';
import { isDeployableId, type RouteDirectory } from './route-directory.js';
import { routeError, type RouteEntry } from './route-status.js';

/** Common REST's metadata, which no route file holds: taken out of a body before it is deployed. */
const METADATA: ReadonlySet<string> = new Set(['_id', '_rev', '_status']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function withoutMetadata(document: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(document).filter(([key]) => !METADATA.has(key)));
}

/**
 * Common REST's `_fields`: each resource keeps its `_id` and the values at these paths
 * (`name`, `handler/type`). The copies have no prototype, so no path can reach Object's.
 */
function pick(resource: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const picked: Record<string, unknown> = Object.create(null);
  picked._id = resource._id;
  for (const field of fields) {
    const tokens = field.split('/').filter(Boolean);
    let value: unknown = resource;
    for (const token of tokens) {
      value =
        typeof value === 'object' && value !== null && Object.hasOwn(value, token)
          ? (value as Record<string, unknown>)[token]
          : undefined;
    }
    if (value === undefined || tokens.length === 0) continue;
    let target = picked;
    for (const token of tokens.slice(0, -1)) {
      if (!isPlainObject(target[token])) target[token] = Object.create(null);
      target = target[token] as Record<string, unknown>;
    }
    target[tokens[tokens.length - 1]!] = value;
  }
  return picked;
}

function first(values: readonly string[] | undefined): string | undefined {
  return values?.[0];
}

/** How the client asked to see the answer: Common REST's `_fields` and `_prettyPrint`. */
class View {
  readonly #fields: readonly string[] | undefined;
  readonly #indent: number;

  constructor(query: EndpointRequest['query']) {
    this.#fields = first(query._fields)
      ?.split(',')
      .map((field) => field.trim())
      .filter(Boolean);
    this.#indent = first(query._prettyPrint) === 'true' ? 2 : 0;
  }

  resource(resource: Record<string, unknown>): Record<string, unknown> {
    return this.#fields === undefined ? resource : pick(resource, this.#fields);
  }

  send(status: number, body: unknown): Response {
    return jsonResponse(status, body, this.#indent);
  }

  /** A Common REST error: the status, its reason, and what went wrong. */
  failure(status: number, message: string | undefined, detail?: unknown): Response {
    return this.send(status, {
      code: status,
      reason: STATUS_CODES[status],
      message: message ?? STATUS_CODES[status],
      ...(detail === undefined ? {} : { detail }),
    });
  }
}

/**
 * A Router's admin endpoint, PingGateway's `…/objects/<router>/routes`, in Common REST's shape.
 * `GET routes?_queryFilter=true` lists the routes in the order the Router tries them (then the
 * files without a route, then removed ones), `GET routes/<id>` gives one. A route resource is
 * its file's JSON, as PingGateway gives it, with its `_id` and its `_status` (state, errors,
 * load times, request counts). In development, `PUT routes/<id>` deploys a route and
 * `DELETE routes/<id>` removes it, each answered once the Router's table has the change; in
 * production both are refused, and the resources carry their status only, since a route file may
 * hold credentials.
 */
export class RoutesEndpoint implements ObjectEndpoint {
  readonly #routes: RouteDirectory;
  readonly #mode: 'development' | 'production';

  constructor(routes: RouteDirectory, mode: 'development' | 'production') {
    this.#routes = routes;
    this.#mode = mode;
  }

  routeCounts(): { loaded: number; failed: number } {
    let loaded = 0;
    let failed = 0;
    for (const status of this.#routes.statuses()) {
      if (status.state === 'failed') failed++;
      else loaded++;
    }
    return { loaded, failed };
  }

  async handle(request: EndpointRequest): Promise<Response> {
    const [collection, id, ...rest] = request.segments;
    const view = new View(request.query);
    if (collection !== 'routes' || rest.length > 0) return view.failure(404, 'no such resource');
    try {
      if (id === undefined) return this.#query(request, view);
      switch (request.method) {
        case 'GET':
        case 'HEAD':
          return this.#read(id, view);
        case 'PUT':
        case 'DELETE':
          return await this.#change(request, id, view);
        default:
          return view.failure(405, `${request.method} is not supported on a route`);
      }
    } catch (error) {
      // A body too large or not JSON: the client's mistake, said as Common REST says it.
      if (error instanceof TollgateError && error.status < 500)
        return view.failure(error.status, error.publicMessage);
      throw error;
    }
  }

  #query(request: EndpointRequest, view: View): Response {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return view.failure(405, `${request.method} is not supported on the routes collection`);
    }
    const { query } = request;
    const filter = first(query._queryFilter) ?? 'true';
    if (query._queryId !== undefined || query._queryExpression !== undefined || filter !== 'true') {
      return view.failure(501, 'the routes can be queried with _queryFilter=true only');
    }
    const result = this.#routes.entries().map((entry) => view.resource(this.#resource(entry)));
    return view.send(200, {
      result,
      resultCount: result.length,
      pagedResultsCookie: null,
      totalPagedResultsPolicy: 'NONE',
      totalPagedResults: -1,
      remainingPagedResults: -1,
    });
  }

  #read(id: string, view: View): Response {
    const found = this.#routes.entries().find((entry) => entry.status.id === id);
    if (found === undefined) return view.failure(404, `no route with id "${id}"`);
    return view.send(200, view.resource(this.#resource(found)));
  }

  async #change(request: EndpointRequest, id: string, view: View): Promise<Response> {
    if (this.#mode !== 'development') {
      return view.failure(
        403,
        'routes can be deployed and removed through the admin API in development mode only',
      );
    }
    if (!isDeployableId(id)) {
      return view.failure(
        400,
        `"${id}" is not a route id the gateway writes: letters, digits, ".", "_" and "-"`,
      );
    }
    if (request.method === 'DELETE') {
      const removal = await this.#routes.undeploy(id);
      if (removal.outcome === 'missing') return view.failure(404, `no route with id "${id}"`);
      if (removal.outcome === 'stopped') return view.failure(503, 'the router is stopping');
      return view.send(200, view.resource(this.#resource(removal.entry)));
    }
    const body = await request.json();
    const deployment = await this.#routes.deploy(id, isPlainObject(body) ? withoutMetadata(body) : body);
    switch (deployment.outcome) {
      case 'refused':
        return view.failure(409, 'the route does not load; its file is as it was', {
          errors: deployment.errors.map(routeError),
        });
      case 'stopped':
        return view.failure(503, 'the router is stopping');
      default:
        return view.send(
          deployment.outcome === 'created' ? 201 : 200,
          view.resource(this.#resource(deployment.entry)),
        );
    }
  }

  #resource(entry: RouteEntry): Record<string, unknown> {
    const document =
      this.#mode === 'development' && isPlainObject(entry.document) ? withoutMetadata(entry.document) : {};
    return { _id: entry.status.id, ...document, _status: entry.status };
  }
}
