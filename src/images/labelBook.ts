// One label per image: a table that lists the same file twice with different labels would make
// the metrics depend on which row won. A conflict is a located error naming both lines; the same
// file listed twice with the same label is kept once and the repeat is reported as skipped.

export class LabelConflictError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'LabelConflictError';
  }
}

export class LabelBook {
  private readonly rows = new Map<string, { label: string; line: number }>();

  /** The table's name as the user wrote it, for messages. */
  constructor(private readonly table: string) {}

  /**
   * Record `file` with `label` (any text that compares equal for equal labels) from `line`.
   * Returns false for a repeat with the same label (skip it); throws on a different label.
   */
  add(file: string, shown: string, label: string, line: number): boolean {
    const earlier = this.rows.get(file);
    if (!earlier) {
      this.rows.set(file, { label, line });
      return true;
    }
    if (earlier.label === label) return false;
    throw new LabelConflictError(
      `${this.table}, line ${line}: ${shown} is labelled ${label} here but ${earlier.label} on line ${earlier.line}.`,
      'Give each image one row (or one label); remove or correct one of the two lines.',
    );
  }
}
