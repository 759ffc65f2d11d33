import { jsonResponse, type Response } from '../http/message.js';
import type { EndpointRequest, ObjectEndpoint } from '../heap/types.js';
import type { RouteDirectory } from './route-directory.js';
import type { RouteStatus } from './route-status.js';

/** A route's status in Common REST's shape: the resource's id as `_id`. */
function resource(status: RouteStatus): Record<string, unknown> {
  return { _id: status.id, ...status };
}

/**
 * A Router's admin endpoint, PingGateway's `…/objects/<router>/routes`: the routes in the order
 * the Router tries them (then the files without a route, then removed ones), each with its
 * status, as a Common REST query result; `routes/<id>` for one.
 */
export class RoutesEndpoint implements ObjectEndpoint {
  readonly #routes: RouteDirectory;

  constructor(routes: RouteDirectory) {
    this.#routes = routes;
  }

  async handle(request: EndpointRequest): Promise<Response> {
    const [collection, id, ...rest] = request.segments;
    if (collection !== 'routes' || rest.length > 0)
      return jsonResponse(404, { code: 404, reason: 'Not Found' });
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return jsonResponse(405, { code: 405, reason: 'Method Not Allowed' });
    }
    const statuses = this.#routes.statuses();
    if (id === undefined) {
      const result = statuses.map(resource);
      return jsonResponse(200, {
        result,
        resultCount: result.length,
        pagedResultsCookie: null,
        totalPagedResultsPolicy: 'NONE',
        totalPagedResults: -1,
        remainingPagedResults: -1,
      });
    }
    const found = statuses.find((status) => status.id === id);
    return found === undefined
      ? jsonResponse(404, { code: 404, reason: 'Not Found', message: `no route with id "${id}"` })
      : jsonResponse(200, resource(found));
  }
}
