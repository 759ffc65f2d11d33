import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  COMPONENT_SAFE,
  componentDecode,
  componentEncode,
  decodeBase64Strict,
  decodeBase64UrlStrict,
  formDecode,
  formEncode,
  parseProperties,
} from '../../../src/el/encoding.js';
import { TollgateError } from '../../../src/errors/tollgate-error.js';

const MALFORMED = 'a percent-encoded string has a malformed % escape';

function malformed(error: unknown): boolean {
  return error instanceof TollgateError && error.code === 'TG_EL_EVALUATION' && error.detail === MALFORMED;
}

describe('form encoding (application/x-www-form-urlencoded, as Java URLEncoder)', () => {
  test('keeps letters, digits and -._* ; a space is +; everything else is its UTF-8 bytes', () => {
    assert.equal(formEncode("az AZ09-._*~!'()+&="), 'az+AZ09-._*%7E%21%27%28%29%2B%26%3D');
    assert.equal(formEncode('é€😀'), '%C3%A9%E2%82%AC%F0%9F%98%80');
    assert.equal(formEncode('\n'), '%0A');
  });

  test('decoding turns + into a space and %XX into bytes, read as UTF-8', () => {
    assert.equal(formDecode('a+b%2B%e2%82%AC'), 'a b+€');
    assert.equal(formDecode('%C3%A9é'), 'éé');
    // Bytes that are not UTF-8 decode to U+FFFD, as Java's decoder does.
    assert.equal(formDecode('%FF'), '\ufffd');
    assert.equal(formDecode(formEncode('any text: é & 😀 + more')), 'any text: é & 😀 + more');
  });

  test('a % not followed by two hex digits is an evaluation error', () => {
    for (const text of ['%', '%4', 'a%G1', '%%41', '100%']) {
      assert.throws(() => formDecode(text), malformed, text);
      assert.throws(() => componentDecode(text), malformed, text);
    }
  });
});

describe('RFC 3986 components', () => {
  // Which of these characters each component leaves as they are.
  const probe = "-._~!$&'()*+,;=:@/?#[] %";
  const kept: Record<keyof typeof COMPONENT_SAFE, string> = {
    pathElement: "-._~!$&'()*+,;=:@",
    userInfo: "-._~!$&'()*+,;=:",
    fragment: "-._~!$&'()*+,;=:@/?",
    queryParameter: "-._~!$'()*,;:@/?",
  };
  for (const [component, expected] of Object.entries(kept) as [keyof typeof COMPONENT_SAFE, string][]) {
    test(`${component} keeps exactly ${expected}`, () => {
      const safe = COMPONENT_SAFE[component];
      const keptChars = [...probe].filter((char) => componentEncode(char, safe) === char).join('');
      assert.equal(keptChars, expected);
      assert.equal(componentEncode('aZ9', safe), 'aZ9');
    });
  }

  test('a query name or value encodes the characters that delimit or mean something in a query', () => {
    assert.equal(componentEncode('a b&c=d+e', COMPONENT_SAFE.queryParameter), 'a%20b%26c%3Dd%2Be');
  });

  test('a space is %20, never +, and decoding leaves + alone', () => {
    assert.equal(componentEncode(' ', COMPONENT_SAFE.pathElement), '%20');
    assert.equal(componentDecode('a+b%20c'), 'a+b c');
  });
});

describe('strict base64', () => {
  test('standard base64 needs its padding and its own alphabet', () => {
    assert.equal(decodeBase64Strict('YQ==')?.toString(), 'a');
    assert.equal(decodeBase64Strict('YWI=')?.toString(), 'ab');
    assert.equal(decodeBase64Strict('YWJj')?.toString(), 'abc');
    assert.deepEqual(decodeBase64Strict('+/8='), Buffer.from([0xfb, 0xff]));
    assert.deepEqual(decodeBase64Strict(''), Buffer.alloc(0));
    // Node's decoder would accept every one of these, silently; the strict one says no.
    for (const text of ['YQ', 'YQ=', 'YQ===', 'Y', 'Y Q==', 'YQ==YQ==', '-_8=', 'YW\nI=']) {
      assert.equal(decodeBase64Strict(text), null, JSON.stringify(text));
    }
  });

  test('base64url takes padding or not, and only its own alphabet', () => {
    assert.deepEqual(decodeBase64UrlStrict('-_8'), Buffer.from([0xfb, 0xff]));
    assert.deepEqual(decodeBase64UrlStrict('-_8='), Buffer.from([0xfb, 0xff]));
    assert.equal(decodeBase64UrlStrict('YQ')?.toString(), 'a');
    assert.equal(decodeBase64UrlStrict('YQ==')?.toString(), 'a');
    assert.deepEqual(decodeBase64UrlStrict(''), Buffer.alloc(0));
    for (const text of ['+/8=', 'YQ=', 'Y', 'YWJjZ', 'YQ==YQ']) {
      assert.equal(decodeBase64UrlStrict(text), null, JSON.stringify(text));
    }
  });
});

describe('parseProperties (java.util.Properties.load)', () => {
  test('key=value, key: value and key value, with the space around the separator dropped', () => {
    assert.deepEqual(
      { ...parseProperties('a=1\nb: 2\nc 3\n  d\t=\t4 \ne\nf=\ng==x\nh::y\n= nameless\n') },
      { a: '1', b: '2', c: '3', d: '4 ', e: '', f: '', g: '=x', h: ':y', '': 'nameless' },
    );
  });

  test('# and ! start comments only at the start of a line; blank lines are skipped', () => {
    assert.deepEqual(
      { ...parseProperties('# a=1\n   ! b=2\n\n \t\nc=#not a comment\n') },
      { c: '#not a comment' },
    );
  });

  test('a line ending in an odd number of backslashes continues, without its leading space', () => {
    assert.deepEqual(
      { ...parseProperties('a=one\\\n    two\\\n  # three\nb=even\\\\\nc=last\\') },
      { a: 'onetwo# three', b: 'even\\', c: 'last' },
    );
  });

  test('escapes: \\t \\n \\r \\f, \\uXXXX, and any other escaped character is itself', () => {
    assert.deepEqual(
      { ...parseProperties('k\\ e\\=y\\:=v\\ta\\u00e9\\q\\\\\nnl=1\\n2\\r3\\f4') },
      { 'k e=y:': 'v\taéq\\', nl: '1\n2\r3\f4' },
    );
  });

  test('\\n, \\r\\n and \\r all end a line; a repeated key keeps its last value', () => {
    assert.deepEqual({ ...parseProperties('a=1\r\nb=2\rc=3\na=4') }, { a: '4', b: '2', c: '3' });
  });

  test('the result has no prototype, so a key such as __proto__ is only a key', () => {
    const properties = parseProperties('__proto__=x\nconstructor=y');
    assert.equal(Object.getPrototypeOf(properties), null);
    assert.deepEqual(Object.keys(properties), ['__proto__', 'constructor']);
    assert.equal(properties['__proto__'], 'x');
  });
});
