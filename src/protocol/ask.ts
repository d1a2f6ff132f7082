// The result of an ask cell: its `result` in results.json and the data of its output MIME.
// Keep field names stable: results.json is a public format.
import type { Classes } from './results';

/** The evidence an ask prompt carries about one image (llm/ask.ts writes it as text). */
export interface AskEvidence {
  /** The image id as the score lists it. */
  image: string;
  label?: Classes;
  predicted: Classes;
  runnerUp: string | null;
  /** Top class score − runner-up score. */
  margin: number | null;
  /** Classes by score, best first, each with its descriptors' cosines, highest first. */
  classes: { class: string; score: number; descriptors: { text: string; similarity: number }[] }[];
  /** An explain cell's occlusion summary for this image, when one ran. */
  occlusion?: {
    target: string;
    targetKind: 'class' | 'descriptor';
    /** Original-pixel box [x0, y0, x1, y1] where greying lowered the similarity most. */
    box: [number, number, number, number];
    imageSize: { width: number; height: number };
    baseline: number;
    drop: number;
  };
}

export interface AskAnswer {
  image: string;
  /** 0-based index of the image in the score. */
  index: number;
  evidence: AskEvidence;
  /** The exact messages sent, in order (an attached image is shown as a note with its digest). */
  messages: { role: string; content: string }[];
  /** The reply as the model wrote it (reasoning blocks removed). Untrusted text. */
  answer: string;
  finishReason: string | null;
  servedBy: string | null;
  fromCache: boolean;
  /** Descriptors of the evidence that the answer mentions. */
  mentioned: string[];
  /** Phrases the answer quotes that are neither a descriptor nor a class. */
  unknownCitations: string[];
}

export interface AskResult {
  name: string;
  question: string;
  score: string;
  variant: string;
  /** The ask cell this one continues, or null. */
  follow: string | null;
  answers: AskAnswer[];
  model: string;
  endpoint: string;
  parameters: { temperature: number; max_tokens?: number };
  systemPrompt: string;
  requests: { total: number; sent: number; fromCache: number };
  /** send_image: the image went to the model. */
  imageSent: boolean;
  /** E.g. that a patient image left this machine. */
  warnings: string[];
  run: { startedAt: string; durationMs: number };
}
