// XrayGPT-style questions about one image, grounded in what the classifier saw (the ask step):
// the evidence of a score (true and predicted class, class scores, margin, every descriptor's
// similarity) and, when the notebook has one, the explain map's summary go into the prompt as
// text, so the answer can only lean on evidence the researcher can check in the notebook.
import { classesText, sameClasses } from '../protocol/classes';
import type { AskEvidence } from '../protocol/ask';
import type { ChatMessage } from './client';

export type { AskEvidence };

export const ASK_SYSTEM_PROMPT = [
  'You help a researcher understand why a zero-shot image classifier (a CLIP-style model that compares an image with short text descriptors of visual findings) scored one medical image as it did.',
  'Answer from the evidence in the messages: the class scores, the descriptor similarities and, when given, the occlusion summary. Say when the evidence does not settle a question.',
  'When you refer to a descriptor, quote it exactly as listed, in double quotes. Do not invent descriptors.',
  'This is a research tool: do not give a diagnosis or medical advice.',
].join(' ');

/** Three decimals: plenty for a reader, and the prompt (a cache key) stays the same across CPUs. */
const f3 = (x: number) => x.toFixed(3);

/** The evidence as the text of a user message. */
export function evidenceText(e: AskEvidence): string {
  const lines = [
    `Image: ${e.image}`,
    e.label !== undefined ? `True class (from the labels): ${classesText(e.label)}` : 'True class: not given',
    `Predicted class: ${classesText(e.predicted)}${e.label !== undefined ? (sameClasses(e.label, e.predicted) ? ' (correct)' : ' (wrong)') : ''}`,
    e.runnerUp !== null && e.margin !== null ? `Margin over the runner-up (${e.runnerUp}): ${f3(e.margin)}` : '',
    '',
    'Class scores (mean cosine similarity of the image with the class descriptors), best first:',
    ...e.classes.map((c) => `- ${c.class}: ${f3(c.score)}`),
    '',
    'Descriptor similarities per class (cosine, highest first):',
    ...e.classes.flatMap((c) => [`${c.class}:`, ...c.descriptors.map((d) => `- "${d.text}": ${f3(d.similarity)}`)]),
  ];
  if (e.occlusion) {
    const o = e.occlusion;
    lines.push(
      '',
      `Occlusion map (a grey patch slid over the image; the drop in similarity to the ${o.targetKind} "${o.target}", baseline ${f3(o.baseline)}):`,
      `the largest drop (${f3(o.drop)}) is at x ${Math.round(o.box[0])}–${Math.round(o.box[2])}, y ${Math.round(o.box[1])}–${Math.round(o.box[3])} of the ${o.imageSize.width}×${o.imageSize.height}-pixel image.`,
    );
  }
  return lines.filter((l, i, all) => l !== '' || (i > 0 && all[i - 1] !== '')).join('\n');
}

export interface AskTurn {
  /** Earlier messages of the conversation (system prompt first), when this question follows one. */
  history?: ChatMessage[];
  /** The evidence for this turn; left out of a follow-up about the same image. */
  evidence?: AskEvidence;
  question: string;
  /** An OpenAI-compatible image part (data URL) for vision models. */
  imageDataUrl?: string;
}

/** The messages of one turn: the system prompt (or the history), then the evidence and the question. */
export function askMessages(turn: AskTurn): ChatMessage[] {
  const text = [turn.evidence ? `${evidenceText(turn.evidence)}\n` : '', `Question: ${turn.question}`]
    .filter(Boolean)
    .join('\n');
  const user: ChatMessage = turn.imageDataUrl
    ? {
        role: 'user',
        content: [
          { type: 'text', text },
          { type: 'image_url', image_url: { url: turn.imageDataUrl } },
        ],
      }
    : { role: 'user', content: text };
  return [...(turn.history ?? [{ role: 'system', content: ASK_SYSTEM_PROMPT }]), user];
}

/**
 * Which known descriptors the answer mentions (case and spacing ignored), and the phrases it
 * quotes that are neither a descriptor nor a class: a model citing evidence that does not exist.
 */
export function descriptorMentions(
  answer: string,
  descriptors: readonly string[],
  classes: readonly string[],
): { mentioned: string[]; unknown: string[] } {
  const norm = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();
  const text = norm(answer);
  const known = new Map(descriptors.map((d) => [norm(d), d] as const));
  const mentioned = [...new Set(descriptors.filter((d) => norm(d) !== '' && text.includes(norm(d))))];
  const quoted = [...answer.matchAll(/["“”]([^"“”\n]{2,120})["“”]/g)].map((m) => m[1]);
  const classNames = new Set(classes.map(norm));
  const unknown = [...new Set(quoted.filter((q) => !known.has(norm(q)) && !classNames.has(norm(q))))];
  return { mentioned, unknown };
}

/** An ask cell's conversations, one per image it asked about: what `follow:` continues. */
export interface AskThread {
  name: string;
  conversations: { score: string; variant: string; image: string; index: number; messages: ChatMessage[] }[];
}
