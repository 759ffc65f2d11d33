import type { Logger } from 'pino';
import { elGet, type ElReadable } from '../el/host.js';
import type { Request, Response } from '../http/message.js';

export interface ClientContext {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  readonly isSecure: boolean;
  readonly userAgent: string | null;
}

/** Read-only views of the process environment, shared by every exchange of a gateway. */
export interface Environment {
  readonly env: Readonly<Record<string, string>>;
  readonly system: Readonly<Record<string, string>>;
}

/**
 * One request's journey through the gateway: the request, the response once there is one, the
 * contexts filters add (`contexts.oauth2TokenExchange`, …) and the attributes map. It is also the
 * root scope expressions are evaluated against.
 */
export class Exchange implements ElReadable {
  request: Request;
  response: Response | undefined;
  readonly contexts: Record<string, unknown>;
  readonly attributes: Record<string, unknown>;
  readonly log: Logger;
  readonly environment: Environment;
  /** Largest body an expression may make the gateway buffer. */
  readonly maxEntityBytes: number;
  /** Aborted when the client goes away, so upstream calls can stop. */
  readonly signal: AbortSignal;

  constructor(init: {
    request: Request;
    client: ClientContext;
    log: Logger;
    environment: Environment;
    maxEntityBytes: number;
    signal: AbortSignal;
    transactionId: string;
  }) {
    this.request = init.request;
    this.response = undefined;
    this.attributes = Object.create(null);
    this.contexts = Object.create(null);
    this.contexts.attributes = Object.freeze({ attributes: this.attributes });
    this.contexts.client = init.client;
    this.contexts.transactionId = Object.freeze({
      transactionId: Object.freeze({ value: init.transactionId }),
    });
    this.log = init.log;
    this.environment = init.environment;
    this.maxEntityBytes = init.maxEntityBytes;
    this.signal = init.signal;
  }

  get transactionId(): string {
    return (this.contexts.transactionId as { transactionId: { value: string } }).transactionId.value;
  }

  [elGet](name: string): unknown {
    switch (name) {
      case 'request':
        return this.request;
      case 'response':
        return this.response;
      case 'contexts':
        return this.contexts;
      case 'attributes':
        return this.attributes;
      case 'env':
        return this.environment.env;
      case 'system':
        return this.environment.system;
      default:
        return undefined;
    }
  }
}
