// `ask: NAME` — a free-text question about one image of a score (XrayGPT), answered by an LLM
// from the evidence the notebook has: the true and predicted class, the class scores and margin,
// every descriptor's similarity, and the explain map's summary when an explain cell covered the
// image. `follow:` continues another ask cell's conversation, so a conversation is a chain of
// cells. Endpoint, key, cache, retries and errors are exactly generate's.
import { createHash } from 'node:crypto';
import { thumbnailDataUri } from '../../images/decode';
import { ASK_SYSTEM_PROMPT, askMessages, descriptorMentions, type AskEvidence, type AskThread } from '../../llm/ask';
import type { ChatMessage } from '../../llm/client';
import { stripThinking } from '../../llm/parse';
import { classesText } from '../../protocol/classes';
import { MIME } from '../../protocol/mime';
import type { AskAnswer, AskResult } from '../../protocol/ask';
import type { ImageEntry } from '../../protocol/dataset';
import type { ScoreResult, VariantResult } from '../../protocol/results';
import { fieldError, lookup, md, num, sessionKey } from './common';
import { completionService, readEndpoint, readLlm, toCellError } from './llm';
import { classEvidence, pickImage, pickVariant } from './scoreImage';
import { defineStep, type StepContext } from './step';

const DEFAULT_MAX_TOKENS = 800;
/** Longest side of an image sent to a vision model: enough to see a finding, a few tens of KB. */
const SENT_IMAGE_PX = 512;
const MAX_FAILURES = 20;

export const askStep = defineStep({
  schema: {
    step: 'ask',
    summary: 'Ask an LLM a question about one image, grounded in its scores, descriptors and explanation',
    nameDescription: 'a name for this question (follow-up cells refer to it)',
    options: {
      question: {
        type: 'string',
        required: true,
        description: 'the question, e.g. "Which findings argue for and against a nodule here?"',
      },
      score: {
        type: 'string',
        refersTo: 'score',
        description: 'the score cell whose image to ask about (not needed with follow)',
      },
      variant: { type: 'string', description: "which of the score's descriptor variants; default: the last one" },
      image: {
        // A path, or a number: the index.
        type: 'any',
        description: "an image of the score's set: its path (relative to the notebook) or its 0-based index",
      },
      failures: {
        type: 'integer',
        description: 'instead of image: ask about this many of the most confidently wrong images',
      },
      follow: {
        type: 'string',
        refersTo: 'ask',
        description: 'an earlier ask cell whose conversation this question continues',
      },
      llm: { type: 'map', description: 'model, temperature (default 0), max_tokens (default 800)' },
      endpoint: {
        type: 'string',
        description: 'base URL of an OpenAI-compatible server; default: setting symptomLens.llm.baseUrl, else OpenAI',
      },
      refresh: { type: 'boolean', default: false, description: 'true asks again even where the answer is cached' },
      cache: {
        type: 'string',
        description: 'folder for the completion cache, relative to the notebook (default: the kernel cache)',
      },
      send_image: {
        type: 'boolean',
        default: false,
        description: 'attach the image (a vision model); refused for remote endpoints without allow_remote_images',
      },
      allow_remote_images: {
        type: 'boolean',
        default: false,
        description: 'allow send_image to send the image off this machine',
      },
    },
  },
  async run(ctx) {
    const started = Date.now();
    const o = ctx.cell.options;
    const question = String(o.question).trim();
    if (!question)
      throw fieldError(ctx, 'question', 'The question is empty.', 'Write what you want to know about the image.');
    const llm = readLlm(ctx, { defaultMaxTokens: DEFAULT_MAX_TOKENS });
    const endpoint = readEndpoint(ctx);
    const sendImage = o.send_image === true;
    if (sendImage && !endpoint.local && o.allow_remote_images !== true) {
      throw fieldError(
        ctx,
        'send_image',
        `send_image would send a patient image to ${endpoint.url}, which is not on this machine.`,
        'Use a local server (e.g. Ollama at http://localhost:11434/v1), or add "allow_remote_images: true" if the data may leave this machine.',
      );
    }
    const followed = readFollow(ctx);
    const targets = followed
      ? followed.conversations.map((c) => ({ ...c, fresh: false }))
      : pickTargets(ctx).map((t) => ({ ...t, messages: [] as ChatMessage[], fresh: true }));
    const service = completionService(ctx, endpoint, llm.model);

    const answers: AskAnswer[] = [];
    const conversations: AskThread['conversations'] = [];
    for (const [i, target] of targets.entries()) {
      ctx.progress(`Asking ${llm.model} about ${target.image} (${i + 1} of ${targets.length})`, i / targets.length);
      const score = lookup(ctx, 'score', target.score, followed ? 'follow' : 'score');
      const variant = score.variants.find((v) => v.name === target.variant);
      if (!variant)
        throw fieldError(
          ctx,
          'follow',
          `Score "${score.name}" no longer has variant "${target.variant}".`,
          'Re-run the ask cell it follows.',
        );
      const { evidence, inputs } = evidenceFor(ctx, score, variant, target.index);
      // The question as written: the key masks printed scores, and a question may quote one.
      inputs.question = question;
      const imageDataUrl = sendImage ? await sentImage(imageOnDisk(ctx, score, target.image)) : undefined;
      const messages = askMessages({
        history: target.fresh ? undefined : target.messages,
        evidence: target.fresh ? evidence : undefined,
        question,
        imageDataUrl,
      });
      const reply = await service.complete(messages, llm.parameters, 0, ctx.signal, inputs).catch((err: unknown) => {
        throw toCellError(ctx, err);
      });
      const answer = stripThinking(reply.text).trim();
      const descriptors = evidence.classes.flatMap((c) => c.descriptors.map((d) => d.text));
      const { mentioned, unknown } = descriptorMentions(answer, descriptors, score.classes);
      answers.push({
        image: target.image,
        index: target.index,
        evidence,
        messages: messages.map(shownMessage),
        answer,
        finishReason: reply.finishReason,
        servedBy: reply.servedBy ?? null,
        fromCache: reply.fromCache,
        mentioned,
        unknownCitations: unknown,
      });
      conversations.push({
        score: score.name,
        variant: variant.name,
        image: target.image,
        index: target.index,
        messages: [...messages, { role: 'assistant', content: reply.text }],
      });
    }
    ctx.session.conversations.set(ctx.cell.name, { name: ctx.cell.name, conversations });
    const first = targets[0];
    const result: AskResult = {
      name: ctx.cell.name,
      question,
      score: first.score,
      variant: first.variant,
      follow: followed?.name ?? null,
      answers,
      model: llm.model,
      endpoint: endpoint.url,
      parameters: llm.parameters,
      systemPrompt: ASK_SYSTEM_PROMPT,
      requests: { total: answers.length, sent: service.sent, fromCache: service.cached },
      imageSent: sendImage,
      warnings:
        sendImage && !endpoint.local
          ? [`The image${answers.length > 1 ? 's' : ''} left this machine: sent to ${endpoint.url}.`]
          : [],
      run: { startedAt: new Date(started).toISOString(), durationMs: Date.now() - started },
    };
    service.log(
      `ask ${result.name}: ${answers.length} answers from ${llm.model}, ${service.cached} from the cache, ${service.sent} asked`,
    );
    return {
      result,
      outputs: [{ mime: MIME.ask, data: result, markdown: askMarkdown(result) }],
      dependsOn: [
        ...new Set([sessionKey('score', first.score), ...(followed ? [sessionKey('ask', followed.name)] : [])]),
      ],
      defines: sessionKey('ask', result.name),
    };
  },
});

function readFollow(ctx: StepContext) {
  const o = ctx.cell.options;
  if (o.follow === undefined || o.follow === null) {
    if (o.score === undefined || o.score === null)
      throw fieldError(
        ctx,
        'ask',
        'An ask cell needs "score:" (the image to ask about) or "follow:" (a conversation to continue).',
        'e.g. score: names-vs-v1 and image: data/x.png',
      );
    return undefined;
  }
  for (const key of ['score', 'variant', 'image', 'failures'])
    if (o[key] !== undefined)
      throw fieldError(
        ctx,
        key,
        `A follow-up asks about the images of the conversation it continues; "${key}" does not apply.`,
        `Remove "${key}", or start a new conversation without "follow".`,
      );
  return lookup(ctx, 'ask', String(o.follow), 'follow');
}

/** The image (or the most confidently wrong images) the question is about. */
function pickTargets(ctx: StepContext) {
  const o = ctx.cell.options;
  const score = lookup(ctx, 'score', String(o.score), 'score');
  const variant = pickVariant(ctx, score, o.variant === undefined ? undefined : String(o.variant));
  if ((o.image === undefined) === (o.failures === undefined))
    throw fieldError(
      ctx,
      o.image === undefined ? 'ask' : 'failures',
      'Give either "image:" or "failures:".',
      'e.g. image: data/nodule/nodule-012.png, or failures: 5',
    );
  if (o.image !== undefined) {
    const { index, entry } = pickImage(ctx, score, variant, o.image);
    return [{ score: score.name, variant: variant.name, image: entry.id, index }];
  }
  const n = Number(o.failures);
  if (n < 1 || n > MAX_FAILURES)
    throw fieldError(
      ctx,
      'failures',
      `failures must be from 1 to ${MAX_FAILURES}, not ${n}.`,
      'Each image is one request.',
    );
  // Single-label failures only: a multi-label image has no one true class to rank against.
  const wrong = variant.predictions
    .flatMap((p, index) =>
      typeof p.label === 'string' && typeof p.predicted === 'string' && p.predicted !== p.label && p.label in p.scores
        ? [{ p, index, margin: p.scores[p.predicted] - p.scores[p.label] }]
        : [],
    )
    .sort((a, b) => b.margin - a.margin || a.index - b.index)
    .slice(0, n);
  if (wrong.length === 0)
    throw fieldError(
      ctx,
      'failures',
      `Variant "${variant.name}" of score "${score.name}" classifies every image correctly: there is no failure to ask about.`,
      'Ask about one image with "image:".',
    );
  return wrong.map(({ p, index }) => ({ score: score.name, variant: variant.name, image: p.image, index }));
}

/**
 * The evidence about one image, and the exactly reproducible inputs its printed scores follow
 * from: the completion cache keys on these, not on the printed digits (llm/cache.ts).
 */
function evidenceFor(
  ctx: StepContext,
  score: ScoreResult,
  variant: VariantResult,
  index: number,
): { evidence: AskEvidence; inputs: Record<string, string> } {
  const p = variant.predictions[index];
  const classes = classEvidence(variant, index, score.classes);
  const explained = [...ctx.session.explanations.values()]
    .filter((e) => e.score === score.name && e.image === p.image)
    .sort((a, b) => Number(b.variant === variant.name) - Number(a.variant === variant.name))[0];
  const inputs = {
    model: score.run.modelFingerprint,
    images: score.run.imageSetHash,
    method: score.method,
    descriptors: score.run.descriptorSetHashes[variant.name] ?? variant.name,
    ...(explained
      ? { explain: `${explained.variant} patch ${explained.occlusion.patch} stride ${explained.occlusion.stride}` }
      : {}),
  };
  const evidence: AskEvidence = {
    image: p.image,
    label: p.label,
    predicted: p.predicted,
    runnerUp: classes[1]?.class ?? null,
    margin: classes.length > 1 ? Math.round((classes[0].score - classes[1].score) * 1e5) / 1e5 : null,
    classes,
    ...(explained
      ? {
          occlusion: {
            target: explained.occlusion.target.text,
            targetKind: explained.occlusion.target.kind,
            box: explained.occlusion.peak.box,
            imageSize: explained.imageSize,
            baseline: explained.occlusion.baseline,
            drop: explained.occlusion.peak.drop,
          },
        }
      : {}),
  };
  return { evidence, inputs };
}

function imageEntry(ctx: StepContext, score: ScoreResult, image: string): ImageEntry {
  const entry = ctx.session.imageSets.get(score.images)?.entries.find((e) => e.id === image);
  if (!entry)
    throw fieldError(
      ctx,
      'score',
      `Image set "${score.images}" has changed since score "${score.name}" ran.`,
      `Re-run the score cell "${score.name}" first.`,
    );
  return entry;
}

/** The entry of an image to send: an imported image whose file is not on this machine cannot be sent. */
function imageOnDisk(ctx: StepContext, score: ScoreResult, image: string): ImageEntry {
  const entry = imageEntry(ctx, score, image);
  if (entry.onDisk === false)
    throw fieldError(
      ctx,
      'send_image',
      `${entry.id} is not on this machine (its embedding was imported), so it cannot be sent.`,
      'Copy the image to that path (relative to the notebook) and re-run the images cell, or set send_image: false.',
    );
  return entry;
}

/** The image as a vision model gets it: a JPEG data URL of at most SENT_IMAGE_PX a side. */
function sentImage(entry: ImageEntry): Promise<string> {
  return thumbnailDataUri(entry.path, SENT_IMAGE_PX, entry.decode);
}

/** A message as the output shows it: an attached image becomes a short note with its digest. */
function shownMessage(m: ChatMessage): AskAnswer['messages'][number] {
  if (typeof m.content === 'string') return { role: m.role, content: m.content };
  return {
    role: m.role,
    content: m.content
      .map((part) => {
        if (part.type === 'text') return part.text;
        const url = part.image_url.url;
        return `[image attached: ${url.slice(5, url.indexOf(';'))}, ${url.length} characters of base64, sha256 ${createHash('sha256').update(url).digest('hex').slice(0, 12)}]`;
      })
      .join('\n'),
  };
}

function askMarkdown(r: AskResult): string {
  return [
    `**ask: ${md(r.name)}** — "${md(r.question)}" to ${md(r.model)}${r.follow ? ` (following "${md(r.follow)}")` : ''}; ${r.requests.total} answers, ${r.requests.fromCache} from the cache`,
    ...r.warnings.map((w) => `\n**Warning:** ${md(w)}`),
    ...r.answers.flatMap((a) => [
      '',
      `**${md(a.image)}** — true ${md(a.evidence.label !== undefined ? classesText(a.evidence.label) : '–')}, predicted ${md(classesText(a.evidence.predicted))}, margin ${num(a.evidence.margin, 4)}`,
      '',
      ...a.answer.split('\n').map((line) => `> ${md(line)}`),
      ...(a.unknownCitations.length
        ? ['', `Quoted but not a descriptor: ${a.unknownCitations.map((q) => `"${md(q)}"`).join(', ')}`]
        : []),
    ]),
  ].join('\n');
}
