// The kernel's own shapes: a parsed cell and what a step hands back. Result types live in
// protocol/, errors in common/.
import type { SourcePosition } from '../common/errors';

export type StepKind = 'images' | 'model' | 'descriptors' | 'generate' | 'score' | 'explain';

/** A cell after YAML parsing and schema validation. */
export interface ParsedCell {
  step: StepKind;
  /** The value of the first key: the name this cell defines. */
  name: string;
  /** Every key except the first, as YAML gave it (validated against the step's schema). */
  options: Record<string, unknown>;
  /** Where each top-level key (and the step key) sits, for located errors. */
  positions: Record<string, SourcePosition>;
  /** Positions of nested values by dotted path, e.g. `classes.pneumonia.1`. */
  nestedPositions: Record<string, SourcePosition>;
}
