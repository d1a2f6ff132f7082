// The result of an ask cell: its `result` in results.json and the data of its output MIME.
// Keep field names stable: results.json is a public format.

/** The evidence the prompt carried about one image (see llm/ask.ts). */
export interface AskEvidenceResult {
  image: string;
  label?: string;
  predicted: string;
  runnerUp: string | null;
  margin: number | null;
  classes: { class: string; score: number; descriptors: { text: string; similarity: number }[] }[];
  occlusion?: {
    target: string;
    targetKind: 'class' | 'descriptor';
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
  evidence: AskEvidenceResult;
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
