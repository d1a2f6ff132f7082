// The ask step against the local chat-completions server: the evidence in the prompt (classes,
// scores, margin, descriptor similarities, the explain map), answers cached (a re-run makes no
// request), follow-ups that send the history, the most confidently wrong images, images attached
// for vision models and refused for remote endpoints, hostile and made-up replies, the renderer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { singleClass } from '../../src/protocol/classes';
import { MIME } from '../../src/protocol/mime';
import type { AskResult } from '../../src/protocol/ask';
import { chromiumSkipReason } from '../helpers/chromium';
import { DEMO_DESCRIPTORS, demoKernel } from '../helpers/demoKernel';
import { startOpenAIServer, type OpenAIServer } from '../helpers/openaiServer';
import { openRendererPage } from '../helpers/rendererPage';

const HOSTILE_REPLY =
  'The "enlarged heart shadow" is weak here. <script>alert(1)</script><img src=x onerror=alert(2)> The "ground-glass halo" argues for a nodule.';

async function askKernel(t: { after: (fn: () => Promise<void>) => void }, server: OpenAIServer) {
  const k = await demoKernel(t);
  await k.must(DEMO_DESCRIPTORS);
  await k.must('score: s\nimages: held-out\nmodel: demo\ndescriptors: v1\n');
  const cell = (extra: string) =>
    `ask: q\nscore: s\nquestion: Why this class?\nllm: {model: local-test}\nendpoint: ${server.baseUrl}\n${extra}`;
  return { ...k, cell };
}

type Content = string | ({ type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } })[];
const textOf = (c: Content) => (typeof c === 'string' ? c : c.map((p) => (p.type === 'text' ? p.text : '')).join('\n'));

test('the prompt carries the evidence and the explain map; the answer is cached and its descriptors found', async (t) => {
  const server = await startOpenAIServer({ script: [HOSTILE_REPLY] });
  t.after(() => server.close());
  const { must, cell } = await askKernel(t, server);
  await must('explain: e\nscore: s\nimage: nodule/nodule-002.png\npatch: 32\nstride: 16\n');
  const out = await must(cell('image: nodule/nodule-002.png\n'));
  const r = out.result as AskResult;
  assert.equal(server.chatCount(), 1);
  const sent = server.requests[0].body!.messages as unknown as { role: string; content: Content }[];
  assert.deepEqual(
    sent.map((m) => m.role),
    ['system', 'user'],
  );
  const prompt = textOf(sent[1].content);
  const a = r.answers[0];
  assert.match(prompt, /True class \(from the labels\): nodule/);
  assert.match(prompt, /Predicted class: nodule \(correct\)/);
  assert.match(
    prompt,
    new RegExp(`Margin over the runner-up \\(${a.evidence.runnerUp}\\): ${a.evidence.margin!.toFixed(3)}`),
  );
  for (const c of a.evidence.classes) {
    assert.ok(prompt.includes(`- ${c.class}: ${c.score.toFixed(3)}`), c.class);
    for (const d of c.descriptors) assert.ok(prompt.includes(`- "${d.text}": ${d.similarity.toFixed(3)}`), d.text);
  }
  assert.match(
    prompt,
    /Occlusion map \(a grey patch slid over the image; the drop in similarity to the class "nodule", baseline [\d.]+\):\nthe largest drop \([\d.]+\) is at x \d+–\d+, y \d+–\d+ of the 128×128-pixel image\./,
  );
  assert.match(prompt, /Question: Why this class\?$/);
  // The output: the answer verbatim, the exact messages, what it cites and what does not exist.
  assert.equal(a.answer, HOSTILE_REPLY);
  assert.deepEqual(
    a.messages.map((m) => m.content),
    sent.map((m) => textOf(m.content)),
  );
  assert.deepEqual(a.mentioned, ['enlarged heart shadow']);
  assert.deepEqual(a.unknownCitations, ['ground-glass halo']);
  assert.equal(out.outputs[0].mime, MIME.ask);
  assert.match(out.outputs[0].markdown, /Quoted but not a descriptor: "ground\\-glass halo"/);

  // A re-run makes no request: the answer comes from the cache.
  const again = (await must(cell('image: nodule/nodule-002.png\n'))).result as AskResult;
  assert.equal(server.chatCount(), 1);
  assert.equal(again.answers[0].fromCache, true);
  assert.equal(again.answers[0].answer, HOSTILE_REPLY);
});

test('follow sends the earlier turns as history; a chain of cells is one conversation', async (t) => {
  const server = await startOpenAIServer({ script: ['First answer: "round opacity".', 'Second answer.'] });
  t.after(() => server.close());
  const { must, fails, cell } = await askKernel(t, server);
  await must(cell('image: 3\n'));
  const follow = `ask: q2\nfollow: q\nquestion: And against it?\nllm: {model: local-test}\nendpoint: ${server.baseUrl}\n`;
  const r = (await must(follow)).result as AskResult;
  const sent = server.requests[1].body!.messages as unknown as { role: string; content: Content }[];
  assert.deepEqual(
    sent.map((m) => m.role),
    ['system', 'user', 'assistant', 'user'],
  );
  assert.equal(textOf(sent[2].content), 'First answer: "round opacity".');
  assert.equal(textOf(sent[3].content), 'Question: And against it?');
  assert.equal(r.follow, 'q');
  assert.equal(
    r.answers[0].image,
    (server.requests[0].body!.messages as unknown as { content: string }[])[1].content.match(/^Image: (.*)$/m)![1],
  );
  assert.match(
    (await fails(`${follow}image: 2\n`)).error!,
    /^line 6, field `image`: A follow-up asks about the images of the conversation it continues/,
  );
  assert.match(
    (await fails(follow.replace('follow: q', 'follow: nothing'))).error!,
    /field `follow`: No ask named "nothing"/,
  );
});

test('failures: N asks about the most confidently wrong images', async (t) => {
  const server = await startOpenAIServer({ reply: () => 'An answer.' });
  t.after(() => server.close());
  const { must, fails, cell } = await askKernel(t, server);
  // Each class described by the next class's findings: most images come out wrong.
  await must(
    'descriptors: swapped\nclasses:\n  normal: [enlarged heart shadow]\n  effusion: [clear lung fields]\n  cardiomegaly: [round opacity]\n  nodule: [visible pleural line]\n  pneumothorax: [fluid meniscus at the lung base]\n',
  );
  await must('score: bad\nimages: held-out\nmodel: demo\ndescriptors: swapped\n');
  const r = (await must(cell('failures: 3\n').replace('score: s', 'score: bad'))).result as AskResult;
  assert.equal(server.chatCount(), 3);
  const margins = r.answers.map((a) => {
    const score = (c: string) => a.evidence.classes.find((x) => x.class === c)!.score;
    assert.notEqual(a.evidence.predicted, a.evidence.label);
    return score(singleClass(a.evidence.predicted)) - score(singleClass(a.evidence.label!));
  });
  assert.deepEqual(
    margins,
    [...margins].sort((x, y) => y - x),
    'most confidently wrong first',
  );
  assert.match(
    (await fails(cell('failures: 0\n'))).error!,
    /^line 6, field `failures`: failures must be from 1 to 20, not 0\./,
  );
  assert.match(
    (await fails(cell('image: 1\nfailures: 2\n'))).error!,
    /field `failures`: Give either "image:" or "failures:"/,
  );
});

test('send_image attaches a data URL for a local server and is refused for a remote one', async (t) => {
  const server = await startOpenAIServer({ reply: () => 'Seen.' });
  t.after(() => server.close());
  const { must, fails, cell } = await askKernel(t, server);
  const r = (await must(cell('image: 0\nsend_image: true\n'))).result as AskResult;
  const sent = server.requests[0].body!.messages as unknown as { content: Content }[];
  const parts = sent[1].content as Exclude<Content, string>;
  const image = parts.find((p) => p.type === 'image_url') as { image_url: { url: string } };
  assert.match(image.image_url.url, /^data:image\/jpeg;base64,[A-Za-z0-9+/]+=*$/);
  assert.equal(r.imageSent, true);
  assert.deepEqual(r.warnings, [], 'a local server keeps the image on this machine');
  assert.match(
    r.answers[0].messages[1].content,
    /\[image attached: image\/jpeg, \d+ characters of base64, sha256 [0-9a-f]{12}\]/,
  );
  assert.ok(!JSON.stringify(r).includes(image.image_url.url.slice(30, 80)), 'the output does not carry the image');
  const remote = cell('image: 0\nsend_image: true\n').replace(server.baseUrl, 'https://api.openai.com/v1');
  assert.match(
    (await fails(remote)).error!,
    /^line 7, field `send_image`: send_image would send a patient image to https:\/\/api\.openai\.com\/v1.*allow_remote_images: true/,
  );
  // Allowed, it then needs a key like any remote request (and fails before sending anything).
  assert.match(
    (await fails(`${remote}allow_remote_images: true\n`)).error!,
    /No API key is set for https:\/\/api\.openai\.com\/v1/,
  );
});

test('allowed to leave the machine, the image goes and the output warns that it did', async (t) => {
  const server = await startOpenAIServer({ reply: () => 'Seen.' });
  t.after(() => server.close());
  // This machine under an address the endpoint check does not count as local: a stand-in for a remote service.
  const remote = server.baseUrl.replace('127.0.0.1', '[::ffff:127.0.0.1]');
  const k = await demoKernel(t, { secrets: { getApiKey: async () => 'sk-test-remote-key' } });
  await k.must(DEMO_DESCRIPTORS);
  await k.must('score: s\nimages: held-out\nmodel: demo\ndescriptors: v1\n');
  const r = (
    await k.must(
      `ask: q\nscore: s\nimage: 0\nquestion: What is seen?\nllm: {model: m}\nendpoint: ${remote}\nsend_image: true\nallow_remote_images: true\n`,
    )
  ).result as AskResult;
  assert.equal(server.chatCount(), 1);
  assert.equal(server.requests[0].headers.authorization, 'Bearer sk-test-remote-key');
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0], /^The image left this machine: sent to http:\/\/\[::ffff:7f00:1\]:\d+\/v1\.$/);
  assert.ok(!JSON.stringify(r).includes('sk-test-remote-key'));
});

test('ask errors name the line and field', async (t) => {
  const server = await startOpenAIServer();
  t.after(() => server.close());
  const { fails, cell } = await askKernel(t, server);
  assert.match(
    (await fails('ask: q\nquestion: why?\nllm: {model: m}\n')).error!,
    /^line 1, field `ask`: An ask cell needs "score:"/,
  );
  assert.match(
    (await fails(cell('image: 400\n'))).error!,
    /^line 6, field `image`: There is no image 400 in score "s"/,
  );
  assert.match(
    (await fails(cell('image: 1\n').replace('llm: {model: local-test}', 'llm: {model: local-test, n: 2}'))).error!,
    /field `llm\.n`: "n" is not an option of llm/,
  );
  assert.equal(server.chatCount(), 0);
});

test(
  'ask renderer: the answer as text with mentioned descriptors marked, made-up citations flagged, messages shown',
  { skip: chromiumSkipReason() },
  async (t) => {
    const server = await startOpenAIServer({ script: [HOSTILE_REPLY] });
    t.after(() => server.close());
    const { must, cell } = await askKernel(t, server);
    const data = (await must(cell('image: nodule/nodule-002.png\n'))).outputs[0].data as AskResult;
    const view = await openRendererPage(t, 'ask', MIME.ask);
    await view.render(data);
    const root = view.page.locator('.symptom-lens-output');
    const text = root.locator('[data-testid="answer-text"]');
    await text.waitFor();
    assert.equal(await text.textContent(), HOSTILE_REPLY);
    assert.deepEqual(await text.locator('mark').allTextContents(), ['enlarged heart shadow']);
    assert.equal(await root.locator('script, img').count(), 0);
    assert.match(
      (await root.locator('.sl-notice').textContent()) ?? '',
      /"ground-glass halo", which is not among the descriptors/,
    );
    await root.locator('[data-testid="messages"] summary').click();
    assert.equal(await root.locator('[data-testid="messages"] pre').count(), 2);
    await view.render({ ...data, answers: [{ answer: 3 }] });
    assert.match((await root.locator('.sl-notice').textContent()) ?? '', /answers\[0\]\.answer/);
    assert.deepEqual(view.problems.dialogs, []);
    assert.deepEqual(view.problems.errors, []);
    assert.deepEqual(view.problems.requests, []);
  },
);

test("the demo notebook's ask reply is committed, and says only what its recorded prompt says", async () => {
  const { promises: fs } = await import('node:fs');
  const path = await import('node:path');
  const { scriptedAnswer } = await import('../../examples/ask-cache/record');
  const dir = path.join(__dirname, '../../examples/ask-cache/llm');
  const files = (await fs.readdir(dir, { recursive: true })).filter((f) => String(f).endsWith('.json'));
  assert.equal(files.length, 1);
  const entry = JSON.parse(await fs.readFile(path.join(dir, String(files[0])), 'utf8')) as {
    request: { model: string; messages: { role: string; content: string }[] };
    reply: string;
  };
  assert.equal(entry.request.model, 'scripted-demo');
  assert.equal(entry.reply, scriptedAnswer(entry.request.messages[1].content));
  assert.match(entry.reply, /"blunted costophrenic angle"/);
});
