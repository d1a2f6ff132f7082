// The generate step through the real Kernel and the real `openai` client, against a local
// chat-completions server started here: what is sent, what comes back, the descriptor set it
// defines, the cache (counted at the server), refresh, samples, and the insertable YAML.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { Kernel } from '../../src/kernel/kernel';
import { MIME } from '../../src/protocol/mime';
import type { GenerateResult } from '../../src/protocol/results';
import { recipeFor } from '../../src/llm/prompts';
import { startOpenAIServer, type ReceivedRequest } from '../helpers/openaiServer';
import { newLlmKernel } from '../helpers/llmKernel';

const REPLIES: Record<string, string> = {
  normal: '- clear lung fields\n- sharp costophrenic angles\n- normal heart size',
  effusion: 'blunted costophrenic angle\n• fluid meniscus at the lung base\n• obscured hemidiaphragm',
  cardiomegaly: '1. enlarged heart shadow\n2. cardiothoracic ratio above one half',
  nodule: '* round opacity\n* well circumscribed density',
};

/** The class a request asks about: the last "distinguishing X in a" of its prompt. */
function classOf(req: ReceivedRequest): string {
  const text = req.body?.messages?.at(-1)?.content ?? '';
  const all = [...text.matchAll(/distinguishing (.+?) in a/g)];
  return all.at(-1)?.[1] ?? '';
}

const CLASSES = ['normal', 'effusion', 'cardiomegaly', 'nodule'];
const cell = (endpoint: string, extra = '') =>
  `generate: llm\nclasses: [${CLASSES.join(', ')}]\nmodality: chest X-ray\nllm: {model: test-model}\nendpoint: ${endpoint}\n${extra}`;

test('a generate cell asks once per class and defines a descriptor set like a descriptors cell', async (t) => {
  const server = await startOpenAIServer({
    reply: (req) => REPLIES[classOf(req)] ?? '',
    servedAs: 'test-model-2025-01-01',
  });
  t.after(() => server.close());
  const { kernel } = await newLlmKernel();

  const out = await kernel.runCell('gen', cell(server.baseUrl));
  assert.ok(out.ok, out.error);
  assert.equal(server.chatCount(), CLASSES.length);

  // What the server received: the exact medical prompt, temperature 0, the default max_tokens.
  const byClass = new Map(server.requests.map((r) => [classOf(r), r]));
  for (const c of CLASSES) {
    const body = byClass.get(c)!.body!;
    assert.equal(body.model, 'test-model');
    assert.equal(body.temperature, 0);
    assert.equal(body.max_tokens, 500);
    assert.deepEqual(body.messages, [
      { role: 'user', content: recipeFor('medical').prompts(c, 'chest X-ray')[0].text },
    ]);
  }

  const item = out.outputs[0];
  assert.equal(item.mime, MIME.generate);
  const r = item.data as GenerateResult;
  assert.deepEqual(r.classes, {
    normal: ['clear lung fields', 'sharp costophrenic angles', 'normal heart size'],
    effusion: ['blunted costophrenic angle', 'fluid meniscus at the lung base', 'obscured hemidiaphragm'],
    cardiomegaly: ['enlarged heart shadow', 'cardiothoracic ratio above one half'],
    nodule: ['round opacity', 'well circumscribed density'],
  });
  assert.deepEqual(Object.keys(r.classes), CLASSES, 'class order as in the cell');
  assert.equal(r.prompt, 'medical');
  assert.equal(r.model, 'test-model');
  assert.deepEqual(r.servedBy, ['test-model-2025-01-01']);
  assert.equal(r.endpoint, server.baseUrl);
  assert.deepEqual(r.parameters, { temperature: 0, max_tokens: 500, n: 1 });
  assert.deepEqual(r.requests, { total: 4, sent: 4, fromCache: 0 });
  assert.equal(r.fromCache, false);
  assert.equal(r.prompts.effusion[0], recipeFor('medical').prompts('effusion', 'chest X-ray')[0].text);
  assert.deepEqual(out.result, r);
  assert.match(item.markdown, /fluid meniscus at the lung base/);
  assert.match(item.markdown, /```yaml\n# from the cell "generate: llm"/);

  const generated = kernel.session.descriptorSets.get('llm')!;
  assert.equal(generated.source, 'generate');
  assert.deepEqual(generated.classes, r.classes);
  assert.equal(generated.hash, r.hash);

  // The insertable YAML: first line names the generate cell; run as a cell it defines the same set.
  const firstLine = r.yaml.split('\n')[0];
  assert.equal(firstLine, '# from the cell "generate: llm" (test-model, prompt medical); edit freely and score it');
  assert.equal(parseYaml(r.yaml).descriptors, 'llm-edited');
  const inserted = await kernel.runCell('inserted', r.yaml);
  assert.ok(inserted.ok, inserted.error);
  const edited = kernel.session.descriptorSets.get('llm-edited')!;
  const plain = (x: unknown) => JSON.parse(JSON.stringify(x));
  assert.deepEqual(
    plain({ ...edited, name: 'llm', source: 'generate' }),
    plain(generated),
    'a score cell cannot tell them apart',
  );
});

test('the second run makes zero requests; refresh: true asks again', async (t) => {
  const server = await startOpenAIServer({ reply: (req) => REPLIES[classOf(req)] ?? '' });
  t.after(() => server.close());
  const { kernel, dir } = await newLlmKernel();

  const first = await kernel.runCell('gen', cell(server.baseUrl));
  assert.ok(first.ok, first.error);
  assert.equal(server.chatCount(), 4);

  // A fresh kernel (another day, another window) on the same cache folder.
  const again = new Kernel({
    notebookPath: path.join(dir, 'nb.lensnb'),
    secrets: { getApiKey: async () => undefined },
  });
  const second = await again.runCell('gen', cell(server.baseUrl));
  assert.ok(second.ok, second.error);
  assert.equal(server.chatCount(), 4, 'no request on the second run');
  const r2 = second.result as GenerateResult;
  assert.equal(r2.fromCache, true);
  assert.deepEqual(r2.requests, { total: 4, sent: 0, fromCache: 4 });
  assert.deepEqual(r2.classes, (first.result as GenerateResult).classes);

  // The cache files: one per completion, under the kernel's cache folder, holding the request.
  const files = await listFiles(path.join(dir, '.symptom-lens', 'cache', 'llm'));
  assert.equal(files.length, 4);
  const entry = JSON.parse(await fs.readFile(files[0], 'utf8'));
  assert.equal(entry.request.model, 'test-model');
  assert.equal(entry.request.endpoint, server.baseUrl);
  assert.deepEqual(entry.request.parameters, { temperature: 0, max_tokens: 500 });

  // Another parameter is another completion.
  const warmer = await again.runCell(
    'gen',
    cell(server.baseUrl).replace('{model: test-model}', '{model: test-model, temperature: 0.5}'),
  );
  assert.ok(warmer.ok, warmer.error);
  assert.equal(server.chatCount(), 8);

  const refreshed = await again.runCell('gen', cell(server.baseUrl, 'refresh: true\n'));
  assert.ok(refreshed.ok, refreshed.error);
  assert.equal(server.chatCount(), 12, 'refresh asks every class again');
  assert.equal((refreshed.result as GenerateResult).fromCache, false);
});

test('n samples are merged and de-duplicated; a later n reuses the earlier samples', async (t) => {
  let k = 0;
  const server = await startOpenAIServer({
    reply: () => (k++ % 2 === 0 ? '- round opacity\n- spiculated margin' : '- Round opacity\n- small dense spot'),
  });
  t.after(() => server.close());
  const { kernel } = await newLlmKernel();
  const src = (n: number) =>
    `generate: s\nclasses: [nodule]\nprompt: dclip\nllm: {model: m, temperature: 0.7, n: ${n}}\nendpoint: ${server.baseUrl}\n`;
  const two = await kernel.runCell('gen', src(2));
  assert.ok(two.ok, two.error);
  assert.equal(server.chatCount(), 2);
  assert.deepEqual((two.result as GenerateResult).classes.nodule, [
    'round opacity',
    'spiculated margin',
    'small dense spot',
  ]);
  assert.equal((two.result as GenerateResult).parameters.n, 2);
  const three = await kernel.runCell('gen', src(3));
  assert.ok(three.ok, three.error);
  assert.equal(server.chatCount(), 3, 'samples 0 and 1 come from the cache');
});

test('cupl asks several questions per class and scores the answers as they are', async (t) => {
  const server = await startOpenAIServer({
    reply: (req) => `A ${req.body?.messages?.[0].content.length}-character question got this answer.`,
  });
  t.after(() => server.close());
  const { kernel } = await newLlmKernel();
  const out = await kernel.runCell(
    'gen',
    `generate: c\nclasses: [nodule]\nprompt: cupl\nmodality: chest X-ray\nllm: {model: m}\nendpoint: ${server.baseUrl}\n`,
  );
  assert.ok(out.ok, out.error);
  const r = out.result as GenerateResult;
  const questions = recipeFor('cupl').prompts('nodule', 'chest X-ray');
  assert.equal(server.chatCount(), questions.length);
  assert.deepEqual(
    r.prompts.nodule,
    questions.map((q) => q.text),
  );
  assert.equal(r.template, '{descriptor}');
  assert.equal(kernel.session.descriptorSets.get('c')!.template, '{descriptor}');
  assert.match(r.yaml, /^template: "\{descriptor\}"$/m);
});

test('custom prompt text and a class map (label → name asked about)', async (t) => {
  const server = await startOpenAIServer({ reply: () => '- thin pleural line' });
  t.after(() => server.close());
  const { kernel } = await newLlmKernel();
  const out = await kernel.runCell(
    'gen',
    `generate: c\nclasses: {ptx: pneumothorax}\nmodality: CT\nprompt: "Findings of {class} on {modality}, one per line."\nllm: {model: m}\nendpoint: ${server.baseUrl}\n`,
  );
  assert.ok(out.ok, out.error);
  assert.equal(server.requests[0].body?.messages?.[0].content, 'Findings of pneumothorax on CT, one per line.');
  assert.deepEqual((out.result as GenerateResult).classes, { ptx: ['thin pleural line'] });
});

test('bad options are located errors', async () => {
  const { kernel } = await newLlmKernel();
  const cases: [string, RegExp, string][] = [
    [
      'generate: x\nclasses: [a]\nmodality: CT\nllm: {model: m, temprature: 0}\n',
      /"temprature" is not an option of llm/,
      'llm.temprature',
    ],
    [
      'generate: x\nclasses: [a]\nmodality: CT\nllm: {model: m, n: 0}\n',
      /"n" must be a whole number from 1 to 20/,
      'llm.n',
    ],
    ['generate: x\nclasses: [a]\nllm: {model: m}\n', /names the imaging modality/, 'generate'],
    ['generate: x\nclasses: [a]\nmodality: CT\n', /No model is named/, 'generate'],
    [
      'generate: x\nclasses: [a]\nprompt: medcal\nmodality: CT\nllm: {model: m}\n',
      /neither a recipe .* nor a text with \{class\}/,
      'prompt',
    ],
    ['generate: x\nclasses: [a, a]\nmodality: CT\nllm: {model: m}\n', /listed twice/, 'classes.1'],
    [
      'generate: x\nclasses: [a]\nmodality: CT\nllm: {model: m}\nendpoint: "http://localhost:1/v1?api-key=abc"\n',
      /carries a credential/,
      'endpoint',
    ],
    [
      'generate: x\nclasses: [a]\nmodality: CT\nllm: {model: m}\nendpoint: localhost:11434\n',
      /must be an http\(s\) URL|is not a URL/,
      'endpoint',
    ],
  ];
  for (const [src, message, field] of cases) {
    const out = await kernel.runCell('bad', src);
    assert.equal(out.ok, false, src);
    assert.match(out.error!, message, src);
    assert.equal(out.errorField, field, src);
    assert.ok(out.errorLine! >= 1, src);
  }
});

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)));
    else out.push(p);
  }
  return out;
}
