// Fault suite, class "hang": every loop over untrusted input makes progress and every wait has
// a limit. Hostile markdown and YAML (seeded fuzzing, in a child process with a wall-clock
// limit, so that a hang fails the test instead of the runner), special files named by a CSV,
// and HTTP servers that send headers and then trickle the body.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { DeadlineError, withDeadline } from '../../src/common/deadline';
import { loadImageSet } from '../../src/images/imageSet';
import { runBounded } from '../helpers/bounded';
import { newLlmKernel } from '../helpers/llmKernel';
import { startOpenAIServer } from '../helpers/openaiServer';

/** Inputs each fuzz child tries (plus its fixed pathological documents). */
const MARKDOWN_FUZZ = 2000;
const YAML_FUZZ = 2000;
/** Bounds the children hold: wall-clock (generous: 2 shared cores) and peak memory. */
const FUZZ_LIMIT_MS = 90_000;
const FUZZ_RSS_MIB = 512;

test(`hostile markdown: ${MARKDOWN_FUZZ} seeded documents + 11 pathological ones render, safely, within bounds`, async () => {
  const run = await runBounded('test/helpers/children/markdown.ts', ['20261201', String(MARKDOWN_FUZZ)], FUZZ_LIMIT_MS);
  assert.equal(run.timedOut, false, `the markdown renderer hung (killed after ${FUZZ_LIMIT_MS} ms)`);
  assert.equal(run.code, 0, run.stderr);
  const result = run.result as { rendered: number; slowest: { name: string; ms: number }; unsafe: string[] };
  assert.equal(result.rendered, MARKDOWN_FUZZ + 11);
  assert.deepEqual(result.unsafe, [], 'markup outside the safe set');
  assert.ok(run.peakRssMiB < FUZZ_RSS_MIB, `peak RSS ${run.peakRssMiB.toFixed(0)} MiB ≥ ${FUZZ_RSS_MIB} MiB`);
  assert.ok(result.slowest.ms < 20_000, `slowest document "${result.slowest.name}" took ${result.slowest.ms} ms`);
});

test('the fence info strings that looped the old renderer (c#, {r}) render as code', async () => {
  const { renderMarkdown } = await import('../../src/report/markdown');
  const html = renderMarkdown('```c#\nint x;\n```\n\n```{r}\nx <- 1\n```\n');
  assert.match(html, /<pre><code class="language-c#">int x;\n<\/code><\/pre>/);
  assert.match(html, /<code class="language-\{r\}">x &lt;- 1\n<\/code>/);
});

test(`hostile YAML cells: ${YAML_FUZZ} seeded cells + 6 pathological ones are parsed or refused with a located error`, async () => {
  const run = await runBounded('test/helpers/children/yaml.ts', ['7', String(YAML_FUZZ)], FUZZ_LIMIT_MS);
  assert.equal(run.timedOut, false, `the cell parser hung (killed after ${FUZZ_LIMIT_MS} ms)`);
  assert.equal(run.code, 0, run.stderr);
  const result = run.result as { tried: number; unexpected: string[]; slowest: { name: string; ms: number } };
  assert.equal(result.tried, YAML_FUZZ + 6);
  assert.deepEqual(result.unexpected, [], 'failures that are not a located CellError');
  assert.ok(run.peakRssMiB < FUZZ_RSS_MIB, `peak RSS ${run.peakRssMiB.toFixed(0)} MiB ≥ ${FUZZ_RSS_MIB} MiB`);
  // 20,000 keys in one mapping took 7 s through the yaml package's pairwise unique-key check.
  assert.ok(result.slowest.ms < 15_000, `slowest cell "${result.slowest.name}" took ${result.slowest.ms} ms`);
});

test(
  'a CSV naming /dev/zero, /dev/urandom, a FIFO, a socket and a folder: each skipped by name, the rest loads',
  { timeout: 20_000 },
  async (t) => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-special-'));
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
      .png()
      .toFile(path.join(dir, 'good.png'));
    execFileSync('mkfifo', [path.join(dir, 'pipe.png')]);
    const socket = net.createServer().listen(path.join(dir, 'sock.png'));
    t.after(() => socket.close());
    await fs.mkdir(path.join(dir, 'folder.png'));
    const special = [
      '/dev/zero',
      '/dev/urandom',
      path.join(dir, 'pipe.png'),
      path.join(dir, 'sock.png'),
      path.join(dir, 'folder.png'),
    ];
    await fs.writeFile(
      path.join(dir, 'labels.csv'),
      ['path,label', 'good.png,normal', ...special.map((p) => `${p},normal`)].join('\n'),
    );
    const started = Date.now();
    const set = await loadImageSet({ name: 's', from: 'labels.csv', baseDir: dir });
    assert.ok(Date.now() - started < 10_000, 'special files did not hold the images step');
    assert.deepEqual(
      set.entries.map((e) => e.id),
      ['good.png'],
    );
    assert.equal(set.skipped.length, special.length);
    for (const file of special) {
      // Named as the image set names it: relative to the notebook's folder.
      const name = path.relative(dir, file);
      const skip = set.skipped.find((s) => s.reason.includes(name));
      assert.ok(skip, `${name} is skipped by name`);
      assert.match(skip.reason, /not an image file|a device|FIFO|socket|folder/);
    }
  },
);

test('an LLM server that sends headers and trickles the body is abandoned at the request timeout', async (t) => {
  const server = await startOpenAIServer({ script: [{ trickleMs: 100 }] });
  t.after(() => server.close());
  const { kernel } = await newLlmKernel({ timeoutMs: 1500 });
  const started = Date.now();
  const out = await kernel.runCell(
    'g',
    `generate: g\nclasses: [effusion]\nmodality: chest X-ray\nllm: {model: m}\nendpoint: ${server.baseUrl}\n`,
  );
  const took = Date.now() - started;
  assert.equal(out.ok, false);
  assert.match(out.error!, /did not answer within 2 s/);
  assert.ok(took < 6000, `gave up after ${took} ms`);
});

test('withDeadline (LLM requests, hub downloads) covers the body of a trickling download', async (t) => {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.flushHeaders();
    const timer = setInterval(() => res.write('x'), 50);
    res.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/model.onnx`;
  const started = Date.now();
  await assert.rejects(
    withDeadline(800, undefined, async (signal) => (await fetch(url, { signal })).arrayBuffer()),
    (err) => err instanceof DeadlineError && /within 800 ms/.test(err.message),
  );
  assert.ok(Date.now() - started < 3000);
});
