import { objectSchema } from '../config/schema.js';
import { defineType } from '../heap/types.js';
import { systemProxy, type ProxyChoice } from './proxy-options.js';

export const systemProxyOptionsType = defineType<Record<string, never>, ProxyChoice>({
  type: 'SystemProxyOptions',
  kind: 'ProxyOptions',
  description: 'Client handlers use the proxy the environment names: HTTP_PROXY, HTTPS_PROXY and NO_PROXY.',
  schema: objectSchema({}),
  create: () => systemProxy,
});
