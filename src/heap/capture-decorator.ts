import { objectSchema } from '../config/schema.js';
import { compilePatternAt, matchesWhole, type JavaPattern } from '../el/regex.js';
import {
  childPlace,
  ConfigErrors,
  configError,
  type Place,
  TollgateError,
} from '../errors/tollgate-error.js';
import type { Entity } from '../http/entity.js';
import type { Exchange } from '../http/exchange.js';
import type { Headers } from '../http/headers.js';
import type { Response } from '../http/message.js';
import {
  describeRequest,
  describeResponse,
  isTextMediaType,
  redactEntity,
  redactValue,
} from '../observability/redact.js';
import { decorationIsOn } from './decorators.js';
import { defineType, type CreateContext, type Decorator, type Filter, type Handler } from './types.js';

interface CaptureDecoratorConfig {
  captureEntity?: boolean | string;
  captureContext?: boolean | string;
  maxEntityLength?: number | string;
  masks?: { headers?: string[]; trailers?: string[]; attributes?: string[]; mask?: string };
}

type CapturePoint = 'request' | 'response' | 'filtered_request' | 'filtered_response';
const allPoints: readonly CapturePoint[] = ['request', 'response', 'filtered_request', 'filtered_response'];

/** PingGateway refuses 2 GB or more: a Java array cannot hold it. */
const MAX_ENTITY_LENGTH_LIMIT = 2 ** 31 - 1;

interface CaptureSettings {
  readonly entity: boolean;
  readonly context: boolean;
  readonly maxEntityLength: number;
  readonly headerMasks: readonly JavaPattern[];
  readonly attributeMasks: readonly JavaPattern[];
  readonly mask: string;
}

function capturePoints(value: unknown, place: Place): Set<CapturePoint> {
  const strings = Array.isArray(value) ? value : [value];
  if (!strings.every((item) => typeof item === 'string')) {
    throw new ConfigErrors([
      configError('TG_CONFIG_SCHEMA', place, 'must be a capture point or an array of capture points'),
    ]);
  }
  const names = strings.map((v) => v.toLowerCase());
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

/** Mask patterns match a whole name, in any case, as PingGateway's do. */
function compileMasks(patterns: readonly string[] | undefined, place: Place): JavaPattern[] {
  return (patterns ?? []).map((pattern, i) => {
    try {
      return compilePatternAt(`(?i)${pattern}`, childPlace(place, i));
    } catch (error) {
      if (!(error instanceof TollgateError)) throw error;
      throw new ConfigErrors([error]);
    }
  });
}

function settingsOf(config: CaptureDecoratorConfig, context: CreateContext): CaptureSettings {
  const at = (key: string): Place => childPlace(context.place, key);
  const length = Number(context.configValue(config.maxEntityLength ?? 524_288, at('maxEntityLength')));
  if (!Number.isInteger(length) || length < 0 || length > MAX_ENTITY_LENGTH_LIMIT) {
    throw new ConfigErrors([
      configError('TG_CONFIG_BAD_VALUE', at('maxEntityLength'), 'must be a whole number of bytes below 2 GB'),
    ]);
  }
  const masks = config.masks ?? {};
  const masksPlace = at('masks');
  return {
    entity: decorationIsOn(config.captureEntity ?? false, at('captureEntity'), context),
    context: decorationIsOn(config.captureContext ?? false, at('captureContext'), context),
    maxEntityLength: length,
    headerMasks: compileMasks(masks.headers, childPlace(masksPlace, 'headers')),
    attributeMasks: compileMasks(masks.attributes, childPlace(masksPlace, 'attributes')),
    mask: masks.mask ?? '*****',
  };
}

/**
 * PingGateway's CaptureDecorator: `"<name>": "all"` (or a list of capture points) logs the
 * requests and responses going in and out of the decorated object, always through redact.ts
 * (credentials never reach the log) and then the configured masks.
 */
export const captureDecoratorType = defineType<CaptureDecoratorConfig, Decorator>({
  type: 'CaptureDecorator',
  aliases: ['org.forgerock.openig.decoration.capture.CaptureDecorator'],
  kind: 'Decorator',
  description:
    'A decoration key that logs the requests and responses of the decorated object, credentials redacted and masks applied.',
  schema: objectSchema({
    captureEntity: { type: ['boolean', 'string'] },
    captureContext: { type: ['boolean', 'string'] },
    maxEntityLength: { type: ['integer', 'string'] },
    masks: objectSchema({
      headers: { type: 'array', items: { type: 'string' } },
      trailers: {
        type: 'array',
        items: { type: 'string' },
        description: 'Accepted; Tollgate has no trailers to capture',
      },
      attributes: { type: 'array', items: { type: 'string' } },
      mask: { type: 'string' },
    }),
  }),
  create: (config, context) => {
    const settings = settingsOf(config, context);
    return {
      decorate(target, kind, value, place, objectContext) {
        const points = capturePoints(value, place);
        if (points.size === 0) return target;
        return capture(target, kind, points, settings, objectContext, context.name);
      },
    };
  },
});

function capture(
  target: Handler | Filter,
  kind: 'Handler' | 'Filter',
  points: ReadonlySet<CapturePoint>,
  settings: CaptureSettings,
  context: CreateContext,
  decorator: string,
): Handler | Filter {
  const log = context.logger;
  const masked = (headers: Record<string, string[]>): Record<string, string[]> => {
    if (settings.headerMasks.length === 0) return headers;
    const out: Record<string, string[]> = {};
    for (const [name, values] of Object.entries(headers)) {
      const hit = settings.headerMasks.some((mask) => matchesWhole(mask, name));
      out[name] = hit ? values.map(() => settings.mask) : values;
    }
    return out;
  };
  const details = async (
    exchange: Exchange,
    described: Record<string, unknown>,
    message: { headers: Headers; entity: Entity },
    tooLarge: 'TG_REQUEST_ENTITY_TOO_LARGE' | 'TG_UPSTREAM_RESPONSE_TOO_LARGE',
  ): Promise<Record<string, unknown>> => {
    const fields: Record<string, unknown> = {
      ...described,
      headers: masked(described.headers as Record<string, string[]>),
    };
    if (settings.entity) {
      const entity = await entityText(message, exchange.maxEntityBytes, tooLarge, settings.maxEntityLength);
      if (entity !== undefined) fields.entity = entity;
    }
    return fields;
  };
  const contextOf = (exchange: Exchange): Record<string, unknown> | undefined => {
    if (!settings.context) return undefined;
    const maskFor = (name: string): string | undefined =>
      settings.attributeMasks.some((mask) => matchesWhole(mask, name)) ? settings.mask : undefined;
    const { attributes: _attributes, ...others } = exchange.contexts;
    return { attributes: redactValue(exchange.attributes, maskFor), contexts: redactValue(others) };
  };
  const request = async (point: CapturePoint, exchange: Exchange): Promise<void> => {
    if (!points.has(point)) return;
    const described = await details(
      exchange,
      describeRequest(exchange.request),
      exchange.request,
      'TG_REQUEST_ENTITY_TOO_LARGE',
    );
    log.info(
      {
        transactionId: exchange.transactionId,
        capture: point,
        decorator,
        request: described,
        context: contextOf(exchange),
      },
      'captured request',
    );
  };
  const response = async (point: CapturePoint, exchange: Exchange, answer: Response): Promise<void> => {
    if (!points.has(point)) return;
    const described = await details(
      exchange,
      describeResponse(answer),
      answer,
      'TG_UPSTREAM_RESPONSE_TOO_LARGE',
    );
    log.info(
      {
        transactionId: exchange.transactionId,
        capture: point,
        decorator,
        response: described,
        context: contextOf(exchange),
      },
      'captured response',
    );
  };
  if (kind === 'Handler') {
    const handler = target as Handler;
    return {
      async handle(exchange: Exchange) {
        await request('request', exchange);
        const answer = await handler.handle(exchange);
        await response('response', exchange, answer);
        return answer;
      },
    };
  }
  const filter = target as Filter;
  return {
    async filter(exchange: Exchange, next: Handler) {
      await request('request', exchange);
      const answer = await filter.filter(exchange, {
        async handle(inner: Exchange) {
          await request('filtered_request', inner);
          const filtered = await next.handle(inner);
          await response('filtered_response', inner, filtered);
          return filtered;
        },
      });
      await response('response', exchange, answer);
      return answer;
    },
  };
}

/**
 * The body as the log shows it: redacted, then cut at `maxLength` bytes. A message without a
 * Content-Type has none written (PingGateway cannot decode it either); a binary one is a marker. A
 * body still streaming is read only when its declared length fits the gateway's limit, so that
 * capturing never turns a request away: otherwise a marker says it was not captured.
 */
async function entityText(
  message: { headers: Headers; entity: Entity },
  limit: number,
  tooLarge: 'TG_REQUEST_ENTITY_TOO_LARGE' | 'TG_UPSTREAM_RESPONSE_TOO_LARGE',
  maxLength: number,
): Promise<string | undefined> {
  const contentType = message.headers.first('content-type');
  if (contentType === undefined) return undefined;
  if (!isTextMediaType(contentType)) return '[binary entity]';
  const { entity } = message;
  if (!entity.isBuffered) {
    const declared = Number(message.headers.first('content-length') ?? Number.NaN);
    if (!(declared <= limit)) return '[entity not captured: streamed]';
    try {
      await entity.load(limit, tooLarge);
    } catch {
      return '[entity not captured: streamed]';
    }
  }
  const text = redactEntity(entity.string ?? '', contentType);
  const bytes = Buffer.from(text, 'utf8');
  return bytes.length <= maxLength
    ? text
    : `${bytes.subarray(0, maxLength).toString('utf8')}[entity truncated]`;
}
