// Writes examples/demo.lensnb from the cells below, in the exact format the serializer writes,
// so the committed file round-trips unchanged. Run: node --import tsx scripts/write-demo-notebook.ts
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_NOTEBOOK_METADATA, serializeNotebook, type NotebookCellModel } from '../src/kernel/nbformat';

const md = (source: string): NotebookCellModel => ({
  kind: 'markdown',
  source: source.trim(),
  language: 'markdown',
  metadata: {},
  outputs: [],
});
const yaml = (source: string): NotebookCellModel => ({
  kind: 'code',
  source: source.trim(),
  language: 'yaml',
  metadata: {},
  outputs: [],
  executionCount: null,
});

const cells: NotebookCellModel[] = [
  md(`
# Symptom Lens demo: phantom chest X-rays

This notebook runs end to end with no download. The images are synthetic chest "phantoms" that
the project generates (\`scripts/demo-model\`), and the model is a small CLIP-style model the
project trains on them (\`models/demo\`). Each phantom shows at most one finding, at a recorded
position: a pleural **effusion**, an enlarged heart (**cardiomegaly**), a **nodule** or a
**pneumothorax**, or nothing (**normal**).

Run all cells (\`Run All\` above, or \`npx symptom-lens run examples/demo.lensnb\`).
`),
  md(`
## 1. The image set
One \`path,label\` row per image. Paths are relative to the notebook.
`),
  yaml(`
images: phantoms
from: data/labels.csv
`),
  md(`
## 2. The model
A folder in the Hugging Face / transformers.js ONNX layout. Point \`path:\` at a real CLIP,
BiomedCLIP-style or SigLIP export to use it instead.
`),
  yaml(`
model: demo
path: ../models/demo
`),
  md(`
## 3. Descriptor variants
The baseline scores each class by its name alone; \`v1\` describes what each finding looks like.
Edit a descriptor and re-run the score cell: only the edited text is re-encoded.
`),
  yaml(`
descriptors: names
template_class: "a chest x-ray showing {class}"
classes:
  normal: []
  effusion: []
  cardiomegaly: []
  nodule: []
  pneumothorax: []
`),
  yaml(`
descriptors: v1
classes:
  normal:
    - clear lung fields
    - sharp costophrenic angles
    - normal heart size
  effusion:
    - blunted costophrenic angle
    - fluid meniscus at the lung base
  cardiomegaly:
    - enlarged heart shadow
    - wide cardiac silhouette
  nodule:
    - round opacity in the lung
    - small well defined nodule
  pneumothorax:
    - lung edge without lung markings
    - lucent rim along the chest wall
`),
  md(`
## 4. Descriptors from an LLM
A \`generate\` cell asks an OpenAI-compatible endpoint for visual findings per class and becomes a
descriptor set like any other. Every completion is cached: this one runs offline from the
committed \`generate-cache/\` folder, whose replies were scripted for the demo (the model name
\`scripted-demo\` says so). To ask a real model, change \`llm.model\` and \`endpoint\` and add
\`refresh: true\`; set the key with **Symptom Lens: Set API Key** (or \`OPENAI_API_KEY\` for the CLI).
`),
  yaml(`
generate: llm
classes: [normal, effusion, cardiomegaly, nodule, pneumothorax]
modality: chest X-ray
prompt: medical
llm: {model: scripted-demo}
endpoint: http://localhost:11434/v1
cache: generate-cache
`),
  md(`
## 5. Compare
Metrics per variant (balanced accuracy beside accuracy), a confusion matrix, the similarity
heatmap (images × descriptors) and the failure gallery: click a card for that image's scores.
`),
  yaml(`
score: names-vs-v1
images: phantoms
model: demo
descriptors: [names, v1, llm]
method: mean
controls: [random-words, shuffled]
`),
  md(`
## 6. Explain one image
Per class, the image's similarity to each descriptor (bars, sorted) and the margin to the
runner-up class. The heatmap is an occlusion map: a grey patch slides over the image and each cell
shows how much the similarity to the target (a class, or one descriptor) drops when it is hidden.
The phantom's recorded lesion box is in \`data/labels.csv\`: the peak should land on it.
`),
  yaml(`
explain: effusion-case
score: names-vs-v1
variant: v1
image: data/effusion/effusion-000.png
target: effusion
patch: 24
stride: 8
`),
  yaml(`
explain: heart-by-descriptor
score: names-vs-v1
variant: v1
image: data/cardiomegaly/cardiomegaly-000.png
target: enlarged heart shadow
patch: 24
stride: 8
`),
  md(`
## 7. Search by text or by image
ELIXR's semantic search over the cached image embeddings: each query returns the top \`k\` images
with their cosine. A query with \`relevant:\` is judged by precision@k and NDCG@k; the means over
the judged queries get bootstrap intervals that resample queries. \`like:\` searches by an image.
`),
  yaml(`
search: findings
images: phantoms
model: demo
k: 8
queries:
  - {text: clear lung fields, relevant: normal}
  - {text: fluid meniscus at the lung base, relevant: effusion}
  - {text: enlarged heart shadow, relevant: cardiomegaly}
  - {text: round opacity, relevant: nodule}
  - {text: visible pleural line, relevant: pneumothorax}
  - {like: data/nodule/nodule-003.png}
`),
  md(`
## 8. Learning from a few labels
Half of each class is held out for testing; from the other half, 1 to 8 labelled images per class
train a linear probe on the image embeddings, a ViP-like merge of the descriptors
(\`descriptor-weights\`, whose learned weights show which symptoms the data says matter) and a
probe that starts from the zero-shot classifier. The dashed line is the zero-shot result.
`),
  yaml(`
fewshot: curve
images: phantoms
model: demo
descriptors: v1
shots: [1, 2, 4, 8]
repeats: 10
`),
  md(`
## 9. Ask about one image
An LLM answers from the evidence the notebook has: the true and predicted class, the class scores,
every descriptor's similarity and the explain map of step 6. Like the generate cell, this one runs
offline from a committed cache (\`ask-cache/\`) whose reply was scripted from that evidence (model
\`scripted-demo\`); point \`endpoint\` and \`llm.model\` at a real model and add \`refresh: true\`.
`),
  yaml(`
ask: why-effusion
score: names-vs-v1
variant: v1
image: data/effusion/effusion-000.png
question: Which findings argue for and against an effusion here?
llm: {model: scripted-demo}
endpoint: http://localhost:11434/v1
cache: ask-cache
`),
];

const file = path.resolve(__dirname, '../examples/demo.lensnb');
writeFileSync(file, serializeNotebook({ cells, metadata: { ...DEFAULT_NOTEBOOK_METADATA }, nbformatMinor: 5 }));
process.stdout.write(`wrote ${file}\n`);
