import { elGet, elSet, type ElReadable, type ElWritable } from '../el/host.js';
import { Entity, parseForm, type Form } from './entity.js';
import { Headers, isValidMethod } from './headers.js';
import { RequestUri } from './uri.js';

export class Request implements ElReadable, ElWritable {
  method: string;
  uri: RequestUri;
  version: string;
  readonly headers: Headers;
  readonly entity: Entity;

  constructor(init: {
    method: string;
    uri: RequestUri;
    version?: string;
    headers?: Headers;
    entity?: Entity;
  }) {
    this.method = init.method;
    this.uri = init.uri;
    this.version = init.version ?? 'HTTP/1.1';
    this.headers = init.headers ?? new Headers();
    this.entity = init.entity ?? new Entity();
  }

  /** Query parameters, decoded: name → values. A fresh copy, as PingGateway gives. */
  get queryParams(): Form {
    return parseForm(this.uri.rawQuery ?? '');
  }

  /**
   * Cookies of the Cookie header(s): name → list of { name, value }. Parsed on each read, as
   * queryParams is: a filter may have changed the headers since the last one.
   */
  get cookies(): Record<string, { name: string; value: string }[]> {
    const cookies: Record<string, { name: string; value: string }[]> = Object.create(null);
    for (const header of this.headers.get('cookie') ?? []) {
      for (const pair of header.split(';')) {
        const eq = pair.indexOf('=');
        if (eq < 0) continue;
        const name = pair.slice(0, eq).trim();
        // A nameless pair is no cookie, whether or not a space follows the ';' before it.
        if (name === '') continue;
        const value = pair.slice(eq + 1).trim();
        (cookies[name] ??= []).push(Object.freeze({ name, value }));
      }
    }
    return cookies;
  }

  [elGet](name: string): unknown {
    switch (name) {
      case 'method':
        return this.method;
      case 'uri':
        return this.uri;
      case 'version':
        return this.version;
      case 'headers':
        return this.headers;
      case 'entity':
        return this.entity;
      case 'queryParams':
        return this.queryParams;
      case 'cookies':
        return this.cookies;
      default:
        return undefined;
    }
  }

  [elSet](name: string, value: unknown): boolean {
    switch (name) {
      case 'method':
        if (typeof value !== 'string' || !isValidMethod(value)) return false;
        this.method = value;
        return true;
      case 'uri':
        if (value instanceof RequestUri) this.uri = value;
        else if (typeof value === 'string') this.uri = RequestUri.parse(value);
        else return false;
        return true;
      default:
        return false;
    }
  }
}

/** PingGateway's status families, derived from the code. */
function statusFamily(code: number): string {
  if (code < 100) return 'UNKNOWN';
  if (code < 200) return 'INFORMATIONAL';
  if (code < 300) return 'SUCCESSFUL';
  if (code < 400) return 'REDIRECTION';
  if (code < 500) return 'CLIENT_ERROR';
  if (code < 600) return 'SERVER_ERROR';
  return 'UNKNOWN';
}

export class Response implements ElReadable {
  status: number;
  reason: string | undefined;
  readonly headers: Headers;
  readonly entity: Entity;

  constructor(init: { status: number; reason?: string; headers?: Headers; entity?: Entity }) {
    this.status = init.status;
    this.reason = init.reason;
    this.headers = init.headers ?? new Headers();
    this.entity = init.entity ?? new Entity();
  }

  [elGet](name: string): unknown {
    switch (name) {
      case 'status': {
        const family = statusFamily(this.status);
        return Object.freeze({
          code: this.status,
          reasonPhrase: this.reason ?? null,
          family,
          isSuccessful: family === 'SUCCESSFUL',
          isClientError: family === 'CLIENT_ERROR',
          isServerError: family === 'SERVER_ERROR',
          isRedirection: family === 'REDIRECTION',
          isInformational: family === 'INFORMATIONAL',
        });
      }
      case 'headers':
        return this.headers;
      case 'entity':
        return this.entity;
      default:
        return undefined;
    }
  }
}

/** A response with a short text body, for errors the gateway produces itself. */
export function textResponse(status: number, text?: string): Response {
  const headers = new Headers();
  if (text !== undefined) headers.set('Content-Type', 'text/plain; charset=utf-8');
  return new Response({ status, headers, entity: new Entity(text ?? null) });
}

/**
 * A response with a JSON body, for what the gateway answers about itself (the admin API);
 * `indent` spaces per level for people reading it (Common REST's `_prettyPrint`).
 */
export function jsonResponse(status: number, value: unknown, indent = 0): Response {
  const headers = new Headers();
  headers.set('Content-Type', 'application/json; charset=utf-8');
  return new Response({ status, headers, entity: new Entity(JSON.stringify(value, null, indent)) });
}
