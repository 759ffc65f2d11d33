import { evaluationError } from './coerce.js';

/**
 * The encoders behind the url*, form* and base64 functions, written to the specifications
 * PingGateway follows (HTML form encoding, RFC 3986 components, RFC 4648) rather than to
 * encodeURIComponent, whose set of safe characters is neither.
 */

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const UNRESERVED = `${ALPHANUMERIC}-._~`;
const SUB_DELIMS = "!$&'()*+,;=";

type Component = 'pathElement' | 'userInfo' | 'fragment' | 'queryParameter';

/** Characters each RFC 3986 component keeps as they are; everything else is percent-encoded. */
export const COMPONENT_SAFE: Readonly<Record<Component, ReadonlySet<string>>> = Object.freeze({
  pathElement: new Set(`${UNRESERVED}${SUB_DELIMS}:@`),
  userInfo: new Set(`${UNRESERVED}${SUB_DELIMS}:`),
  fragment: new Set(`${UNRESERVED}${SUB_DELIMS}:@/?`),
  // `&`, `=` and `+` delimit or mean something inside a query string, so a name or value encodes them.
  queryParameter: new Set(`${UNRESERVED}!$'()*,;:@/?`),
});

/** application/x-www-form-urlencoded keeps these (as Java's URLEncoder does); space becomes '+'. */
const FORM_SAFE: ReadonlySet<string> = new Set(`${ALPHANUMERIC}-._*`);

function percentEncode(text: string, safe: ReadonlySet<string>, spaceAsPlus: boolean): string {
  let output = '';
  for (const char of text) {
    if (safe.has(char)) output += char;
    else if (spaceAsPlus && char === ' ') output += '+';
    else
      for (const byte of Buffer.from(char, 'utf8'))
        output += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return output;
}

function percentDecode(text: string, plusAsSpace: boolean): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === '%') {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex))
        throw evaluationError('a percent-encoded string has a malformed % escape');
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else if (plusAsSpace && char === '+') {
      bytes.push(0x20);
    } else {
      bytes.push(...Buffer.from(char, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

export function formEncode(text: string): string {
  return percentEncode(text, FORM_SAFE, true);
}

export function formDecode(text: string): string {
  return percentDecode(text, true);
}

export function componentEncode(text: string, safe: ReadonlySet<string>): string {
  return percentEncode(text, safe, false);
}

export function componentDecode(text: string): string {
  return percentDecode(text, false);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL = /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}(?:==)?|[A-Za-z0-9_-]{3}=?)?$/;

/** Standard base64 with padding; null when the text is not exactly that. */
export function decodeBase64Strict(text: string): Buffer | null {
  return BASE64.test(text) ? Buffer.from(text, 'base64') : null;
}

/** base64url, padding optional; null when the text is not base64url. */
export function decodeBase64UrlStrict(text: string): Buffer | null {
  return BASE64URL.test(text) ? Buffer.from(text, 'base64url') : null;
}

const PROPERTY_ESCAPES: Readonly<Record<string, string>> = { t: '\t', n: '\n', r: '\r', f: '\f' };

function unescapeProperty(text: string): string {
  return text.replace(/\\(u[0-9a-fA-F]{4}|.)/gs, (_, escape: string) =>
    escape.length === 5
      ? String.fromCharCode(Number.parseInt(escape.slice(1), 16))
      : (PROPERTY_ESCAPES[escape] ?? escape),
  );
}

/** True when the line ends with an odd number of backslashes, which joins it to the next line. */
function continues(line: string): boolean {
  let count = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === '\\'; i--) count++;
  return count % 2 === 1;
}

/** Java's Properties.load format: `key=value`, `key: value` or `key value`, `#`/`!` comments, `\` continuations. */
export function parseProperties(text: string): Record<string, string> {
  const properties: Record<string, string> = Object.create(null);
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.replace(/^[ \t\f]+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (continues(line) && i + 1 < lines.length) {
      line = line.slice(0, -1) + lines[++i]!.replace(/^[ \t\f]+/, '');
    }
    if (continues(line)) line = line.slice(0, -1);
    const separator = /^((?:\\.|[^\\=: \t\f])*)[ \t\f]*[=:]?[ \t\f]*/s.exec(line)!;
    properties[unescapeProperty(separator[1]!)] = unescapeProperty(line.slice(separator[0].length));
  }
  return properties;
}
