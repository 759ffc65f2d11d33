import { Readable } from 'node:stream';
import { elGet, type ElReadable } from '../el/host.js';
import { TollgateError } from '../errors/tollgate-error.js';
import { UpstreamBody } from './upstream-body.js';

/** A parsed urlencoded form: name → every value, in order. */
export type Form = Record<string, string[]>;

export function parseForm(text: string): Form {
  const form: Form = Object.create(null);
  for (const [name, value] of new URLSearchParams(text)) {
    const values = form[name];
    if (values) values.push(value);
    else form[name] = [value];
  }
  return form;
}

/**
 * A message body. It stays a stream, and is forwarded as one, until something asks for its
 * content: `load()` then buffers it once (up to a limit) and `.string`, `.json` and `.form` are
 * parsed from that buffer on first read.
 */
export class Entity implements ElReadable {
  #stream: Readable | UpstreamBody | null = null;
  #buffer: Buffer | null = null;
  #string: string | undefined;
  #json: unknown;
  #jsonParsed = false;
  #form: Form | undefined;
  #refused = false;

  constructor(body?: Readable | UpstreamBody | Buffer | string | null) {
    this.#assign(body);
  }

  get isBuffered(): boolean {
    return this.#buffer !== null;
  }

  /** Reads a streamed body into memory, failing with a coded error past `limit` bytes. */
  async load(
    limit: number,
    tooLarge: 'TG_REQUEST_ENTITY_TOO_LARGE' | 'TG_UPSTREAM_RESPONSE_TOO_LARGE',
  ): Promise<void> {
    const stream = this.#settle();
    if (stream === null) return;
    const chunks: Buffer[] = [];
    let size = 0;
    await new Promise<void>((done, fail) => {
      const stop = (): void => {
        stream.off('data', onData);
        stream.off('end', onEnd);
        stream.off('error', onError);
      };
      const onData = (chunk: Buffer | string): void => {
        const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
        size += buf.length;
        if (size <= limit) {
          chunks.push(buf);
          return;
        }
        stop();
        // An upstream body is dropped with its connection. A client's is only left unread: the
        // 413 must still reach the client, and the server closes the connection after it.
        if (tooLarge === 'TG_UPSTREAM_RESPONSE_TOO_LARGE') stream.destroy();
        else stream.pause();
        this.#refused = true;
        fail(new TollgateError(tooLarge, `body exceeds ${limit} bytes`));
      };
      const onEnd = (): void => {
        stop();
        done();
      };
      const onError = (error: Error): void => {
        stop();
        fail(error);
      };
      stream.on('data', onData);
      stream.once('end', onEnd);
      stream.once('error', onError);
    });
    this.#buffer = Buffer.concat(chunks, size);
    this.#stream = null;
  }

  /** true once `load` refused the body as too large: the rest of it was never read. */
  get refused(): boolean {
    return this.#refused;
  }

  /** The buffered bytes; null while the body is still an unread stream. */
  get bytes(): Buffer | null {
    return this.#buffer;
  }

  /** Known length of a buffered body, undefined for a stream. */
  get length(): number | undefined {
    return this.#buffer?.length;
  }

  get string(): string | null {
    if (this.#buffer === null) return null;
    this.#string ??= this.#buffer.toString('utf8');
    return this.#string;
  }

  get json(): unknown {
    if (!this.#jsonParsed) {
      const text = this.string;
      // A stream not loaded yet has no JSON to give, and must not be remembered as having none.
      if (text === null) return null;
      if (text.trim() === '') this.#json = null;
      else {
        try {
          this.#json = JSON.parse(text);
        } catch (error) {
          throw new TollgateError('TG_REQUEST_BAD_ENTITY', 'the body is not valid JSON', { cause: error });
        }
      }
      this.#jsonParsed = true;
    }
    return this.#json;
  }

  get form(): Form | null {
    const text = this.string;
    if (text === null) return null;
    this.#form ??= parseForm(text);
    return this.#form;
  }

  /** Replaces the body; parsed views are dropped. */
  set(body: Buffer | string | Readable | null): void {
    this.#string = undefined;
    this.#jsonParsed = false;
    this.#json = undefined;
    this.#form = undefined;
    this.#assign(body);
  }

  #assign(body: Readable | UpstreamBody | Buffer | string | null | undefined): void {
    if (body instanceof Readable || body instanceof UpstreamBody) {
      this.#stream = body;
      this.#buffer = null;
    } else {
      this.#stream = null;
      this.#buffer =
        body == null ? Buffer.alloc(0) : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
    }
  }

  /** What to send on: the buffer when there is one, else the untouched stream. */
  get body(): Readable | Buffer {
    return this.#settle() ?? this.#buffer!;
  }

  /** Drops an unread stream so its socket can be reused or closed. */
  discard(): void {
    const stream = this.#settle();
    if (stream && !stream.destroyed) stream.resume();
  }

  /**
   * The stream still to read, or null when the body is buffered. An upstream body that has
   * completely arrived becomes the buffer here, so it is never streamed at all.
   */
  #settle(): Readable | null {
    const source = this.#stream;
    if (!(source instanceof UpstreamBody)) return source;
    if (source.complete) {
      this.#buffer = source.take();
      this.#stream = null;
      return null;
    }
    const stream = source.stream();
    this.#stream = stream;
    return stream;
  }

  [elGet](name: string): unknown {
    switch (name) {
      case 'string':
        return this.string;
      case 'json':
        return this.json;
      case 'form':
        return this.form;
      case 'bytes':
        return this.bytes;
      default:
        return undefined;
    }
  }
}
