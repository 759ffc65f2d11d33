import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expireCookie, setCookie, type CookieSettings } from '../../../src/http/set-cookie.js';

const plain: CookieSettings = {
  name: 'SID',
  path: '/',
  domain: undefined,
  httpOnly: false,
  secure: false,
  sameSite: undefined,
};

test('a browser-session cookie carries only the attributes set', () => {
  assert.equal(setCookie(plain, 'v'), 'SID=v; Path=/');
  assert.equal(
    setCookie(
      { ...plain, path: '/app', domain: 'example.com', httpOnly: true, secure: true, sameSite: 'None' },
      'v',
    ),
    'SID=v; Path=/app; Domain=example.com; Secure; HttpOnly; SameSite=None',
  );
});

test('an expiry gives Expires and Max-Age; one in the past, or expireCookie, removes the cookie', () => {
  const inAnHour = Date.now() + 3_600_000;
  const header = setCookie(plain, 'v', inAnHour);
  assert.match(header, /^SID=v; Path=\/; Expires=(.+ GMT); Max-Age=(3599|3600)$/);
  assert.equal(header.match(/Expires=([^;]+)/)?.[1], new Date(inAnHour).toUTCString());
  assert.equal(expireCookie(plain), 'SID=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0');
  assert.equal(
    setCookie(plain, 'v', 1000),
    'SID=v; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0',
  );
});
