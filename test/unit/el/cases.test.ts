import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { compileLValue, compileTemplate } from '../../../src/el/index.js';
import { TollgateError } from '../../../src/errors/tollgate-error.js';
import { RequestUri } from '../../../src/http/uri.js';
import { collecting, testExchange } from './fixtures.js';

/**
 * One row per documented behaviour: the expression, what it gives against testExchange(), and
 * whether it reports an evaluation error (TG_EL_EVALUATION) on the way. Sources are the
 * PingGateway reference (expressions and functions pages) and OpenIG's EL and Functions tests.
 */

const directory = mkdtempSync(join(tmpdir(), 'tollgate-el-'));
after(() => rmSync(directory, { recursive: true, force: true }));
writeFileSync(join(directory, 'hello.txt'), 'Hello, file');
writeFileSync(join(directory, 'latin1.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9]));
writeFileSync(
  join(directory, 'app.properties'),
  '# a comment\ngreeting = hi there\nmulti.line=a\\\n    b\nunicode=\\u00e9\n! another comment\nspaced value\n',
);
const file = (name: string): string => join(directory, name);

const CERTIFICATE = `-----BEGIN CERTIFICATE-----
MIIB7jCCAZSgAwIBAgIUP/6JyUyetYLWQsF7noJnfZnaZxIwCgYIKoZIzj0EAwIw
PjELMAkGA1UEBhMCR0IxFjAUBgNVBAoMDVRvbGxnYXRlIFRlc3QxFzAVBgNVBAMM
DmNsaWVudC5leGFtcGxlMCAXDTI2MTEyMzA5NDIwNloYDzIxMjYxMDMwMDk0MjA2
WjA+MQswCQYDVQQGEwJHQjEWMBQGA1UECgwNVG9sbGdhdGUgVGVzdDEXMBUGA1UE
AwwOY2xpZW50LmV4YW1wbGUwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAASIxVs5
EjIo/7z24l2hkK4QA1NYKlnFft7mpP2uwP3BLb17gT9eoVWPDsYVFWV4wZhj2nTV
hv1YPgTEC2WDNciNo24wbDAdBgNVHQ4EFgQU7g6a14zPUZQMHEHoAdCXzgu/Fagw
HwYDVR0jBBgwFoAU7g6a14zPUZQMHEHoAdCXzgu/FagwDwYDVR0TAQH/BAUwAwEB
/zAZBgNVHREEEjAQgg5jbGllbnQuZXhhbXBsZTAKBggqhkjOPQQDAgNIADBFAiB/
rHK1uJygJdT96RntY0ZwQDbePUvGyoxGJ7f8I9uRhAIhALhiN1xhE8D1CZCovYpW
yiF7MZjmelUe2qoZFWtLOlDG
-----END CERTIFICATE-----`;

/** [expression, expected value, 'error' when an evaluation error must be reported] */
type Case = readonly [source: string, expected: unknown, reports?: 'error'];

const literals: Case[] = [
  ["${'single'}", 'single'],
  ['${"double"}', 'double'],
  ["${'it\\'s'}", "it's"],
  ['${"say \\"hi\\""}', 'say "hi"'],
  ["${'back\\\\slash'}", 'back\\slash'],
  ["${'}'}", '}'],
  ["${'${'}", '${'],
  ['${42}', 42],
  ['${3.5}', 3.5],
  ['${.5}', 0.5],
  ['${1e3}', 1000],
  ['${2.5E-1}', 0.25],
  ['${true}', true],
  ['${false}', false],
  ['${null}', null],
  ['${ 1 }', 1],
];

const arithmetic: Case[] = [
  ['${1 + 2}', 3],
  ["${'1' + 2}", 3],
  ["${'1.5' + 1}", 2.5],
  ['${null + 1}', 1],
  ['${null + null}', 0],
  ["${'' + 1}", 1],
  ["${'a' + 1}", null, 'error'],
  ["${'a' + 'b'}", null, 'error'],
  ['${true + 1}', null, 'error'],
  ['${5 - 7}', -2],
  ['${6 * 7}', 42],
  ['${1 / 2}', 0.5],
  ['${7 div 2}', 3.5],
  ['${1 / 0}', Number.POSITIVE_INFINITY],
  ['${7 % 3}', 1],
  ['${7 mod 3}', 1],
  ['${-7 % 2}', -1],
  ['${7 % 0}', null, 'error'],
  ['${7.5 % 2}', 1.5],
  ["${-'3'}", -3],
  ['${-null}', 0],
  ['${- - 2}', 2],
  ['${-true}', null, 'error'],
  ['${2 + 3 * 4}', 14],
  ['${(2 + 3) * 4}', 20],
  ['${10 - 2 - 3}', 5],
  ['${2 * 3 mod 4}', 2],
  ['${attributes.numeric * 2}', 20],
  ['${attributes.number + attributes.numeric}', 15],
];

const comparisons: Case[] = [
  ['${1==1}', true],
  ["${'1' == 1}", true],
  ['${1 eq 1.0}', true],
  ['${null == null}', true],
  ['${null == 0}', false],
  ["${'abc' == 'abc'}", true],
  ["${'a' ne 'b'}", true],
  ["${true == 'true'}", true],
  ["${'TRUE' == true}", true],
  ['${1 != 2}', true],
  ["${'a' == 1}", null, 'error'],
  ['${2 < 10}', true],
  ["${'2' < '10'}", false],
  ["${'2' < 10}", true],
  ['${1 lt 2}', true],
  ['${2 gt 1}', true],
  ['${2 le 2}', true],
  ['${3 ge 4}', false],
  ['${null < 1}', false],
  ['${null <= null}', true],
  ["${'abc' < 'abd'}", true],
  ['${false < true}', true],
  ["${request.method == 'POST'}", true],
  ['${response.status.code == 302}', true],
  ['${attributes.list == attributes.list}', true],
];

const logic: Case[] = [
  ['${true && false}', false],
  ['${true and true}', true],
  ['${false || true}', true],
  ['${false or false}', false],
  ['${!true}', false],
  ['${not false}', true],
  ['${not null}', true],
  ["${not ''}", true],
  ["${'true' and 'TRUE'}", true],
  ["${'yes' or false}", false],
  ['${false and attributes.foo.noSuchMethod()}', false],
  ["${true or 1 / 'x' == 1}", true],
  ['${1 and true}', null, 'error'],
  ['${not 1}', null, 'error'],
  ['${true or false and false}', true],
  ['${not true == false}', true],
  ['${not (response.status.code == 302 and not empty attributes.gotoURL)}', true],
];

const empty: Case[] = [
  ['${empty request.headers}', false],
  ['${empty null}', true],
  ["${empty ''}", true],
  ["${empty 'a'}", false],
  ['${empty attributes.nothing}', true],
  ['${empty attributes.undefinedName}', true],
  ['${empty attributes.emptyList}', true],
  ['${empty attributes.list}', false],
  ['${empty attributes.emptyMap}', true],
  ['${empty attributes.map}', false],
  ["${empty request.headers['X-Missing']}", true],
  ["${empty request.headers['Authorization']}", false],
  ['${not empty attributes.foo}', true],
  ['${empty 0}', false],
];

const conditionals: Case[] = [
  ["${1 < 2 ? 'yes' : 'no'}", 'yes'],
  ["${null ? 'a' : 'b'}", 'b'],
  ['${false ? 1 : true ? 2 : 3}', 2],
  [
    "${empty request.headers['cookie'][0] ? 'name=Tesla' : request.headers['cookie'][0]}",
    'SESSION=s1; other=o1',
  ],
  ["${empty request.headers['X-None'][0] ? 'name=Tesla' : 'other'}", 'name=Tesla'],
  ["${1 ? 'a' : 'b'}", null, 'error'],
];

const properties: Case[] = [
  ['${request.method}', 'POST'],
  ["${request['method']}", 'POST'],
  ['${request.uri.path}', '/path/to/resource.html'],
  ['${request.uri.rawPath}', '/path/to/resource.html'],
  ['${request.uri.scheme}', 'http'],
  ['${request.uri.host}', 'test.com'],
  ['${request.uri.port}', 123],
  ['${request.uri.query}', 'a=1&a=2&b=x y'],
  ['${request.uri.rawQuery}', 'a=1&a=2&b=x%20y'],
  ['${request.uri.fragment}', null],
  ['${toString(request.uri)}', 'http://test.com:123/path/to/resource.html?a=1&a=2&b=x%20y'],
  ["${request.headers['Host'][0]}", 'test.com:123'],
  ["${request.headers['host'][0]}", 'test.com:123'],
  ["${request.headers['X-Multi']}", ['one', 'two']],
  ["${request.headers['X-Multi'][1]}", 'two'],
  ["${request.headers['X-Multi'][5]}", null],
  ["${request.headers['X-Multi'][-1]}", null],
  ["${request.headers['X-Missing'][0]}", null],
  ['${request.headers.Authorization[0]}', 'Bearer abc.def'],
  ["${request.queryParams['a']}", ['1', '2']],
  ["${request.queryParams['b'][0]}", 'x y'],
  ["${request.cookies['SESSION'][0].value}", 's1'],
  ["${request.cookies[keyMatch(request.cookies, '^SESS.*')][0].value}", 's1'],
  ["${request.entity.form['subject_token'][0]}", 'tok1'],
  ["${request.entity.form['subject_token']}", ['tok1', 'tok2']],
  ["${request.entity.form['scope'][0]}", 'read write'],
  ['${request.entity.string}', 'subject_token=tok1&subject_token=tok2&scope=read+write'],
  ['${request.entity.json}', null, 'error'],
  ['${request.noSuchProperty}', null],
  ['${attributes.missing}', null],
  ['${attributes.missing.deeper.still}', null],
  ['${attributes.map.key}', 'value'],
  ["${attributes.map['key']}", 'value'],
  ["${attributes.map['dotted.key']}", 'd'],
  ['${attributes.list[0]}', 'a'],
  ["${attributes.list['1']}", 'b'],
  ['${attributes.list[1.9]}', 'b'],
  ['${attributes.list[2]}', null],
  ['${attributes.list.foo}', null, 'error'],
  ['${attributes.foo.bar}', null, 'error'],
  ['${attributes.json.nested.arr[1].k}', 2],
  ['${attributes.json.n}', 12345],
  ['${attributes[null]}', null],
  ['${contexts.oauth2TokenExchange.issuedToken}', 'issued-token'],
  ["${contexts['oauth2TokenExchange'].scopes[0]}", 'read'],
  ['${contexts.client.remoteAddress}', '::ffff:10.1.2.3'],
  ['${contexts.transactionId.transactionId.value}', 'tx-1'],
  ['${contexts.attributes.attributes.foo}', 'foo'],
  ['${env.HOME}', '/home/tollgate'],
  ["${env['HOME']}", '/home/tollgate'],
  ["${system['java.version']}", '21'],
  ['${response.status.code}', 302],
  ['${response.status.family}', 'REDIRECTION'],
  ["${response.headers['location'][0]}", '/x'],
  ['${noSuchRoot}', null],
  ['${noSuchRoot.child}', null],
];

const methods: Case[] = [
  ["${request.headers['Authorization'][0].substring(7)}", 'abc.def'],
  ["${'hello'.substring(1, 3)}", 'el'],
  ["${'hello'.substring(9)}", null, 'error'],
  ["${'hello'.substring(3, 1)}", null, 'error'],
  ["${request.uri.path.startsWith('/path')}", true],
  ["${request.uri.path.startsWith('/home')}", false],
  ["${'abc'.endsWith('bc')}", true],
  ["${'ABC'.toLowerCase()}", 'abc'],
  ["${'abc'.toUpperCase()}", 'ABC'],
  ["${'  x  '.trim()}", 'x'],
  ["${'abc'.contains('b')}", true],
  ["${'abcabc'.indexOf('c')}", 2],
  ["${'abcabc'.indexOf('c', 3)}", 5],
  ["${'abcabc'.lastIndexOf('a')}", 3],
  ["${'Hello'.concat(' World').concat(' !')}", 'Hello World !'],
  ["${'a.b.c'.replace('.', '-')}", 'a-b-c'],
  ["${'a1b22'.replaceAll('[0-9]+', '#')}", 'a#b#'],
  ["${'2024-01-05'.replaceAll('(\\\\d+)-(\\\\d+)-(\\\\d+)', '$3/$2/$1')}", '05/01/2024'],
  ["${'aaa'.replaceFirst('a', 'b')}", 'baa'],
  ["${'a,b,,'.split(',')}", ['a', 'b']],
  ["${'a,b,c'.split(',', 2)}", ['a', 'b,c']],
  ["${'abc'.length()}", 3],
  ["${'abc'.equals('abc')}", true],
  ["${'1'.equals(1)}", false],
  ["${'ABC'.equalsIgnoreCase('abc')}", true],
  ["${''.isEmpty()}", true],
  ["${'abc'.matches('[a-c]+')}", true],
  ["${'abc'.matches('b')}", false],
  ["${'a\u0085b'.matches('a.b')}", false],
  ["${'xay'.replaceAll('(?<=x)a', 'b')}", 'xby'],
  ["${'a1b2'.split('\\\\'.concat('d'))}", ['a', 'b']],
  ["${'aa'.matches('(a)'.concat('\\\\1'))}", null, 'error'],
  ["${'abc'.toString()}", 'abc'],
  ['${attributes.list.size()}', 2],
  ["${attributes.list.contains('b')}", true],
  ['${attributes.list.get(1)}', 'b'],
  ['${attributes.list.get(7)}', null, 'error'],
  ["${attributes.map.containsKey('key')}", true],
  ["${attributes.map.get('key')}", 'value'],
  ['${attributes.map.size()}', 2],
  ["${request.headers.containsKey('authorization')}", true],
  ["${attributes['foo']['toUpperCase']()}", 'FOO'],
  ['${attributes.number.toString()}', '5'],
  ['${attributes.foo.thereIsNoSuchMethod()}', null, 'error'],
  ['${attributes.missing.trim()}', null, 'error'],
  ["${'x'.getClass()}", null, 'error'],
  ["${'abc'.substring()}", null, 'error'],
];

const functions: Case[] = [
  ["${find(request.uri.path, '^/path')}", true],
  ["${find(request.uri.path, 'to/res')}", true],
  ["${find(request.uri.path, '^/to')}", false],
  ["${find(null, 'x')}", false],
  ["${find(request.uri.fragment, 'x')}", false],
  ["${matches(request.uri.path, 'resource')}", true],
  ["${matchesWithRegex(request.uri.path, '/path/.*')}", true],
  ["${matchesWithRegex(request.uri.path, 'path')}", false],
  ["${matchesWithRegex('ab', 'a|ab')}", true],
  [
    "${findGroups('I am the very model of a modern Major-General', 'the (.*) model')}",
    ['the very model', 'very'],
  ],
  ["${findGroups('abc', 'x(y)?')}", null],
  ["${findGroups('ac', 'a(b)?c')}", ['ac', null]],
  ["${matchingGroups('key=value', '(\\\\w+)=(\\\\w+)')}", ['key=value', 'key', 'value']],
  ["${findGroups(null, 'x')}", null],
  ["${find('ABC', '(?i)abc')}", true],
  ["${find('a.b', '\\\\Q.\\\\E')}", true],
  ["${find('tab here', '\\\\p{Alpha}+')}", true],
  ["${find('no\u00a0break', '\\\\s')}", false],
  ["${find('vertical\u000btab', '\\\\s')}", true],
  ["${find('aB', 'a(?i)b')}", true],
  ["${find('/api/v2', '^/api'.concat('(?=/v2)'))}", null, 'error'],
  ["${keyMatch(attributes.map, 'dotted\\\\..*')}", 'dotted.key'],
  ["${keyMatch(attributes.map, 'ey')}", null],
  ["${keyMatch(request.headers, 'x-m.*')}", null],
  ["${keyMatch(request.headers, 'X-M.*')}", 'X-Multi'],
  ["${contains('abc', 'b')}", true],
  ["${contains(split('all,you,can,eat', ','), 'can')}", true],
  ["${contains(attributes.list, 'z')}", false],
  ["${contains(attributes.map, 'key')}", true],
  ["${contains(null, 'a')}", false],
  ["${contains('abc', null)}", false],
  ["${indexOf('hello', 'l')}", 2],
  ["${indexOf('hello', 'z')}", -1],
  ["${indexOf(null, 'z')}", -1],
  ["${length('hello')}", 5],
  ['${length(attributes.list)}', 2],
  ['${length(attributes.map)}', 2],
  ['${length(attributes.foo)}', 3],
  ['${length(null)}', 0],
  ['${length(5)}', 0],
  ["${length(request.headers['X-Multi'])}", 2],
  ['${length(request.headers)}', 7],
  ["${contains(request.headers, 'x-multi')}", true],
  ["${contains(request.headers, 'X-None')}", false],
  ["${keyMatch(request.headers, 'X-M.*')}", 'X-Multi'],
  [
    '${toString(request.headers)}',
    '{Host=[test.com:123], Authorization=[Bearer abc.def], X-Multi=[one, two], Cookie=[SESSION=s1; other=o1], username=[Myname], X-Key=[__proto__], Content-Type=[application/x-www-form-urlencoded]}',
  ],
  ['${toString(request.uri)}', 'http://test.com:123/path/to/resource.html?a=1&a=2&b=x%20y'],
  ["${split('a,b,c,d,e', ',')[2]}", 'c'],
  ["${split('a,b,,,', ',')}", ['a', 'b']],
  ["${split(',a', ',')}", ['', 'a']],
  ["${split('boo:and:foo', 'o')}", ['b', '', ':and:f']],
  ["${split('abc', '')}", ['a', 'b', 'c']],
  ["${split('', ',')}", ['']],
  ["${split(null, ',')}", null],
  ["${split('a1b2c', '\\\\d')}", ['a', 'b', 'c']],
  ["${join(array('a','b','c'), ':')}", 'a:b:c'],
  ["${join(split('a b', ' '), '+')}", 'a+b'],
  ["${join(null, ',')}", null],
  ["${array('a','b','c')[1]}", 'b'],
  ['${array()}', []],
  ["${trim('  padded \t')}", 'padded'],
  ['${trim(null)}', null],
  ["${toLowerCase('MiXeD')}", 'mixed'],
  ["${toUpperCase('MiXeD')}", 'MIXED'],
  ['${toUpperCase(null)}', null],
  ['${toString(12)}', '12'],
  ['${toString(1.5)}', '1.5'],
  ['${toString(attributes.list)}', '[a, b]'],
  ['${toString(attributes.map)}', '{key=value, dotted.key=d}'],
  ['${toString(null)}', null],
  ['${toJson(\'{"a":[1,2]}\').a[1]}', 2],
  ["${toJson('not json')}", null, 'error'],
  ["${integer('42')}", 42],
  ["${integer('-42')}", -42],
  ["${integer('foo')}", null],
  ["${integer('1 + 1')}", null],
  ["${integer('2147483648')}", null],
  ['${integer(null)}', null],
  ["${integerWithRadix('ff', 16)}", 255],
  ["${integerWithRadix('101', 2)}", 5],
  ["${integerWithRadix('z', 10)}", null],
  ["${bool('true')}", true],
  ["${bool('TRue')}", true],
  ["${bool('false')}", false],
  ["${bool('FalsE')}", false],
  ["${bool('foo')}", false],
  ['${bool(null)}', false],
  ["${encodeBase64('This is a test')}", 'VGhpcyBpcyBhIHRlc3Q='],
  ["${decodeBase64('VGhpcyBpcyBhIHRlc3Q=')}", 'This is a test'],
  ["${decodeBase64('VGhpcyBpcyB')}", null],
  ["${decodeBase64('')}", ''],
  ["${encodeBase64('')}", ''],
  ['${encodeBase64(null)}', null],
  ['${decodeBase64(null)}', null],
  ["${encodeBase64url('??>')}", 'Pz8-'],
  ["${decodeBase64url('Pz8-')}", '??>'],
  ["${decodeBase64url('Pz8+')}", null],
  ["${encodeBase64(digestSha256('abc'))}", 'ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0='],
  ['${digestSha256(null)}', null],
  ["${urlEncode('needs !@#$ encoding')}", 'needs+%21%40%23%24+encoding'],
  ["${urlDecode('needs+%21%40%23%24+encoding')}", 'needs !@#$ encoding'],
  ["${urlEncode('')}", ''],
  ['${urlEncode(null)}', null],
  ["${urlDecode('%zz')}", null, 'error'],
  ["${formEncodeParameterNameOrValue('a b&c')}", 'a+b%26c'],
  ["${formDecodeParameterNameOrValue('a+b%26c')}", 'a b&c'],
  ["${urlEncodeQueryParameterNameOrValue('a b&c=d+e/f')}", 'a%20b%26c%3Dd%2Be/f'],
  ["${urlDecodeQueryParameterNameOrValue('a%20b+c')}", 'a b+c'],
  ["${urlEncodePathElement('a b/c:d')}", 'a%20b%2Fc:d'],
  ["${urlDecodePathElement('a%20b%2Fc')}", 'a b/c'],
  ["${urlEncodeFragment('a b/c?d#e')}", 'a%20b/c?d%23e'],
  ["${urlDecodeFragment('a%20b')}", 'a b'],
  ["${urlEncodeUserInfo('us er:p@ss')}", 'us%20er:p%40ss'],
  ["${urlDecodeUserInfo('us%20er')}", 'us er'],
  ["${ipMatch('10.1.2.3', '10.0.0.0/8')}", true],
  ["${ipMatch('11.1.2.3', '10.0.0.0/8')}", false],
  ["${ipMatch(contexts.client.remoteAddress, '10.0.0.0/8')}", true],
  ["${ipMatch('2001:db8::1', '2001:db8::/32')}", true],
  ["${ipMatch('2001:db9::1', '2001:db8::/32')}", false],
  ["${ipMatch('192.168.0.1', '192.168.0.1')}", true],
  ["${ipMatch('not an ip', '10.0.0.0/8')}", false],
  ["${ipMatch(null, '10.0.0.0/8')}", false],
  ["${ipMatch('10.0.0.1', attributes.foo)}", null, 'error'],
  [`\${read('${file('hello.txt')}')}`, 'Hello, file'],
  [`\${read('${file('missing.txt')}')}`, null],
  [`\${readWithCharset('${file('latin1.txt')}', 'ISO-8859-1')}`, 'café'],
  [`\${readWithCharset('${file('latin1.txt')}', 'no-such-charset')}`, null, 'error'],
  [`\${readProperties('${file('app.properties')}').greeting}`, 'hi there'],
  [`\${readProperties('${file('app.properties')}')['multi.line']}`, 'ab'],
  [`\${readProperties('${file('app.properties')}').unicode}`, 'é'],
  [`\${readProperties('${file('app.properties')}').spaced}`, 'value'],
  [`\${readProperties('${file('missing.properties')}')}`, null],
  [`\${pathToUrl('${file('hello.txt')}')}`, pathToFileURL(file('hello.txt')).href],
  [`\${fileToUrl('${directory}')}`, `${pathToFileURL(directory).href}/`],
  ['${pathToUrl(null)}', null],
  ['${fileToUrl(null)}', null],
  ['${lastElement(attributes.list)}', 'b'],
  ['${lastElement(attributes.emptyList)}', null],
  ['${lastElement(null)}', null],
  ['${escapeJson(\'say "hi"\n\')}', 'say \\"hi\\"\\n'],
  ['${escapeJson(null)}', null],
  ["${pemCertificate('not a certificate')}", null, 'error'],
  ['${pemCertificate(null)}', null],
];

const unicode: Case[] = [
  ["${length('héllo')}", 5],
  ["${toUpperCase('straße')}", 'STRASSE'],
  ["${'日本語'.substring(1)}", '本語'],
  ["${urlEncode('é')}", '%C3%A9'],
  ["${urlDecode('%C3%A9')}", 'é'],
  ["${encodeBase64('é')}", 'w6k='],
  ["${find('naïve', 'ï')}", true],
  ["${length('😀')}", 2],
  ["${split('a😀b', '😀')}", ['a', 'b']],
  ["${matchesWithRegex('😀', '.')}", true],
  ["${'ÉCOLE' == 'ÉCOLE'}", true],
  ['${ünïcödé}', null],
];

const safety: Case[] = [
  ['${attributes.constructor}', null],
  ["${attributes['__proto__']}", null],
  ['${attributes.prototype}', null],
  ['${request.constructor}', null],
  ['${toString.constructor}', null],
  ['${constructor}', null],
  ['${__proto__}', null],
  ['${attributes.foo.constructor}', null],
  ["${''.__proto__}", null],
  ['${attributes.list.constructor}', null],
  ['${env.constructor}', null],
  ['${system.__proto__.polluted}', null],
  ['${attributes.json.__proto__.polluted}', null],
  ["${attributes[request.headers['X-Key'][0]]}", null],
  ['${attributes.valueOf()}', null, 'error'],
  ["${attributes.hasOwnProperty('foo')}", null, 'error'],
  ["${attributes.foo['constructor']('x')}", null, 'error'],
  ['${request.uri.rebase(request.uri)}', null, 'error'],
  ["${request.entity.set('x')}", null, 'error'],
  ['${attributes.list.push(1)}', null, 'error'],
];

const groups: Record<string, readonly Case[]> = {
  literals,
  arithmetic,
  comparisons,
  logic,
  empty,
  conditionals,
  properties,
  methods,
  functions,
  unicode,
  safety,
};

describe('EL cases', () => {
  for (const [group, cases] of Object.entries(groups)) {
    describe(group, () => {
      for (const [source, expected, reports] of cases) {
        test(`${source} → ${JSON.stringify(expected) ?? String(expected)}${reports ? ' (reported)' : ''}`, () => {
          const { options, errors } = collecting();
          const result = compileTemplate(source, options).evaluate(testExchange());
          assert.deepEqual(result, expected);
          if (reports === 'error') {
            assert.ok(errors.length > 0, 'an evaluation error was reported');
            for (const error of errors) {
              assert.equal(error.code, 'TG_EL_EVALUATION');
              assert.deepEqual(error.place, { file: 'routes/test.json', pointer: '/condition' });
            }
          } else {
            assert.deepEqual(
              errors.map((e) => e.message),
              [],
            );
          }
        });
      }
    });
  }

  test('the table covers at least 150 documented behaviours', () => {
    assert.ok(Object.values(groups).flat().length >= 150);
  });

  test('Object.prototype is still clean after every case', () => {
    assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('host objects', () => {
  test('two URIs with the same text are equal', () => {
    const exchange = testExchange();
    exchange.attributes.same = RequestUri.parse(exchange.request.uri.toString());
    exchange.attributes.other = RequestUri.parse('http://test.com:123/other');
    const { options, errors } = collecting();
    assert.equal(compileTemplate('${attributes.same == request.uri}', options).evaluate(exchange), true);
    assert.equal(compileTemplate('${attributes.other == request.uri}', options).evaluate(exchange), false);
    assert.deepEqual(errors, []);
  });
});

describe('certificates', () => {
  test('pemCertificate gives a read-only view with the RFC 8705 thumbprint', () => {
    const exchange = testExchange();
    exchange.attributes.pem = CERTIFICATE;
    const { options, errors } = collecting();
    const view = compileTemplate('${pemCertificate(attributes.pem)}', options).evaluate(exchange);
    assert.deepEqual(errors, []);
    assert.ok(view !== null && typeof view === 'object');
    const certificate = view as Record<string, unknown>;
    assert.equal(certificate.subject, 'CN=client.example, O=Tollgate Test, C=GB');
    assert.equal(certificate.serialNumber, '3FFE89C94C9EB582D642C17B9E82677D99DA6712');
    assert.equal(certificate.thumbprintSha256, '72tDQ4g0-mUJXcD-pZGhjsZRmrj4-6FesQn6DyxL3MI');
    assert.equal(certificate.subjectAltName, 'DNS:client.example');
    assert.ok(Object.isFrozen(certificate));
    const subject = compileTemplate('${pemCertificate(attributes.pem).subject}', options).evaluate(exchange);
    assert.equal(subject, 'CN=client.example, O=Tollgate Test, C=GB');
  });

  test('derCertificate reads DER bytes', () => {
    const exchange = testExchange();
    exchange.attributes.der = Buffer.from(CERTIFICATE.split('\n').slice(1, -1).join(''), 'base64');
    const { options } = collecting();
    const serial = compileTemplate('${derCertificate(attributes.der).serialNumber}', options).evaluate(
      exchange,
    );
    assert.equal(serial, '3FFE89C94C9EB582D642C17B9E82677D99DA6712');
  });
});

describe('request.entity.json', () => {
  test('reads a JSON body', () => {
    const exchange = testExchange('{"int": 12345, "list": ["x"]}');
    const { options, errors } = collecting();
    assert.equal(compileTemplate('${request.entity.json.int}', options).evaluate(exchange), 12345);
    assert.equal(compileTemplate('${request.entity.json.list[0]}', options).evaluate(exchange), 'x');
    assert.deepEqual(errors, []);
  });

  test('an empty body reads as "" and a null JSON', () => {
    const exchange = testExchange('');
    const { options } = collecting();
    assert.equal(compileTemplate('${request.entity.string}', options).evaluate(exchange), '');
    assert.equal(compileTemplate('${request.entity.json}', options).evaluate(exchange), null);
  });
});

describe('assignment safety', () => {
  function assign(source: string, value: unknown, exchange = testExchange()): boolean {
    const { options } = collecting();
    return compileLValue(source, options).assign(exchange, value);
  }

  test('assigning through __proto__, constructor or prototype is refused and pollutes nothing', () => {
    const attempts = [
      "${attributes['__proto__'].polluted}",
      '${attributes.__proto__}',
      "${attributes['__proto__']}",
      '${attributes.constructor.prototype.polluted}',
      '${attributes.constructor}',
      "${attributes[request.headers['X-Key'][0]]}",
      "${attributes[request.headers['X-Key'][0]].polluted}",
      '${contexts.client.__proto__.polluted}',
      '${attributes.json.__proto__.polluted}',
      '${attributes.map.__proto__}',
      '${attributes.list.constructor}',
      "${request['__proto__'].polluted}",
      '${__proto__}',
      '${constructor}',
    ];
    for (const source of attempts) {
      const exchange = testExchange();
      assert.equal(assign(source, { polluted: true }, exchange), false, source);
      assert.equal(Object.hasOwn(exchange.attributes, '__proto__'), false, source);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
    assert.equal(([] as unknown as Record<string, unknown>).polluted, undefined);
  });

  test('ordinary targets are written', () => {
    const exchange = testExchange();
    assert.equal(assign('${attributes.user}', 'alice', exchange), true);
    assert.equal(exchange.attributes.user, 'alice');
    assert.equal(assign("${attributes.map['new']}", 1, exchange), true);
    assert.equal((exchange.attributes.map as Record<string, unknown>).new, 1);
    assert.equal(assign('${attributes.list[0]}', 'z', exchange), true);
    assert.deepEqual(exchange.attributes.list, ['z', 'b']);
    assert.equal(assign('${request.method}', 'PUT', exchange), true);
    assert.equal(exchange.request.method, 'PUT');
    assert.equal(assign('${request.uri}', 'https://other.example/p', exchange), true);
    assert.equal(exchange.request.uri.host, 'other.example');
    exchange.contexts.custom = {};
    assert.equal(assign('${contexts.custom.y}', 2, exchange), true);
    assert.deepEqual(exchange.contexts.custom, { y: 2 });
  });

  test('missing, read-only and frozen targets are refused', () => {
    const exchange = testExchange();
    assert.equal(assign('${attributes.missing.x}', 1, exchange), false);
    assert.equal(assign('${attributes.list[5]}', 1, exchange), false);
    assert.equal(assign('${request.headers}', 1, exchange), false);
    assert.equal(assign('${request.method}', 42, exchange), false);
    assert.equal(assign('${response.status}', 1, exchange), false);
    assert.equal(assign('${contexts.transactionId.transactionId.value}', 'forged', exchange), false);
    assert.equal(exchange.transactionId, 'tx-1');
    assert.equal(assign('${attributes}', {}, exchange), false);
    assert.equal(assign('${attributes.foo.length}', 1, exchange), false);
  });

  test('an assignment target must be a single property expression', () => {
    const { options } = collecting();
    for (const source of ['${1 + 2}', 'plain', '${attributes.x} ', "${find('a', 'a')}", '${a}${b}']) {
      assert.throws(
        () => compileLValue(source, options),
        (error: unknown) => error instanceof TollgateError && error.code === 'TG_CONFIG_BAD_EXPRESSION',
        source,
      );
    }
  });
});
