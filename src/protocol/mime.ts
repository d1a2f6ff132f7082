// The MIME types of the outputs: one renderer per kind, plus the error output.

export const MIME = {
  images: 'application/vnd.symptom-lens.images+json',
  model: 'application/vnd.symptom-lens.model+json',
  descriptors: 'application/vnd.symptom-lens.descriptors+json',
  generate: 'application/vnd.symptom-lens.generate+json',
  score: 'application/vnd.symptom-lens.score+json',
  explain: 'application/vnd.symptom-lens.explain+json',
  search: 'application/vnd.symptom-lens.search+json',
  fewshot: 'application/vnd.symptom-lens.fewshot+json',
  ask: 'application/vnd.symptom-lens.ask+json',
  export: 'application/vnd.symptom-lens.export+json',
  error: 'application/vnd.symptom-lens.error+json',
} as const;

/** One output item: a custom MIME for the renderer plus a markdown fallback. */
export interface StepOutput {
  mime: string;
  data: unknown;
  markdown: string;
}
