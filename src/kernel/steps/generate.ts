// `generate: NAME` — ask an OpenAI-compatible LLM for visual-symptom descriptors per class
// (docs/methods.md, "Descriptors from an LLM"). The result is an ordinary descriptor set: a score
// cell uses it exactly like a hand-written descriptors cell. Every completion is cached on disk,
// so a re-run, or a run on another day, gives the same descriptors without the service.
// Reading the options: generateOptions.ts; the output's YAML and markdown: generateOutput.ts.
import { runAll } from '../../common/async';
import { mergeDescriptors, parseDescriptors } from '../../llm/parse';
import type { ClassPrompt } from '../../llm/prompts';
import type { GenerateResult } from '../../protocol/results';
import { makeDescriptorSet } from '../../scoring/descriptorSet';
import { MIME } from '../../protocol/mime';
import { sessionKey } from './common';
import { GENERATE_SCHEMA, noDescriptors, readGenerateOptions, type ClassToAsk } from './generateOptions';
import { completionService, toCellError } from './llm';
import { descriptorsCellYaml, generateMarkdown } from './generateOutput';
import { defineStep } from './step';

/** Parallel requests to a remote service; local servers mostly answer one at a time, and
 * queued requests there would run into the timeout. */
const REMOTE_CONCURRENCY = 4;

interface Job {
  cls: ClassToAsk;
  prompt: ClassPrompt;
  sample: number;
}

export const generateStep = defineStep({
  schema: GENERATE_SCHEMA,
  async run(ctx) {
    const name = ctx.cell.name;
    const options = ctx.cell.options;
    const { classes, recipe, modality, llm, endpoint, template, templateClass } = readGenerateOptions(ctx, options);
    const service = completionService(ctx, endpoint, llm.model);

    const jobs: Job[] = classes.flatMap((cls) =>
      recipe
        .prompts(cls.asked, modality)
        .flatMap((prompt) => Array.from({ length: llm.n }, (_, sample) => ({ cls, prompt, sample }))),
    );
    if (llm.n > 1 && llm.parameters.temperature === 0) {
      service.log(
        `generate ${name}: ${llm.n} samples at temperature 0 are usually identical; raise llm.temperature for varied samples.`,
      );
    }
    let done = 0;
    ctx.progress(`Asking ${llm.model} for descriptors of ${classes.length} classes`, 0);
    const replies = await runAll(
      jobs.length,
      endpoint.local ? 1 : REMOTE_CONCURRENCY,
      ctx.signal,
      async (i, signal) => {
        const job = jobs[i];
        const reply = await service
          .complete([{ role: 'user', content: job.prompt.text }], llm.parameters, job.sample, signal)
          .catch((err: unknown) => {
            throw toCellError(ctx, err);
          });
        done++;
        ctx.progress(
          `Asking ${llm.model}: ${done} of ${jobs.length} replies (${service.cached} from the cache)`,
          done / jobs.length,
        );
        return reply;
      },
    );

    const descriptors: Record<string, string[]> = {};
    const prompts: Record<string, string[]> = {};
    for (const cls of classes) {
      const mine = jobs.map((job, i) => ({ job, reply: replies[i] })).filter((x) => x.job.cls === cls);
      const parsed = mine.map(({ job, reply }) => parseDescriptors(reply.text, job.prompt.echoes).descriptors);
      const merged = mergeDescriptors(parsed);
      if (merged.length === 0)
        throw noDescriptors(
          ctx,
          cls,
          mine.map((x) => x.reply),
          llm,
        );
      descriptors[cls.label] = merged;
      prompts[cls.label] = [...new Set(mine.map((x) => x.job.prompt.text))];
    }

    const set = makeDescriptorSet({ name, classes: descriptors, template, templateClass, source: 'generate' });
    ctx.session.descriptorSets.set(name, set);
    const servedBy = [...new Set(replies.map((r) => r.servedBy).filter((m): m is string => !!m))];
    service.log(
      `generate ${name}: ${jobs.length} completions from ${llm.model} at ${endpoint.url}, ${service.cached} from the cache, ${service.sent} asked`,
    );
    const descriptorsName = `${name}-edited`;
    const result: GenerateResult = {
      name,
      classes: descriptors,
      prompts,
      prompt: recipe.name,
      ...(modality !== undefined ? { modality } : {}),
      model: llm.model,
      servedBy,
      endpoint: endpoint.url,
      parameters: { ...llm.parameters, n: llm.n },
      requests: { total: jobs.length, sent: service.sent, fromCache: service.cached },
      fromCache: service.sent === 0,
      ...(template !== undefined ? { template } : {}),
      ...(templateClass !== undefined ? { templateClass } : {}),
      hash: set.hash,
      descriptorsName,
      yaml: descriptorsCellYaml(
        name,
        descriptorsName,
        `${llm.model}, prompt ${recipe.name}`,
        descriptors,
        template,
        templateClass,
      ),
    };
    return {
      result,
      outputs: [{ mime: MIME.generate, data: result, markdown: generateMarkdown(result) }],
      dependsOn: [],
      defines: sessionKey('descriptors', name),
    };
  },
});
