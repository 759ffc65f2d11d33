/** The attributes of a cookie the gateway sets, as PingGateway's session `cookie` object gives them. */
export interface CookieSettings {
  readonly name: string;
  readonly path: string;
  readonly domain: string | undefined;
  readonly httpOnly: boolean;
  readonly secure: boolean;
  /** `Strict`, `Lax` or `None`; undefined leaves the attribute out (the browser's default applies). */
  readonly sameSite: 'Strict' | 'Lax' | 'None' | undefined;
}

/** Browsers keep a cookie of at least this many bytes, name, value and attributes together (RFC 6265 §6.1). */
export const MAX_COOKIE_BYTES = 4096;

/**
 * A Set-Cookie header value. `expires` (milliseconds since the epoch) makes a persistent cookie,
 * with Max-Age beside it for clients that ignore Expires; without it the cookie lasts as long as
 * the browser session. An `expires` in the past removes the cookie.
 */
export function setCookie(settings: CookieSettings, value: string, expires?: number): string {
  let header = `${settings.name}=${value}; Path=${settings.path}`;
  if (settings.domain !== undefined) header += `; Domain=${settings.domain}`;
  if (expires !== undefined) {
    const maxAge = Math.max(0, Math.floor((expires - Date.now()) / 1000));
    header += `; Expires=${new Date(maxAge === 0 ? 0 : expires).toUTCString()}; Max-Age=${maxAge}`;
  }
  if (settings.secure) header += '; Secure';
  if (settings.httpOnly) header += '; HttpOnly';
  if (settings.sameSite !== undefined) header += `; SameSite=${settings.sameSite}`;
  return header;
}

/** A Set-Cookie header value that removes the cookie. */
export function expireCookie(settings: CookieSettings): string {
  return setCookie(settings, '', 0);
}
