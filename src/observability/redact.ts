import type { Headers } from '../http/headers.js';
import type { Request, Response } from '../http/message.js';

export const REDACTED = '[REDACTED]';

const secretHeaders: ReadonlySet<string> = new Set([
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
    const secret = secretHeaders.has(name.toLowerCase()) || secretName.test(name);
    out[name] = secret ? values.map(() => REDACTED) : [...values];
  }
  return out;
}

/** Replaces the values of credential-like parameters in a query or form string. */
export function redactParams(text: string): string {
  // Split, not a regex: the query comes from the client, and a pattern such as
  // /([^&=]+)=/g rescans a long run without '=' from each of its characters.
  return text.split('&').map(redactParam).join('&');
}

/** One `name=value`; a part without `=` stays as it is, and so do `=` before the name. */
function redactParam(param: string): string {
  let start = 0;
  while (param[start] === '=') start++;
  const equals = param.indexOf('=', start);
  if (equals < 0) return param;
  const name = param.slice(start, equals);
  return secretName.test(decodeURIComponentSafe(name)) ? `${param.slice(0, equals)}=${REDACTED}` : param;
}

/**
 * Compact JWS serialisations (header.payload.signature, the header starting `{"`): JWTs, client
 * assertions. Only an `eyJ` that starts a run of token characters can start one, so a long run
 * (an authorization server's answer may be 256 KiB of `eyJeyJ…`) is scanned once, not once per `eyJ`.
 */
const COMPACT_JWS = /(?<![\w-])eyJ[\w-]+\.[\w-]+\.[\w-]*/g;

/**
 * Free text from outside the gateway (an authorization server's error description) without the
 * credentials it may repeat: the given values (the tokens just sent to that server), anything
 * shaped like a JWT, and the values of credential-like parameters, as `redactParams` treats a
 * captured query or form.
 */
export function redactText(text: string, credentials: readonly string[]): string {
  let redacted = text;
  for (const credential of credentials) {
    if (credential !== '') redacted = redacted.replaceAll(credential, REDACTED);
  }
  return redactParams(redacted.replace(COMPACT_JWS, REDACTED));
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    return text;
  }
}

/** Whether a media type (a Content-Type value) is text a log can hold, rather than bytes. */
export function isTextMediaType(contentType: string): boolean {
  const type = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return (
    type.startsWith('text/') ||
    /^application\/(?:json|x-www-form-urlencoded|xml|javascript|jwt|problem\+json|[\w.+-]+\+(?:json|xml))$/.test(
      type,
    )
  );
}

/**
 * A message body as a log may hold it: JSON with the values of credential-like fields replaced, a
 * form or query with credential-like parameters replaced, and JWTs replaced in any other text.
 */
export function redactEntity(text: string, contentType: string): string {
  const type = contentType.split(';', 1)[0]!.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') return redactParams(text);
  if (type === 'application/json' || type.endsWith('+json')) {
    try {
      return JSON.stringify(redactValue(JSON.parse(text)));
    } catch {
      // Not JSON after all: treated as other text.
    }
  }
  return redactText(text, []);
}

/**
 * A JSON-like value (a parsed body, a request's attributes and contexts) as a log may hold it:
 * credential-like fields and fields named as credential headers (`authorization`…) replaced, strings shaped like a JWT replaced, functions left out. Values
 * below `depth` levels are summarised, so a deep or cyclic structure cannot stall the log. A field
 * `maskFor` gives a mask for has that mask as its value.
 */
export function redactValue(
  value: unknown,
  maskFor: (name: string) => string | undefined = () => undefined,
  depth = 8,
): unknown {
  if (typeof value === 'string') return value.replace(COMPACT_JWS, REDACTED);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object' || value === null) return typeof value === 'function' ? undefined : value;
  if (depth === 0) return '[…]';
  if (Array.isArray(value)) return value.map((item) => redactValue(item, maskFor, depth - 1) ?? null);
  if (value instanceof Map) return redactValue(Object.fromEntries(value), maskFor, depth);
  const out: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(value)) {
    if (typeof item === 'function') continue;
    const secret = secretName.test(name) || secretHeaders.has(name.toLowerCase());
    out[name] = secret ? REDACTED : (maskFor(name) ?? redactValue(item, maskFor, depth - 1));
  }
  return out;
}

export function redactUri(request: Request): string {
  const { uri } = request;
  const base = `${uri.scheme}://${uri.host}${uri.port >= 0 ? `:${uri.port}` : ''}${uri.rawPath}`;
  return uri.rawQuery === null ? base : `${base}?${redactParams(uri.rawQuery)}`;
}

export function describeRequest(request: Request): Record<string, unknown> {
  return { method: request.method, uri: redactUri(request), headers: redactHeaders(request.headers) };
}

export function describeResponse(response: Response): Record<string, unknown> {
  return { status: response.status, headers: redactHeaders(response.headers) };
}
