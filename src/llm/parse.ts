// Lenient reading of an LLM reply into descriptors (docs/methods.md): one descriptor per line,
// bullets stripped, empty lines and echoes of the question dropped; the first line may lack its
// bullet because the prompt ends with an open "-".

/** Bullets and numbering a model may put before a finding: -, •, *, +, –, ·, 1., 1), (1), a). */
const BULLET = /^(?:[-•*+–—·▪●◦]+|\(?\d{1,3}[.)]|\(?[a-z][)])\s*/i;
/** "Q:"/"A:" from the few-shot shape, and "Answer:". */
const QA_PREFIX = /^(?:q|a|answer|question)\s*:\s*/i;
/** The longest descriptor worth keeping: beyond this a line is prose, not a finding. */
const MAX_WORDS = 40;

export interface ParsedReply {
  descriptors: string[];
  /** Non-empty lines that were not kept, for the error message when nothing is usable. */
  dropped: string[];
}

/** The reply without the <think> block that reasoning models (DeepSeek-R1, Qwen3 through Ollama) prepend. */
export function stripThinking(reply: string): string {
  return reply.replace(/<think>[\s\S]*?(<\/think>|$)/gi, '');
}

export function parseDescriptors(reply: string, echoes: readonly string[] = []): ParsedReply {
  const echoKeys = new Set(echoes.map(normalise).filter(Boolean));
  const descriptors: string[] = [];
  const seen = new Set<string>();
  const dropped: string[] = [];
  const text = stripThinking(reply);
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!line) continue;
    const d = clean(line);
    const usable =
      d !== undefined &&
      !echoKeys.has(normalise(d)) &&
      !echoKeys.has(normalise(line)) &&
      !/:$/.test(d) && // "Here are the findings:" and similar lead-ins
      /\p{L}{2}/u.test(d) &&
      d.split(/\s+/).length <= MAX_WORDS;
    if (!usable) {
      dropped.push(line);
      continue;
    }
    const key = d.toLowerCase();
    if (!seen.has(key)) {
      seen.add(key);
      descriptors.push(d);
    }
  }
  return { descriptors, dropped };
}

/** Merge several parsed replies (samples, CuPL questions), keeping first-seen order. */
export function mergeDescriptors(lists: readonly string[][]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const d of lists.flat()) {
    const key = d.toLowerCase();
    if (!seen.has(key)) {
      seen.add(key);
      out.push(d);
    }
  }
  return out;
}

function clean(line: string): string | undefined {
  if (/^(```|~~~)/.test(line)) return undefined;
  let d = line.replace(QA_PREFIX, '');
  d = d.replace(BULLET, '');
  d = d
    .replace(/\*\*|__/g, '')
    .replace(/^["'“‘`]+|["'”’`]+$/g, '')
    .trim();
  d = d.replace(/[.;,]+$/, '').trim();
  if (!d) return undefined;
  // Descriptors read as fragments after "{class}, which has"; keep acronyms (CTR, AP) intact.
  if (/^\p{Lu}\p{Ll}/u.test(d)) d = d[0].toLowerCase() + d.slice(1);
  return d;
}

function normalise(s: string): string {
  return s
    .toLowerCase()
    .replace(QA_PREFIX, '')
    .replace(BULLET, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}
