// Wall-clock time per phase of a step, for the benchmark's breakdown of the edit loop
// (bench/scale.ts). Phases are summed, so a phase entered once per variant reports its total;
// whatever the step does outside its named phases is reported as `rest`. Timings are never part
// of a result: the same inputs give the same results.json however long they took.

/** Receives each phase's total in milliseconds when the step is done. */
export type PhaseSink = (phase: string, ms: number) => void;

export class PhaseTimer {
  private readonly totals = new Map<string, number>();
  private readonly started = performance.now();

  constructor(private readonly sink: PhaseSink | undefined) {}

  time<T>(phase: string, work: () => T): T {
    if (!this.sink) return work();
    const t = performance.now();
    try {
      return work();
    } finally {
      this.add(phase, performance.now() - t);
    }
  }

  async timeAsync<T>(phase: string, work: () => Promise<T>): Promise<T> {
    if (!this.sink) return work();
    const t = performance.now();
    try {
      return await work();
    } finally {
      this.add(phase, performance.now() - t);
    }
  }

  /** Sends every phase, then `rest`: the step's time outside them. */
  report(): void {
    if (!this.sink) return;
    let named = 0;
    for (const [phase, ms] of this.totals) {
      this.sink(phase, ms);
      named += ms;
    }
    this.sink('rest', performance.now() - this.started - named);
  }

  private add(phase: string, ms: number): void {
    this.totals.set(phase, (this.totals.get(phase) ?? 0) + ms);
  }
}
