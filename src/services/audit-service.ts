import { isAbsolute, resolve as resolvePath } from 'node:path';
import { expressionSchema, objectSchema } from '../config/schema.js';
import { childPlace, ConfigErrors, configError, formatPlace, type Place } from '../errors/tollgate-error.js';
import type { Exchange } from '../http/exchange.js';
import type { Response } from '../http/message.js';
import { defineType, type CreateContext, type Handler } from '../heap/types.js';
import {
  accessEvent,
  accessRequest,
  AccessEventFields,
  type AccessFieldPolicy,
} from '../observability/access-audit-event.js';
import { openAuditFile, stdoutAuditSink, type AuditSink } from '../observability/audit-log-file.js';

/** What a route asks of the audit service that applies to it (an AuditService, or the NoOp one). */
export interface AuditService {
  /** false when no enabled event handler takes the `access` topic: the route is then not wrapped. */
  readonly auditsAccess: boolean;
  /** Which fields an access event of this service holds. */
  readonly fields: AccessEventFields;
  publish(topic: string, event: Record<string, unknown>): void;
}

const JSON_HANDLER = 'org.forgerock.audit.handlers.json.JsonAuditEventHandler';
const STDOUT_HANDLER = 'org.forgerock.audit.handlers.json.stdout.JsonStdoutAuditEventHandler';

/** The keys of each implemented handler's `config`; the file-rotation ones are accepted and ignored. */
const HANDLER_KEYS: Readonly<Record<string, readonly string[]>> = {
  [JSON_HANDLER]: [
    'name',
    'topics',
    'enabled',
    'logDirectory',
    'elasticsearchCompatible',
    'fileRotation',
    'fileRetention',
    'rotationRetentionCheckInterval',
    'buffering',
  ],
  [STDOUT_HANDLER]: ['name', 'topics', 'enabled', 'elasticsearchCompatible'],
};

const policySchema = objectSchema({
  includeIf: { type: 'array', items: { type: 'string' } },
  excludeIf: { type: 'array', items: { type: 'string' } },
});

interface AuditServiceConfig {
  config?: {
    enabled?: boolean | string;
    filterPolicies?: { field?: AccessFieldPolicy; value?: AccessFieldPolicy };
  };
  eventHandlers?: { class: string; config: Record<string, unknown> }[];
}

/** One event handler as built: its topics and, once the service has started, where it writes. */
interface EventHandler {
  readonly name: string;
  readonly topics: ReadonlySet<string>;
  readonly elasticsearchCompatible: boolean;
  readonly open: () => Promise<AuditSink>;
  sink: AuditSink | undefined;
}

class EventHandlers implements AuditService {
  readonly auditsAccess: boolean;

  constructor(
    readonly handlers: readonly EventHandler[],
    readonly fields: AccessEventFields,
  ) {
    this.auditsAccess = handlers.some((handler) => handler.topics.has('access'));
  }

  publish(topic: string, event: Record<string, unknown>): void {
    for (const handler of this.handlers) {
      if (handler.sink === undefined || !handler.topics.has(topic)) continue;
      handler.sink.write(handler.elasticsearchCompatible ? elasticsearchNames(event) : event);
    }
  }
}

/** Elasticsearch reserves `_id`: the common audit framework's compatible form names it `_eventId`. */
function elasticsearchNames(event: Record<string, unknown>): Record<string, unknown> {
  const { _id, ...rest } = event;
  return { _eventId: _id, ...rest };
}

/**
 * Wraps a route's handler (or config.json's root handler) so that each request it answers is one
 * event of the `access` topic, published when the handler's answer is ready. A service that takes
 * no access events leaves the handler as it is.
 */
export function auditAccess(handler: Handler, service: AuditService): Handler {
  if (!service.auditsAccess) return handler;
  return {
    async handle(exchange: Exchange): Promise<Response> {
      const request = accessRequest(exchange, service.fields);
      let response: Response | undefined;
      try {
        response = await handler.handle(exchange);
        return response;
      } finally {
        const router = exchange.contexts.router as { routeId?: string } | undefined;
        const route = { id: router?.routeId ?? null, name: exchange.route };
        service.publish('access', accessEvent(exchange, request, response, route, service.fields));
      }
    },
  };
}

function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

function buildHandler(
  declared: { class: string; config: Record<string, unknown> },
  place: Place,
  context: CreateContext,
): EventHandler | undefined {
  const keys = HANDLER_KEYS[declared.class];
  if (keys === undefined) {
    const at = childPlace(place, 'class');
    context.logger.warn(
      { code: 'TG_AUDIT_HANDLER_IGNORED', place: formatPlace(at) },
      `the audit event handler ${declared.class} is not implemented and is ignored: its events are not recorded; Tollgate implements ${JSON_HANDLER} and ${STDOUT_HANDLER}`,
    );
    return undefined;
  }
  const configPlace = childPlace(place, 'config');
  const config = declared.config;
  const errors = Object.keys(config)
    .filter((key) => !keys.includes(key) && key !== 'comment' && !key.startsWith('_'))
    .map((key) =>
      configError('TG_CONFIG_UNKNOWN_PROPERTY', childPlace(configPlace, key), `unknown property "${key}"`),
    );
  const value = (key: string): unknown => context.configValue(config[key], childPlace(configPlace, key));
  const required = (key: string, check: (v: unknown) => boolean, what: string): unknown => {
    const found = value(key);
    if (found === undefined || found === null) {
      errors.push(
        configError('TG_CONFIG_MISSING_PROPERTY', childPlace(configPlace, key), `${key} is required`),
      );
    } else if (!check(found)) {
      errors.push(configError('TG_CONFIG_SCHEMA', childPlace(configPlace, key), `${key} must be ${what}`));
    }
    return found;
  };
  const name = required('name', (v) => typeof v === 'string' && v !== '', 'a non-empty string');
  const topics = required(
    'topics',
    (v) => Array.isArray(v) && v.length > 0 && v.every((t) => typeof t === 'string'),
    'a non-empty list of topic names',
  ) as string[];
  const directory =
    declared.class === JSON_HANDLER
      ? required('logDirectory', (v) => typeof v === 'string' && v !== '', 'a directory')
      : undefined;
  if (errors.length > 0) throw new ConfigErrors(errors);
  if (config.enabled !== undefined && !isTrue(value('enabled'))) return undefined;
  const logDirectory =
    typeof directory === 'string'
      ? isAbsolute(directory)
        ? directory
        : resolvePath(context.gateway.configDirectory, directory)
      : undefined;
  return {
    name: String(name),
    topics: new Set(topics.map((topic) => String(context.configValue(topic, configPlace)))),
    elasticsearchCompatible: isTrue(value('elasticsearchCompatible')),
    open: () =>
      logDirectory === undefined
        ? Promise.resolve(stdoutAuditSink('access'))
        : openAuditFile(logDirectory, 'access', context.logger),
    sink: undefined,
  };
}

export const auditServiceType = defineType<AuditServiceConfig, AuditService>({
  type: 'AuditService',
  aliases: ['org.forgerock.openig.audit.AuditServiceObjectHeaplet'],
  kind: 'AuditService',
  description:
    'Records an access event per request of the routes that use it, as JSON lines in a file (JsonAuditEventHandler) or on standard output (JsonStdoutAuditEventHandler).',
  schema: objectSchema({
    config: objectSchema(
      {
        enabled: { type: ['boolean', 'string'], description: 'Default true; false records nothing' },
        handlerForQueries: { type: 'string', description: 'Accepted; Tollgate answers no audit queries' },
        availableAuditEventHandlers: { type: 'array', items: { type: 'string' } },
        filterPolicies: objectSchema({
          field: policySchema,
          value: { ...policySchema, description: 'Accepted and ignored: values are redacted by name' },
        }),
        caseInsensitiveFields: { type: 'array', items: { type: 'string' } },
      },
      [],
      { description: 'The audit service itself, apart from its event handlers' },
    ),
    eventHandlers: {
      type: 'array',
      items: objectSchema(
        {
          class: { type: 'string', minLength: 1 },
          config: { type: 'object', description: "The handler's name, topics, logDirectory…" },
        },
        ['class', 'config'],
      ),
    },
    topicsSchemasDirectory: { ...expressionSchema, description: 'Accepted; custom topics are not recorded' },
  }),
  create: (config, context) => {
    const fields = new AccessEventFields(config.config?.filterPolicies?.field);
    const enabled = config.config?.enabled;
    if (
      enabled !== undefined &&
      !isTrue(context.configValue(enabled, childPlace(context.place, 'config', 'enabled')))
    )
      return new EventHandlers([], fields);
    const handlers = (config.eventHandlers ?? [])
      .map((declared, i) => buildHandler(declared, childPlace(context.place, 'eventHandlers', i), context))
      .filter((handler): handler is EventHandler => handler !== undefined);
    const service = new EventHandlers(handlers, fields);
    const closeAll = async (): Promise<void> => {
      for (const handler of handlers) {
        await handler.sink?.close();
        handler.sink = undefined;
      }
    };
    context.onStart(async () => {
      try {
        for (const handler of handlers) handler.sink = await handler.open();
      } catch (error) {
        // The heap does not stop an object whose start failed: the files already open close here.
        await closeAll();
        throw error;
      }
    });
    context.onStop(closeAll);
    return service;
  },
});
