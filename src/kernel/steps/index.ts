// Every step, by the name a cell starts with. Add a step by adding its kind to StepKind
// (types.ts) and its definition here: the table must list every kind, and nothing registers
// itself on import.
import type { StepKind } from '../types';
import type { StepSchema } from '../schema';
import type { StepDefinition } from './step';
import { imagesStep } from './images';
import { modelStep } from './model';
import { descriptorsStep } from './descriptors';
import { generateStep } from './generate';
import { scoreStep } from './score';
import { explainStep } from './explain';
import { searchStep } from './search';
import { fewshotStep } from './fewshot';
import { askStep } from './ask';
import { exportStep } from './export';

export const STEPS = {
  images: imagesStep,
  model: modelStep,
  descriptors: descriptorsStep,
  generate: generateStep,
  score: scoreStep,
  explain: explainStep,
  search: searchStep,
  fewshot: fewshotStep,
  ask: askStep,
  export: exportStep,
} satisfies { [K in StepKind]: StepDefinition<StepSchema & { step: K }> };

/** The schema of a step name as written in a cell, or undefined when no step has that name. */
export function schemaFor(step: string): StepSchema | undefined {
  return Object.hasOwn(STEPS, step) ? STEPS[step as StepKind].schema : undefined;
}

export function allSchemas(): StepSchema[] {
  return Object.values(STEPS).map((s) => s.schema);
}
