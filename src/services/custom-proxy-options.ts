import { defineType } from '../heap/types.js';
import { customProxy, customProxySchema, type CustomProxyConfig, type ProxyChoice } from './proxy-options.js';

export const customProxyOptionsType = defineType<CustomProxyConfig, ProxyChoice>({
  type: 'CustomProxyOptions',
  kind: 'ProxyOptions',
  description: 'Client handlers send requests through the proxy at `uri`, with Basic credentials if given.',
  schema: customProxySchema,
  create: customProxy,
});
