import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from 'pino';

/** How long a burst of changes (an editor's save, a rename) may last before it is reported once. */
const DEBOUNCE_MS = 25;
/** The longest delay a node timer holds; node takes a longer one as 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Tells when a directory may have changed: on a file-system event (debounced) and every
 * `intervalMs`, since events are not delivered on every file system. It only reports; what
 * changed is for the caller to find out.
 */
export class DirectoryWatcher {
  readonly #directory: string;
  readonly #intervalMs: number;
  readonly #logger: Logger;
  readonly #onChange: () => void;
  #timer: NodeJS.Timeout | undefined;
  #debounce: NodeJS.Timeout | undefined;
  #watcher: FSWatcher | undefined;
  #stopped = false;

  constructor(init: { directory: string; intervalMs: number; logger: Logger; onChange: () => void }) {
    this.#directory = init.directory;
    this.#intervalMs = init.intervalMs;
    this.#logger = init.logger;
    this.#onChange = init.onChange;
  }

  /** Whether it watches at all: an interval of 0 (`disabled`) means one look at start only. */
  get enabled(): boolean {
    return this.#intervalMs > 0 && Number.isFinite(this.#intervalMs);
  }

  start(): void {
    if (!this.enabled || this.#stopped) return;
    // An interval past what a timer holds (about 24.8 days) would otherwise scan every millisecond.
    this.#timer = setInterval(this.#onChange, Math.min(this.#intervalMs, MAX_TIMER_MS));
    this.#timer.unref();
    try {
      this.#watcher = watch(this.#directory, () => this.soon());
      this.#watcher.on('error', (error) =>
        this.#logger.warn({ err: error }, 'route directory watch failed; periodic scans continue'),
      );
    } catch (error) {
      // A directory not there yet is the route directory's to report; the periodic scans find it.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      this.#logger.warn(
        { err: error, directory: this.#directory },
        'cannot watch the route directory; periodic scans continue',
      );
    }
  }

  /** Reports a change shortly, once for a burst of calls. */
  soon(): void {
    if (this.#stopped) return;
    clearTimeout(this.#debounce);
    this.#debounce = setTimeout(this.#onChange, DEBOUNCE_MS);
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
    clearTimeout(this.#debounce);
    this.#watcher?.close();
  }
}
