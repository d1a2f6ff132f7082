// Records the completion cache that lets the demo notebook's ask cell run offline.
//
//   node --import tsx examples/ask-cache/record.ts
//
// No LLM is involved: the reply is written by the function below from the evidence in the
// prompt (the predicted class's two strongest descriptors, the runner-up, the occlusion summary),
// and served by the tests' local chat-completions server on Ollama's port. The demo cell names
// that endpoint and the model "scripted-demo", so its output says where the text came from.
// The notebook's cells before the ask cell run first (the generate cell from its own cache).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { parseNotebook } from '../../src/kernel/nbformat';
import { startOpenAIServer } from '../../test/helpers/openaiServer';

const NOTEBOOK = path.resolve(__dirname, '../demo.lensnb');

/** A reply that says only what the evidence in `prompt` says. */
export function scriptedAnswer(prompt: string): string {
  const predicted = /^Predicted class: (\S+)/m.exec(prompt)?.[1];
  const runnerUp = /^Margin over the runner-up \(([^)]+)\): ([\d.]+)/m.exec(prompt);
  const block = predicted ? new RegExp(`^${predicted}:\\n((?:- .*\\n?)+)`, 'm').exec(prompt)?.[1] : undefined;
  const top = [...(block ?? '').matchAll(/^- "([^"]+)": ([\d.]+)/gm)].slice(0, 2);
  const occlusion = /the largest drop \(([\d.]+)\) is at (x [\d–]+, y [\d–]+) of the (\d+×\d+)-pixel image/.exec(prompt);
  if (!predicted || !runnerUp || top.length < 2 || !occlusion) throw new Error('the prompt lacks the evidence the script reads');
  return [
    `For ${predicted}: its descriptors match best, "${top[0][1]}" at ${top[0][2]} and "${top[1][1]}" at ${top[1][2]}, and the class leads ${runnerUp[1]} by a margin of ${runnerUp[2]}.`,
    `The occlusion map agrees: greying the region at ${occlusion[2]} of the ${occlusion[3]} image lowers the similarity most (by ${occlusion[1]}), so the evidence sits in one place rather than across the whole image.`,
    `Against it: nothing in these scores; the runner-up's descriptors stay well below. This describes what the classifier saw, not a diagnosis.`,
  ].join('\n\n');
}

async function record(): Promise<void> {
  const server = await startOpenAIServer({
    port: 11434,
    reply: (req) => {
      const last = req.body?.messages?.at(-1)?.content;
      return scriptedAnswer(typeof last === 'string' ? last : '');
    },
  });
  const model = parseNotebook(await fs.readFile(NOTEBOOK, 'utf8'), 'demo.lensnb');
  const kernel = new Kernel({ notebookPath: NOTEBOOK, secrets: { getApiKey: async () => undefined } });
  try {
    for (const [i, cell] of model.cells.entries()) {
      if (cell.kind !== 'code') continue;
      const ask = cell.source.startsWith('ask:');
      const out = await kernel.runCell(String(i), ask ? `${cell.source}\nrefresh: true\n` : cell.source);
      if (!out.ok) throw new Error(`cell ${i + 1}: ${out.error}`);
    }
    process.stdout.write(`recorded ${server.chatCount()} completions into examples/ask-cache\n`);
  } finally {
    await kernel.dispose();
    await server.close();
  }
}

if (require.main === module) {
  record().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
