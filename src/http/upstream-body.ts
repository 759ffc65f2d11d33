import { Readable } from 'node:stream';

/** Bytes held while nobody reads the body yet; past this the upstream socket is paused. */
const HELD_BYTES = 64 * 1024;

/**
 * A response body arriving from undici's dispatcher. Until something reads it, arriving chunks
 * are held (up to HELD_BYTES, then the socket pauses). A body that has completely arrived by
 * the time it is read — most API answers, which come in the same packet as their headers — is
 * handed over as one Buffer, with no stream made for it; a body still arriving becomes a
 * Readable that replays the held chunks and then streams with back-pressure.
 */
export class UpstreamBody {
  #chunks: Buffer[] = [];
  #size = 0;
  #ended = false;
  #error: Error | undefined;
  #stream: Readable | undefined;
  #paused = false;
  readonly #resume: () => void;
  readonly #abort: (reason: Error) => void;

  /** `resume` restarts a paused socket; `abort` drops the response and its connection. */
  constructor(resume: () => void, abort: (reason: Error) => void) {
    this.#resume = resume;
    this.#abort = abort;
  }

  /** A chunk from the dispatcher; false asks it to pause until `resume`. */
  push(chunk: Buffer): boolean {
    if (this.#stream) {
      this.#paused = !this.#stream.push(chunk);
    } else {
      this.#chunks.push(chunk);
      this.#size += chunk.length;
      this.#paused = this.#size >= HELD_BYTES;
    }
    return !this.#paused;
  }

  end(): void {
    this.#ended = true;
    this.#stream?.push(null);
  }

  fail(error: Error): void {
    this.#error = error;
    this.#stream?.destroy(error);
  }

  /** Whether the whole body has arrived and `take` gives it. */
  get complete(): boolean {
    return this.#ended && this.#stream === undefined;
  }

  /** The whole body, once `complete`. */
  take(): Buffer {
    const chunks = this.#chunks;
    this.#chunks = [];
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.#size);
  }

  /** The body as a stream (made once): the held chunks first, then the rest as it arrives. */
  stream(): Readable {
    if (this.#stream) return this.#stream;
    const stream = new Readable({
      read: () => {
        if (this.#paused) {
          this.#paused = false;
          this.#resume();
        }
      },
      destroy: (error, done) => {
        if (!this.#ended && this.#error === undefined) {
          this.#abort(error ?? new Error('the response body was dropped'));
        }
        done(error);
      },
    });
    this.#stream = stream;
    for (const chunk of this.#chunks) stream.push(chunk);
    this.#chunks = [];
    if (this.#error) stream.destroy(this.#error);
    else if (this.#ended) stream.push(null);
    return stream;
  }
}
