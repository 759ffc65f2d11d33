import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { pathToFileURL } from 'node:url';
import { TextDecoder } from 'node:util';
import { TollgateError } from '../errors/tollgate-error.js';
import type { ElFunction, FunctionTable } from './api.js';
import {
  BLOCKED_KEYS,
  evaluationError,
  isPlainObject,
  javaTrim,
  strictEquals,
  toElString,
  toInteger,
  typeName,
} from './coerce.js';
import {
  COMPONENT_SAFE,
  componentDecode,
  componentEncode,
  decodeBase64Strict,
  decodeBase64UrlStrict,
  formDecode,
  formEncode,
  parseProperties,
} from './encoding.js';
import { elGet, elKeys, isElMap } from './host.js';
import { isKeyword } from './lexer.js';
import {
  compileAtLoad,
  findsIn,
  firstGroups,
  javaSplit,
  matchesWhole,
  PatternCache,
  type JavaPattern,
} from './regex.js';

/**
 * PingGateway's expression functions, with the semantics of its reference and of OpenIG's
 * Functions class (see docs/expressions.md for each choice). Null arguments pass through: a
 * function given null returns null (false, 0 or -1 where the function returns one of those).
 */

/**
 * The compiler calls `[elPrepare]` once per call site with what it knows of the arguments (the
 * value of each literal), before any request. A function may refuse the call there (a wrong
 * argument count, a regex literal that does not compile: a TollgateError, reported as a config
 * error at the call's column) and may return a version specialised for those literals.
 */
export const elPrepare: unique symbol = Symbol('tollgate.el.prepare');

export type ArgumentShape = { readonly literal: true; readonly value: unknown } | { readonly literal: false };

export interface PreparableFunction extends ElFunction {
  [elPrepare](args: readonly ArgumentShape[]): ElFunction;
}

export function isPreparable(fn: ElFunction): fn is PreparableFunction {
  return typeof (fn as Partial<PreparableFunction>)[elPrepare] === 'function';
}

/** A string argument: null stays null, other values coerce as EL coerces them to String. */
function str(value: unknown): string | null {
  return value === null || value === undefined ? null : toElString(value);
}

type Run = (...args: unknown[]) => unknown;

interface Definition {
  readonly min: number;
  readonly max: number;
  readonly run: Run;
  /** Specialises the function for literal arguments (undefined: no specialisation); runs after the arity check. */
  readonly prepare?: (args: readonly ArgumentShape[]) => Run | undefined;
}

function define(min: number, max: number, run: Run, prepare?: Definition['prepare']): Definition {
  return { min, max, run, prepare };
}

/**
 * Carries a built-in function's name, so that code which relies on what a built-in does (the
 * Router's path-prefix index and `find`) can tell it from a replacement, in any gateway's table.
 */
const builtinName: unique symbol = Symbol('tollgate.el.builtin');

/** True when `fn` is the built-in function `name`, from whichever table. */
export function isBuiltinFunction(fn: ElFunction | undefined, name: string): boolean {
  return (fn as { [builtinName]?: string } | undefined)?.[builtinName] === name;
}

function asFunction(name: string, definition: Definition): PreparableFunction {
  const fn: Run = (...args) => definition.run(...args);
  return Object.assign(fn, {
    [builtinName]: name,
    [elPrepare](args: readonly ArgumentShape[]): ElFunction {
      const { min, max } = definition;
      if (args.length < min || args.length > max) {
        const expected = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
        throw new TollgateError(
          'TG_CONFIG_BAD_EXPRESSION',
          `${name}() takes ${expected} argument(s), not ${args.length}`,
        );
      }
      return definition.prepare?.(args) ?? definition.run;
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Regular expressions

function literalPattern(shape: ArgumentShape | undefined): JavaPattern | undefined {
  return shape?.literal === true && typeof shape.value === 'string' ? compileAtLoad(shape.value) : undefined;
}

/**
 * A function whose argument `index` is a Java regex: compiled at compile time when the call site
 * writes it as a string literal, otherwise taken from the table's bounded cache. `body` receives
 * null for a null pattern.
 */
function regexDefinition(
  cache: PatternCache,
  arity: number,
  index: number,
  body: (args: readonly unknown[], pattern: JavaPattern | null) => unknown,
): Definition {
  const patternOf = (value: unknown): JavaPattern | null => {
    const text = str(value);
    return text === null ? null : cache.get(text);
  };
  return define(
    arity,
    arity,
    (...args) => body(args, patternOf(args[index])),
    (shapes) => {
      const pattern = literalPattern(shapes[index]);
      return pattern === undefined ? undefined : (...args: unknown[]) => body(args, pattern);
    },
  );
}

/** The keys of a map EL can enumerate: a plain object's own keys or a host map's names. */
function keysOf(map: unknown): string[] | null {
  if (isPlainObject(map)) return Object.keys(map).filter((key) => !BLOCKED_KEYS.has(key));
  if (isElMap(map)) return map[elKeys]();
  return null;
}

// ---------------------------------------------------------------------------------------------
// IP addresses

export interface ParsedAddress {
  readonly address: string;
  readonly family: 'ipv4' | 'ipv6';
}

export function parseAddress(text: string): ParsedAddress | undefined {
  let address = text.trim();
  if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1);
  const zone = address.indexOf('%');
  if (zone >= 0) address = address.slice(0, zone);
  // Node reports IPv4 clients on a dual-stack socket as ::ffff:a.b.c.d; they match IPv4 ranges.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped !== null) address = mapped[1]!;
  if (isIPv4(address)) return { address, family: 'ipv4' };
  if (isIPv6(address)) return { address, family: 'ipv6' };
  return undefined;
}

/** A CIDR block (`10.0.0.0/8`, `2001:db8::/32`) or one address; undefined when invalid. */
export function parseCidr(text: string): BlockList | undefined {
  const slash = text.indexOf('/');
  const network = parseAddress(slash < 0 ? text : text.slice(0, slash));
  if (network === undefined) return undefined;
  const bits = network.family === 'ipv4' ? 32 : 128;
  const prefixText = slash < 0 ? String(bits) : text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) return undefined;
  const list = new BlockList();
  list.addSubnet(network.address, Number(prefixText), network.family);
  return list;
}

function ipMatches(ip: unknown, block: BlockList): boolean {
  const text = str(ip);
  const address = text === null ? undefined : parseAddress(text);
  return address !== undefined && block.check(address.address, address.family);
}

// ---------------------------------------------------------------------------------------------
// Certificates

/** What an expression can read of a certificate: plain values, no methods. */
function certificateView(certificate: X509Certificate): Readonly<Record<string, unknown>> {
  // Node lists the name components in certificate order; Java shows the most specific first.
  const name = (text: string): string => text.split('\n').reverse().join(', ');
  return Object.freeze({
    subject: name(certificate.subject),
    issuer: name(certificate.issuer),
    serialNumber: certificate.serialNumber,
    notBefore: new Date(certificate.validFrom).toISOString(),
    notAfter: new Date(certificate.validTo).toISOString(),
    subjectAltName: certificate.subjectAltName ?? null,
    fingerprint256: certificate.fingerprint256,
    // RFC 8705's x5t#S256, what certificate-bound access tokens carry.
    thumbprintSha256: createHash('sha256').update(certificate.raw).digest('base64url'),
    pem: certificate.toString(),
  });
}

function parseCertificate(input: string | Buffer): Readonly<Record<string, unknown>> {
  try {
    return certificateView(new X509Certificate(input));
  } catch {
    throw evaluationError('the value is not an X.509 certificate');
  }
}

// ---------------------------------------------------------------------------------------------
// Files

function readFile(path: string, encoding: 'utf8' | 'latin1'): string | null {
  try {
    return readFileSync(path, encoding);
  } catch {
    return null;
  }
}

function fileUrl(value: unknown): string | null {
  const path = str(value);
  if (path === null) return null;
  const url = pathToFileURL(path).href;
  // Java's File.toURI marks a directory with a trailing slash.
  return isDirectory(path) && !url.endsWith('/') ? `${url}/` : url;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Numbers

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

/** Java's Integer.parseInt(text, radix); null where Java throws NumberFormatException. */
function parseJavaInt(text: string, radix: number): number | null {
  if (!Number.isInteger(radix) || radix < 2 || radix > 36) return null;
  const sign = text[0] === '-' || text[0] === '+' ? text[0] : '';
  const digits = text.slice(sign.length);
  if (digits === '') return null;
  let value = 0;
  for (const char of digits) {
    const digit = Number.parseInt(char, 36);
    if (Number.isNaN(digit) || digit >= radix) return null;
    value = value * radix + digit;
    if (value > INT_MAX + 1) return null;
  }
  const result = sign === '-' ? -value : value;
  return result < INT_MIN || result > INT_MAX ? null : result;
}

// ---------------------------------------------------------------------------------------------
// The table

function stringFunction(transform: (text: string) => unknown): Definition {
  return define(1, 1, (value) => {
    const text = str(value);
    return text === null ? null : transform(text);
  });
}

function builtinDefinitions(cache: PatternCache): Record<string, Definition> {
  const search = (args: readonly unknown[], pattern: JavaPattern | null): boolean => {
    const input = str(args[0]);
    return input !== null && pattern !== null && findsIn(pattern, input);
  };
  const groups = (args: readonly unknown[], pattern: JavaPattern | null): (string | null)[] | null => {
    const input = str(args[0]);
    return input === null || pattern === null ? null : firstGroups(pattern, input);
  };
  const decoded = (decode: (text: string) => Buffer | null) =>
    stringFunction((text) => decode(text)?.toString('utf8') ?? null);
  const bytesOrText = (value: unknown): Buffer | null => {
    if (value instanceof Uint8Array) return Buffer.from(value);
    const text = str(value);
    return text === null ? null : Buffer.from(text, 'utf8');
  };

  return {
    array: define(0, Infinity, (...values) => values.map((value) => str(value))),
    bool: define(1, 1, (value) => str(value)?.toLowerCase() === 'true'),
    contains: define(2, 2, (container, value) => {
      if (container === null || container === undefined || value === null || value === undefined) {
        return false;
      }
      if (typeof container === 'string') return typeof value === 'string' && container.includes(value);
      if (Array.isArray(container)) return container.some((item) => strictEquals(item, value));
      const name = toElString(value);
      if (isElMap(container)) return container[elGet](name) !== undefined;
      return isPlainObject(container) && !BLOCKED_KEYS.has(name) && Object.hasOwn(container, name);
    }),
    decodeBase64: decoded(decodeBase64Strict),
    decodeBase64url: decoded(decodeBase64UrlStrict),
    derCertificate: define(1, 1, (value) => {
      if (value === null || value === undefined) return null;
      if (!(value instanceof Uint8Array)) throw evaluationError('derCertificate() needs bytes');
      return parseCertificate(Buffer.from(value));
    }),
    digestSha256: define(1, 1, (value) => {
      const bytes = bytesOrText(value);
      return bytes === null ? null : createHash('sha256').update(bytes).digest();
    }),
    encodeBase64: define(1, 1, (value) => bytesOrText(value)?.toString('base64') ?? null),
    encodeBase64url: define(1, 1, (value) => bytesOrText(value)?.toString('base64url') ?? null),
    escapeJson: stringFunction((text) => JSON.stringify(text).slice(1, -1)),
    fileToUrl: define(1, 1, fileUrl),
    find: regexDefinition(cache, 2, 1, search),
    findGroups: regexDefinition(cache, 2, 1, groups),
    formDecodeParameterNameOrValue: stringFunction(formDecode),
    formEncodeParameterNameOrValue: stringFunction(formEncode),
    indexOf: define(2, 2, (value, part) => {
      const text = str(value);
      const search = str(part);
      return text === null || search === null ? -1 : text.indexOf(search);
    }),
    integer: define(1, 1, (value) => {
      const text = str(value);
      return text === null ? null : parseJavaInt(text, 10);
    }),
    integerWithRadix: define(2, 2, (value, radix) => {
      const text = str(value);
      return text === null || radix === null || radix === undefined
        ? null
        : parseJavaInt(text, toInteger(radix));
    }),
    ipMatch: define(
      2,
      2,
      (ip, cidr) => {
        const text = str(cidr);
        if (text === null) return false;
        const block = parseCidr(text);
        if (block === undefined) throw evaluationError('ipMatch() was given an invalid CIDR block');
        return ipMatches(ip, block);
      },
      ([, cidr]) => {
        if (cidr === undefined || !cidr.literal || typeof cidr.value !== 'string') return undefined;
        const block = parseCidr(cidr.value);
        if (block === undefined)
          throw new TollgateError('TG_CONFIG_BAD_VALUE', 'ipMatch() needs a CIDR block such as 10.0.0.0/8');
        return (ip: unknown) => ipMatches(ip, block);
      },
    ),
    join: define(2, 2, (values, separator) => {
      if (values === null || values === undefined) return null;
      if (!Array.isArray(values)) throw evaluationError(`join() needs a list, not a ${typeName(values)}`);
      return values.map((value) => (value === null ? 'null' : toElString(value))).join(str(separator) ?? '');
    }),
    keyMatch: regexDefinition(cache, 2, 1, ([map], pattern) => {
      const keys = keysOf(map);
      if (keys === null || pattern === null) return null;
      return keys.find((key) => matchesWhole(pattern, key)) ?? null;
    }),
    lastElement: define(1, 1, (values) => {
      if (values === null || values === undefined) return null;
      if (!Array.isArray(values))
        throw evaluationError(`lastElement() needs a list, not a ${typeName(values)}`);
      return values.length === 0 ? null : values[values.length - 1];
    }),
    length: define(1, 1, (value) => {
      if (typeof value === 'string' || Array.isArray(value) || value instanceof Uint8Array)
        return value.length;
      if (isElMap(value)) return value[elKeys]().length;
      return isPlainObject(value) ? Object.keys(value).length : 0;
    }),
    matches: regexDefinition(cache, 2, 1, search),
    matchesWithRegex: regexDefinition(cache, 2, 1, ([value], pattern) => {
      const input = str(value);
      return input !== null && pattern !== null && matchesWhole(pattern, input);
    }),
    matchingGroups: regexDefinition(cache, 2, 1, groups),
    pathToUrl: define(1, 1, fileUrl),
    pemCertificate: stringFunction((text) => parseCertificate(text)),
    read: stringFunction((path) => readFile(path, 'utf8')),
    readProperties: stringFunction((path) => {
      // Java's Properties.load reads bytes as ISO-8859-1; other characters come as \uXXXX.
      const text = readFile(path, 'latin1');
      return text === null ? null : parseProperties(text);
    }),
    readWithCharset: define(2, 2, (path, charset) => {
      const file = str(path);
      const label = str(charset);
      if (file === null || label === null) return null;
      let decoder: TextDecoder;
      try {
        decoder = new TextDecoder(label);
      } catch {
        throw evaluationError('readWithCharset() was given an unknown charset');
      }
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch {
        return null;
      }
      return decoder.decode(bytes);
    }),
    split: regexDefinition(cache, 2, 1, ([value], pattern) => {
      const input = str(value);
      if (input === null) return null;
      if (pattern === null) throw evaluationError('split() needs a pattern');
      return javaSplit(pattern, input);
    }),
    toJson: define(1, 1, (value) => {
      if (value === null || value === undefined) return null;
      if (typeof value === 'number' || typeof value === 'boolean') return value;
      if (typeof value !== 'string')
        throw evaluationError(`toJson() needs a JSON string, not a ${typeName(value)}`);
      try {
        return JSON.parse(value) as unknown;
      } catch {
        // The parser's own message quotes the input, which may hold a token.
        throw evaluationError('toJson() was given text that is not JSON');
      }
    }),
    toLowerCase: stringFunction((text) => text.toLowerCase()),
    toString: define(1, 1, (value) => str(value)),
    toUpperCase: stringFunction((text) => text.toUpperCase()),
    trim: stringFunction(javaTrim),
    urlDecode: stringFunction(formDecode),
    urlDecodeFragment: stringFunction(componentDecode),
    urlDecodePathElement: stringFunction(componentDecode),
    urlDecodeQueryParameterNameOrValue: stringFunction(componentDecode),
    urlDecodeUserInfo: stringFunction(componentDecode),
    urlEncode: stringFunction(formEncode),
    urlEncodeFragment: stringFunction((text) => componentEncode(text, COMPONENT_SAFE.fragment)),
    urlEncodePathElement: stringFunction((text) => componentEncode(text, COMPONENT_SAFE.pathElement)),
    urlEncodeQueryParameterNameOrValue: stringFunction((text) =>
      componentEncode(text, COMPONENT_SAFE.queryParameter),
    ),
    urlEncodeUserInfo: stringFunction((text) => componentEncode(text, COMPONENT_SAFE.userInfo)),
  };
}

/**
 * A fresh table of the built-in functions, with its own regex cache. Each gateway builds one, so
 * no two gateways in a process share a cache; there is no shared default table.
 */
export function createBuiltinFunctions(): FunctionTable {
  const cache = new PatternCache();
  const table: Record<string, ElFunction> = Object.create(null);
  for (const [name, definition] of Object.entries(builtinDefinitions(cache))) {
    table[name] = asFunction(name, definition);
  }
  return Object.freeze(table);
}

const FUNCTION_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * The documented way for a type to offer more functions: a new frozen table with `base`'s
 * functions and `extra`'s. A name already in `base`, or not a valid EL identifier, is an error.
 */
export function extendFunctions(
  base: FunctionTable,
  extra: Readonly<Record<string, ElFunction>>,
): FunctionTable {
  const table: Record<string, ElFunction> = Object.create(null);
  for (const name of Object.keys(base)) table[name] = base[name]!;
  for (const [name, fn] of Object.entries(extra)) {
    if (!FUNCTION_NAME.test(name) || isKeyword(name) || BLOCKED_KEYS.has(name)) {
      throw new TollgateError('TG_EL_FUNCTION_REGISTRATION', `"${name}" is not a valid function name`);
    }
    if (Object.hasOwn(table, name)) {
      throw new TollgateError('TG_EL_FUNCTION_REGISTRATION', `the function "${name}" is already defined`);
    }
    if (typeof fn !== 'function') {
      throw new TollgateError('TG_EL_FUNCTION_REGISTRATION', `"${name}" is not a function`);
    }
    table[name] = fn;
  }
  return Object.freeze(table);
}
