// Writes that must not queue up (a progress line): at most one in flight, and when it is done
// only the newest value waiting is written; values overtaken in between are dropped.

export class LatestWins<T> {
  private inFlight?: Promise<void>;
  private waiting?: { value: T };
  private lastStart = 0;
  private timer?: ReturnType<typeof setTimeout>;
  private closed = false;

  constructor(
    private readonly write: (value: T) => PromiseLike<unknown>,
    /** Least time between the starts of two writes. */
    private readonly minIntervalMs = 0,
  ) {}

  push(value: T): void {
    if (this.closed) return;
    this.waiting = { value };
    this.pump();
  }

  private pump(): void {
    if (this.inFlight || this.timer || !this.waiting || this.closed) return;
    const wait = this.lastStart + this.minIntervalMs - Date.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, wait);
      return;
    }
    const { value } = this.waiting;
    this.waiting = undefined;
    this.lastStart = Date.now();
    this.inFlight = Promise.resolve()
      .then(() => this.write(value))
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => {
        this.inFlight = undefined;
        this.pump();
      });
  }

  /** Stop writing: drops what waits and resolves when the write in flight (at most one) is done. */
  async close(): Promise<void> {
    this.closed = true;
    this.waiting = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }
}
