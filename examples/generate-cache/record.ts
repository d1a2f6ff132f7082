// Records the completion cache that lets the demo notebook's generate cell run offline.
//
//   node --import tsx examples/generate-cache/record.ts
//
// No LLM is involved: the replies below are written by hand, in the styles real models answer
// in (bullets of several kinds, a first line without its bullet, a lead-in line), and served by
// the tests' local chat-completions server on Ollama's port. The demo cell names that endpoint
// and the model "scripted-demo", so its output says exactly where the text came from; point it
// at a real model and add `refresh: true` to ask one.
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { startOpenAIServer } from '../../test/helpers/openaiServer';

/** The generate cell of examples/demo.lensnb, exactly. */
export const DEMO_GENERATE_CELL = `generate: llm
classes: [normal, effusion, cardiomegaly, nodule, pneumothorax]
modality: chest X-ray
prompt: medical
llm: {model: scripted-demo}
endpoint: http://localhost:11434/v1
cache: generate-cache`;

export const DEMO_REPLIES: Record<string, string> = {
  normal: 'Here are the key visual findings:\n- clear lung fields\n- sharp costophrenic angles\n- normal heart size\n- symmetric lung markings reaching the chest wall\n- crisp diaphragm domes',
  effusion: 'blunted costophrenic angle\n- fluid meniscus at the lung base\n- homogeneous opacity with a concave upper border\n- obscured hemidiaphragm\n- hazy lower zone',
  cardiomegaly: '1. enlarged heart shadow\n2. cardiothoracic ratio above one half\n3. wide cardiac silhouette\n4. globular heart\n5. broad heart border',
  nodule: '• round opacity\n• well circumscribed opacity\n• small round density in the lung\n• solitary round shadow\n• spherical density',
  pneumothorax: '* visible pleural line\n* **absent lung markings at the periphery**\n* lucent rim without lung markings\n* lung edge separated from the chest wall\n* dark apical rim',
};

const NOTEBOOK = path.resolve(__dirname, '../demo.lensnb');

async function record(): Promise<void> {
  const server = await startOpenAIServer({
    port: 11434,
    reply: (req) => {
      const prompt = req.body?.messages?.at(-1)?.content ?? '';
      const asked = [...prompt.matchAll(/distinguishing (.+?) in a/g)].at(-1)?.[1] ?? '';
      const reply = DEMO_REPLIES[asked];
      if (!reply) throw new Error(`no scripted reply for "${asked}"`);
      return reply;
    },
  });
  try {
    const kernel = new Kernel({ notebookPath: NOTEBOOK, secrets: { getApiKey: async () => undefined } });
    const out = await kernel.runCell('generate', `${DEMO_GENERATE_CELL}\nrefresh: true\n`);
    if (!out.ok) throw new Error(out.error);
    process.stdout.write(`recorded ${server.chatCount()} completions into ${path.relative(process.cwd(), path.join(path.dirname(NOTEBOOK), 'generate-cache'))}\n`);
  } finally {
    await server.close();
  }
}

if (require.main === module) {
  record().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
