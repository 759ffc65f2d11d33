import type { Headers } from './headers.js';

/** RFC 9110 §7.6.1 connection-specific headers: never forwarded by a proxy. */
const hopByHop: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Removes hop-by-hop headers, including those the Connection header names. */
export function removeHopByHop(headers: Headers): void {
  for (const value of headers.get('connection') ?? []) {
    for (const token of value.split(',')) {
      const name = token.trim();
      if (name) headers.delete(name);
    }
  }
  headers.deleteWhere((name) => hopByHop.has(name));
}
