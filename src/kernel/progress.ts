// An honest progress line for long runs: done/total of a fixed total, the measured rate of the
// work really done (cache hits are instant and would inflate it), and the time left at that rate.

export class ProgressMeter {
  private readonly started: number;

  /**
   * `total` never changes during a run; `alreadyDone` (cache hits) counts toward done but not
   * toward the rate.
   */
  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly unit: string,
    private readonly alreadyDone = 0,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  fraction(done: number): number {
    return this.total > 0 ? Math.min(1, done / this.total) : 1;
  }

  /** "Embedding images 120/624 · 14.2 images/s · about 36 s left" */
  line(done: number): string {
    const head = `${this.label} ${done}/${this.total}`;
    const worked = done - this.alreadyDone;
    const seconds = (this.now() - this.started) / 1000;
    if (worked <= 0 || seconds <= 0) return head;
    const rate = worked / seconds;
    const left = (this.total - done) / rate;
    return `${head} · ${rate >= 10 ? rate.toFixed(0) : rate.toFixed(1)} ${this.unit}/s · ${done >= this.total ? 'done' : `about ${duration(left)} left`}`;
  }
}

function duration(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const m = Math.floor(seconds / 60);
  return `${m} min ${Math.round(seconds - m * 60)} s`;
}
