// The kernel's own shapes: a parsed cell and what a step hands back. Result types live in
// protocol/, errors in common/.
import type { SourcePosition } from '../common/errors';

/** Every step a cell can start with; steps/index.ts maps each to its definition. */
export type StepKind =
  'images' | 'model' | 'descriptors' | 'generate' | 'score' | 'explain' | 'search' | 'fewshot' | 'ask' | 'export';

/** A cell after YAML parsing and schema validation. */
export interface ParsedCell<Options = Record<string, unknown>> {
  step: StepKind;
  /** The value of the first key: the name this cell defines. */
  name: string;
  /**
   * Every key except the first, checked against the step's schema: texts as strings, an option
   * left empty or unset as absent, and the schema's defaults filled in.
   */
  options: Options;
  /** Where each top-level key (and the step key) sits, for located errors. */
  positions: Record<string, SourcePosition>;
  /** Positions of nested values by dotted path, e.g. `classes.pneumonia.1`. */
  nestedPositions: Record<string, SourcePosition>;
}
