import { objectSchema } from '../config/schema.js';
import { formatPlace } from '../errors/tollgate-error.js';
import { defineType, type Decorator } from './types.js';

/**
 * OpenIG 4's AuditDecorator (the `audit` key) fed an audit system that PingGateway replaced by
 * AuditService: files written for it load, the key changing nothing, with a warning that says where
 * access events come from now.
 */
export const auditDecoratorType = defineType<Record<string, never>, Decorator>({
  type: 'AuditDecorator',
  aliases: ['org.forgerock.openig.decoration.audit.AuditDecorator'],
  kind: 'Decorator',
  description:
    "OpenIG 4's audit decoration: accepted and ignored with a warning (access events come from auditService).",
  schema: objectSchema({}),
  create: () => ({
    decorate(target, _kind, _value, place, context) {
      context.logger.warn(
        { code: 'TG_AUDIT_DECORATION_IGNORED', place: formatPlace(place) },
        'the audit decoration is ignored: access events are recorded by the AuditService of the route (auditService)',
      );
      return target;
    },
  }),
});
