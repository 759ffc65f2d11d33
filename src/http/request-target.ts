/**
 * The request target of an incoming request (RFC 9112 §3.2), reduced to one spelling per
 * resource before any route sees it, so that a condition that denies a path denies every way of
 * writing it, and the backend gets the path the condition saw:
 *
 * - origin-form (`/a/b?q`) and absolute-form (`http://host/a/b?q`) give the same path and query;
 *   the absolute form's authority stands for the Host header (RFC 9112 §3.2.2), and userinfo in
 *   it (`http://user:pw@host/`) is refused (RFC 9110 §4.2.4);
 * - asterisk-form (`*`) and authority-form (`host:443`, CONNECT's) are refused: no route serves
 *   them;
 * - percent-encoded unreserved characters are decoded (`%61` → `a`, `%2E` → `.`), other escapes
 *   get upper-case hex, characters a path cannot hold as they are (space, `"`, `<`, non-ASCII
 *   bytes…) are percent-encoded (RFC 3986 §6.2.2);
 * - runs of `/` become one, then dot segments are removed (RFC 3986 §5.2.4), `..` never above `/`;
 * - refused, because no single spelling exists for them: an encoded `/` or `\` (`%2F`, `%5C`), a
 *   literal `\`, an encoded control character (`%00`–`%1F`, `%7F`), a malformed escape, a
 *   fragment.
 *
 * The query is kept as it was sent.
 */

export interface RequestTarget {
  /** The normalised path, percent-encoded. */
  readonly rawPath: string;
  readonly rawQuery: string | null;
  /** The absolute form's host and port, which replace the Host header; undefined for origin-form. */
  readonly authority: string | undefined;
}

/** Why a request target was refused (for the log; the client gets a plain 400). */
export interface TargetRefusal {
  readonly refused: string;
}

const ABSOLUTE_FORM = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(.*)$/s;
const SCHEME_ONLY = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const UNRESERVED = /^[A-Za-z0-9._~-]$/;
// RFC 3986 pchar without pct-encoded (handled apart), plus the segment separator.
const PATH_CHARACTER = /^[A-Za-z0-9._~!$&'()*+,;=:@/-]$/;
const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;

export function parseRequestTarget(target: string): RequestTarget | TargetRefusal {
  if (target === '*') return { refused: 'the asterisk-form (*) is not routed' };
  if (target.includes('#')) return { refused: 'a request target has no fragment' };
  let authority: string | undefined;
  let rest = target;
  if (!target.startsWith('/')) {
    const absolute = ABSOLUTE_FORM.exec(target);
    if (absolute === null) {
      return SCHEME_ONLY.test(target)
        ? { refused: 'only http and https absolute targets are accepted' }
        : { refused: 'the authority-form is only for CONNECT, which is not served' };
    }
    const scheme = absolute[1]!.toLowerCase();
    if (scheme !== 'http' && scheme !== 'https')
      return { refused: 'only http and https absolute targets are accepted' };
    authority = absolute[2]!;
    if (authority.includes('@')) return { refused: 'userinfo in the request target is refused' };
    if (authority === '') return { refused: 'an absolute target needs a host' };
    rest = absolute[3]!;
  }
  const queryAt = rest.indexOf('?');
  const path = queryAt >= 0 ? rest.slice(0, queryAt) : rest;
  const normalised = normalisePath(path === '' ? '/' : path);
  if (typeof normalised !== 'string') return normalised;
  return { rawPath: normalised, rawQuery: queryAt >= 0 ? rest.slice(queryAt + 1) : null, authority };
}

export function isRefusedTarget(value: RequestTarget | TargetRefusal): value is TargetRefusal {
  return 'refused' in value;
}

// A path already in its one spelling, the common case, is given back without a character loop:
// only path characters, no escape, no empty segment, no segment starting with a dot.
const PLAIN_PATH = /^\/[A-Za-z0-9._~!$&'()*+,;=:@/-]*$/;

/** The path in its one spelling (see above), or why it has none. */
export function normalisePath(path: string): string | TargetRefusal {
  if (PLAIN_PATH.test(path) && !path.includes('//') && !path.includes('/.')) return path;
  if (!path.startsWith('/')) return { refused: 'the path does not start with /' };
  let encoded = '';
  for (let index = 0; index < path.length; index++) {
    const char = path[index]!;
    if (char === '%') {
      const hex = path.slice(index + 1, index + 3);
      if (!HEX_PAIR.test(hex)) return { refused: 'a malformed percent-encoding' };
      const code = Number.parseInt(hex, 16);
      const decoded = String.fromCharCode(code);
      if (UNRESERVED.test(decoded)) encoded += decoded;
      else if (code === 0x2f || code === 0x5c) return { refused: 'an encoded / or \\ in the path' };
      else if (code < 0x20 || code === 0x7f) return { refused: 'an encoded control character in the path' };
      else encoded += `%${hex.toUpperCase()}`;
      index += 2;
    } else if (char === '\\') {
      return { refused: 'a \\ in the path' };
    } else if (PATH_CHARACTER.test(char)) {
      encoded += char;
    } else {
      const code = char.charCodeAt(0);
      if (code < 0x20 || code === 0x7f) return { refused: 'a control character in the path' };
      // node:http gives the target's bytes as latin1, one character per byte.
      const bytes = code <= 0xff ? [code] : [...Buffer.from(char, 'utf8')];
      for (const byte of bytes) encoded += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return removeDotSegments(encoded.replace(/\/{2,}/g, '/'));
}

/** RFC 3986 §5.2.4 on an absolute path, by segments. */
function removeDotSegments(path: string): string {
  const segments = path.split('/');
  const output: string[] = [];
  for (let index = 1; index < segments.length; index++) {
    const segment = segments[index]!;
    const last = index === segments.length - 1;
    if (segment === '..') {
      output.pop();
      if (last) output.push('');
    } else if (segment === '.') {
      if (last) output.push('');
    } else {
      output.push(segment);
    }
  }
  return `/${output.join('/')}`;
}
