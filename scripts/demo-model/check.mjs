// Checks the exported demo model folder from the product's side of the fence:
//  1. tokenizer.json, loaded by @huggingface/tokenizers, gives the same ids as the Python tokenizer
//     used in training (WORKDIR/token-reference.json);
//  2. onnxruntime-node on onnx/*.onnx reproduces the torch outputs (WORKDIR/reference.json),
//     including a padded text batch and batch sizes above one.
// usage: node scripts/demo-model/check.mjs MODEL_DIR WORKDIR
import fs from 'node:fs';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import ort from 'onnxruntime-node';

const [modelDir, workDir] = process.argv.slice(2);
const readJson = (p) => JSON.parse(fs.readFileSync(p, 'utf8'));
let failures = 0;
const fail = (msg) => { failures++; console.error('FAIL ' + msg); };

const tokenizer = new Tokenizer(readJson(path.join(modelDir, 'tokenizer.json')), readJson(path.join(modelDir, 'tokenizer_config.json')));
const tokenRef = readJson(path.join(workDir, 'token-reference.json'));
let mismatches = 0;
for (const [text, ids] of tokenRef) {
  const got = tokenizer.encode(text).ids;
  if (JSON.stringify(got) !== JSON.stringify(ids)) {
    if (++mismatches <= 3) fail(`tokenizer: ${JSON.stringify(text)} -> ${got} (python: ${ids})`);
  }
}
console.log(`tokenizer: ${tokenRef.length} strings, ${mismatches} mismatches`);
if (mismatches) failures++;

const ref = readJson(path.join(workDir, 'reference.json'));
function maxAbsDiff(data, rows) {
  const flat = rows.flat();
  let d = 0;
  for (let i = 0; i < flat.length; i++) d = Math.max(d, Math.abs(data[i] - flat[i]));
  return d;
}
const opts = { intraOpNumThreads: 2 };
const vision = await ort.InferenceSession.create(path.join(modelDir, 'onnx', 'vision_model.onnx'), opts);
const v = await vision.run({ pixel_values: new ort.Tensor('float32', Float32Array.from(ref.pixel_values), ref.pixel_shape) });
const dv = maxAbsDiff(v.image_embeds.data, ref.image_embeds);
console.log(`vision: inputs ${vision.inputNames} outputs ${vision.outputNames}; image_embeds ${v.image_embeds.dims} max |diff| ${dv.toExponential(2)}; last_hidden_state ${v.last_hidden_state.dims}`);
if (!(dv < 1e-3)) fail('vision embeddings differ from torch');
if (JSON.stringify(v.last_hidden_state.dims) !== JSON.stringify(ref.vision_hidden_shape)) fail('vision last_hidden_state shape');

const text = await ort.InferenceSession.create(path.join(modelDir, 'onnx', 'text_model.onnx'), opts);
const shape = [ref.input_ids.length, ref.input_ids[0].length];
const t = await text.run({
  input_ids: new ort.Tensor('int64', BigInt64Array.from(ref.input_ids.flat().map(BigInt)), shape),
  attention_mask: new ort.Tensor('int64', BigInt64Array.from(ref.attention_mask.flat().map(BigInt)), shape),
});
const dt = maxAbsDiff(t.text_embeds.data, ref.text_embeds);
console.log(`text: inputs ${text.inputNames} outputs ${text.outputNames}; text_embeds ${t.text_embeds.dims} max |diff| ${dt.toExponential(2)}`);
if (!(dt < 1e-3)) fail('text embeddings differ from torch');

// the JS tokenizer's ids for the reference texts, padded to the context length with mask 0,
// must give the same embeddings: padding after the end token never matters
const ctx = readJson(path.join(modelDir, 'tokenizer_config.json')).model_max_length;
const ids = [], mask = [];
for (const s of ref.texts) {
  const e = tokenizer.encode(s).ids;
  ids.push(...e, ...Array(ctx - e.length).fill(e[e.length - 1]));
  mask.push(...e.map(() => 1), ...Array(ctx - e.length).fill(0));
}
const t2 = await text.run({
  input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [ref.texts.length, ctx]),
  attention_mask: new ort.Tensor('int64', BigInt64Array.from(mask.map(BigInt)), [ref.texts.length, ctx]),
});
const dp = maxAbsDiff(t2.text_embeds.data, ref.text_embeds);
console.log(`text padded to ${ctx} by the JS tokenizer: max |diff| ${dp.toExponential(2)}`);
if (!(dp < 1e-3)) fail('padding to the context length changes text embeddings');

console.log(failures ? `${failures} check(s) failed` : 'all checks passed');
process.exit(failures ? 1 : 0);
