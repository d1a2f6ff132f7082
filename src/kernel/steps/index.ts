// The step registry: one file per step, each registering its schema for validation and editor
// completions. Add a step by adding its file here.
import { registerSchema } from '../schema';
import type { StepKind } from '../types';
import type { StepDefinition } from './step';
import { imagesStep } from './images';
import { modelStep } from './model';
import { descriptorsStep } from './descriptors';
import { scoreStep } from './score';
import { generateStep } from './generate';
import { explainStep } from './explain';

const steps = new Map<StepKind, StepDefinition>();

for (const def of [imagesStep, modelStep, descriptorsStep, generateStep, scoreStep, explainStep]) {
  steps.set(def.schema.step, def);
  registerSchema(def.schema);
}

export function stepDefinition(step: StepKind): StepDefinition | undefined {
  return steps.get(step);
}
