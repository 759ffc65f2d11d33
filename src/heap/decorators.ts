import { childPlace, ConfigErrors, configError, formatPlace, type Place } from '../errors/tollgate-error.js';
import type { Exchange } from '../http/exchange.js';
import { textResponse, type Response } from '../http/message.js';
import { describeRequest, describeResponse } from '../observability/redact.js';
import { compileRebase } from './base-uri.js';
import type { CreateContext, Filter, Handler, Kind } from './types.js';

export interface Decoration {
  readonly key: 'capture' | 'timer' | 'baseURI' | 'audit';
  readonly value: unknown;
  readonly place: Place;
}

type CapturePoint = 'request' | 'response' | 'filtered_request' | 'filtered_response';
const allPoints: readonly CapturePoint[] = ['request', 'response', 'filtered_request', 'filtered_response'];

function capturePoints(value: unknown, place: Place): Set<CapturePoint> {
  const names = (Array.isArray(value) ? value : [value]).map((v) => String(v).toLowerCase());
  if (names.includes('none')) return new Set();
  const points = new Set<CapturePoint>();
  for (const [i, name] of names.entries()) {
    if (name === 'all') allPoints.forEach((p) => points.add(p));
    else if ((allPoints as readonly string[]).includes(name)) points.add(name as CapturePoint);
    else {
      const at = Array.isArray(value) ? childPlace(place, i) : place;
      throw new ConfigErrors([configError('TG_CONFIG_BAD_VALUE', at, `unknown capture point "${name}"`)]);
    }
  }
  return points;
}

/**
 * Wraps a handler or filter with the decorations declared on it, in key order, each wrapping the
 * previous one (PingGateway's order). Objects of other kinds are left as they are.
 */
export function decorate(
  value: unknown,
  kind: Kind,
  decorations: readonly Decoration[],
  context: CreateContext,
): unknown {
  if (kind !== 'Handler' && kind !== 'Filter') return value;
  let current = value as Handler | Filter;
  for (const decoration of decorations) {
    switch (decoration.key) {
      case 'capture':
        current = capture(current, kind, capturePoints(decoration.value, decoration.place), context);
        break;
      case 'timer': {
        // An expression may give "true" too: environment variables are strings.
        const on = context.configValue(decoration.value, decoration.place);
        if (on === true || on === 'true') current = timer(current, kind, context);
        break;
      }
      case 'baseURI':
        current = baseUri(current, kind, decoration, context);
        break;
      case 'audit':
        // OpenIG 4's audit decoration fed its AuditSystem, which PingGateway replaced by AuditService.
        context.logger.warn(
          { code: 'TG_AUDIT_DECORATION_IGNORED', place: formatPlace(decoration.place) },
          'the audit decoration is ignored: access events are recorded by the AuditService of the route (auditService)',
        );
        break;
    }
  }
  return current;
}

function capture(
  target: Handler | Filter,
  kind: Kind,
  points: Set<CapturePoint>,
  context: CreateContext,
): Handler | Filter {
  if (points.size === 0) return target;
  const log = context.logger;
  const request = (point: CapturePoint, exchange: Exchange): void => {
    if (!points.has(point)) return;
    const described = describeRequest(exchange.request);
    log.info(
      { transactionId: exchange.transactionId, capture: point, request: described },
      'captured request',
    );
  };
  const response = (point: CapturePoint, exchange: Exchange, answer: Response): void => {
    if (!points.has(point)) return;
    const described = describeResponse(answer);
    log.info(
      { transactionId: exchange.transactionId, capture: point, response: described },
      'captured response',
    );
  };
  if (kind === 'Handler') {
    const handler = target as Handler;
    return {
      async handle(exchange: Exchange) {
        request('request', exchange);
        const answer = await handler.handle(exchange);
        response('response', exchange, answer);
        return answer;
      },
    };
  }
  const filter = target as Filter;
  return {
    async filter(exchange: Exchange, next: Handler) {
      request('request', exchange);
      const answer = await filter.filter(exchange, {
        async handle(inner: Exchange) {
          request('filtered_request', inner);
          const filtered = await next.handle(inner);
          response('filtered_response', inner, filtered);
          return filtered;
        },
      });
      response('response', exchange, answer);
      return answer;
    },
  };
}

function timer(target: Handler | Filter, kind: Kind, context: CreateContext): Handler | Filter {
  const log = context.logger;
  const report = (started: bigint): void => {
    log.info({ elapsedMs: Number(process.hrtime.bigint() - started) / 1e6 }, 'elapsed time');
  };
  if (kind === 'Handler') {
    const handler = target as Handler;
    return {
      async handle(exchange: Exchange) {
        const started = process.hrtime.bigint();
        try {
          return await handler.handle(exchange);
        } finally {
          report(started);
        }
      },
    };
  }
  const filter = target as Filter;
  return {
    async filter(exchange: Exchange, next: Handler) {
      const started = process.hrtime.bigint();
      try {
        return await filter.filter(exchange, next);
      } finally {
        report(started);
      }
    },
  };
}

function baseUri(
  target: Handler | Filter,
  kind: Kind,
  decoration: Decoration,
  context: CreateContext,
): Handler | Filter {
  const rebase = compileRebase(decoration.value, decoration.place, context);
  if (kind === 'Handler') {
    const handler = target as Handler;
    return {
      async handle(exchange: Exchange) {
        return rebase(exchange) ? handler.handle(exchange) : textResponse(500);
      },
    };
  }
  const filter = target as Filter;
  return {
    async filter(exchange: Exchange, next: Handler) {
      return rebase(exchange) ? filter.filter(exchange, next) : textResponse(500);
    },
  };
}
