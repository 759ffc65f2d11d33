import { objectSchema } from '../config/schema.js';
import { defineType } from '../heap/types.js';
import { noProxy, type ProxyChoice } from './proxy-options.js';

export const noProxyOptionsType = defineType<Record<string, never>, ProxyChoice>({
  type: 'NoProxyOptions',
  kind: 'ProxyOptions',
  description: 'Client handlers connect to upstreams directly (the default ProxyOptions).',
  schema: objectSchema({}),
  create: () => noProxy,
});
