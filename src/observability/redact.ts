import type { Headers } from '../http/headers.js';
import type { Request, Response } from '../http/message.js';

export const REDACTED = '[REDACTED]';

const secretHeaders = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-amz-security-token',
]);

/** Query, form and JSON field names whose values are credentials. */
const secretName = /token|secret|password|passwd|assertion|^code$|api[-_]?key|credential/i;

export function redactHeaders(headers: Headers): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, values] of headers.entries()) {
    out[name] = secretHeaders.has(name.toLowerCase()) ? values.map(() => REDACTED) : [...values];
  }
  return out;
}

/** Replaces the values of credential-like parameters in a query or form string. */
export function redactParams(text: string): string {
  return text.replace(/([^&=]+)=([^&]*)/g, (whole, name: string) =>
    secretName.test(decodeURIComponentSafe(name)) ? `${name}=${REDACTED}` : whole,
  );
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    return text;
  }
}

/** A JSON value with credential-like fields replaced, for captured JSON bodies. */
export function redactJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactJson);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value))
      out[key] = secretName.test(key) ? REDACTED : redactJson(inner);
    return out;
  }
  return value;
}

export function redactUri(request: Request): string {
  const { uri } = request;
  const base = `${uri.scheme}://${uri.host}${uri.port >= 0 ? `:${uri.port}` : ''}${uri.rawPath}`;
  return uri.rawQuery === null ? base : `${base}?${redactParams(uri.rawQuery)}`;
}

/** A buffered body as a capture shows it: credentials replaced, long bodies cut. */
export function redactEntity(contentType: string | undefined, text: string, maxLength: number): string {
  let shown = text;
  if (contentType?.includes('application/x-www-form-urlencoded')) shown = redactParams(text);
  else if (contentType?.includes('json')) {
    try {
      shown = JSON.stringify(redactJson(JSON.parse(text)));
    } catch {
      shown = text;
    }
  } else if (secretName.test(text)) shown = REDACTED;
  return shown.length > maxLength ? `${shown.slice(0, maxLength)}[entity truncated]` : shown;
}

export function describeRequest(request: Request): Record<string, unknown> {
  return { method: request.method, uri: redactUri(request), headers: redactHeaders(request.headers) };
}

export function describeResponse(response: Response): Record<string, unknown> {
  return { status: response.status, headers: redactHeaders(response.headers) };
}
