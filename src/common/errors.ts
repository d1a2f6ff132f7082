// The errors every layer shares. A user-facing error carries what to show (message), where the
// problem is (field, and for cells a YAML position) and what to do about it (hint); the kernel,
// the CLI and the extension render it without a stack trace.

/** 1-based position in a cell's YAML source. */
export interface SourcePosition {
  line: number;
  column: number;
}

/** An error the user can act on: `field` names the option or file at fault, `hint` what to do. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly field?: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/**
 * A UserError located in a cell's YAML. The kernel renders it as "line N, field `x`: message.
 * hint".
 */
export class CellError extends UserError {
  constructor(
    message: string,
    readonly position?: SourcePosition,
    field?: string,
    hint?: string,
  ) {
    super(message, field, hint);
    this.name = 'CellError';
  }
}

/** Thrown when the user interrupts; never reported as a failure of the cell's content. */
export class CancelledError extends Error {
  constructor(message = 'Cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}

/** Throws CancelledError when the signal has fired: the check every loop makes between batches. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}
