import { objectSchema } from '../config/schema.js';
import { defineType } from '../heap/types.js';
import { AccessEventFields } from '../observability/access-audit-event.js';
import type { AuditService } from './audit-service.js';

/** Records nothing: PingGateway's default `AuditService`, which routes use unless they name another. */
export const noOpAuditServiceType = defineType<Record<string, never>, AuditService>({
  type: 'NoOpAuditService',
  aliases: ['org.forgerock.openig.audit.NoOpAuditService'],
  kind: 'AuditService',
  description: 'An audit service that records nothing: the default AuditService heap object.',
  schema: objectSchema({}),
  create: () =>
    Object.freeze({ auditsAccess: false, fields: new AccessEventFields(), publish: () => undefined }),
});
