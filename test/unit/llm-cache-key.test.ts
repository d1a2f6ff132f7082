// The completion cache key of an ask prompt survives a printed score that another CPU rounds
// differently, and still changes with anything that changes the evidence.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { CompletionCache, type CompletionRequest } from '../../src/llm/cache';

const ASK_CACHE = path.join(__dirname, '../../examples/ask-cache/llm');

function request(evidence: string, inputs?: Record<string, string>, question = 'Why effusion?'): CompletionRequest {
  return {
    endpoint: 'http://localhost:11434/v1',
    model: 'scripted-demo',
    messages: [
      { role: 'system', content: 'Answer from the evidence.' },
      { role: 'user', content: `${evidence}\n\nQuestion: ${question}` },
    ],
    parameters: { temperature: 0 },
    sample: 0,
    ...(inputs ? { inputs } : {}),
  };
}

const INPUTS = { model: 'fingerprint-a', images: 'set-a', method: 'mean', descriptors: 'hash-a' };
const EVIDENCE = 'Predicted class: effusion\n- effusion: 0.873\n- "blunted costophrenic angle": -0.115';
const key = (evidence: string, inputs?: Record<string, string>) => CompletionCache.key(request(evidence, inputs));

test('ask key: a last printed digit rounded the other way still finds the reply', () => {
  assert.equal(key(EVIDENCE, INPUTS), key(EVIDENCE.replace('0.873', '0.874').replace('-0.115', '-0.114'), INPUTS));
});

test('ask key: the inputs, classes, descriptors and question still count', () => {
  const base = key(EVIDENCE, INPUTS);
  assert.notEqual(base, key(EVIDENCE, { ...INPUTS, model: 'fingerprint-b' }));
  assert.notEqual(base, key(EVIDENCE, { ...INPUTS, images: 'set-b' }));
  assert.notEqual(base, key(EVIDENCE.replace('Predicted class: effusion', 'Predicted class: nodule'), INPUTS));
  assert.notEqual(base, key(EVIDENCE.replace('blunted', 'sharp'), INPUTS));
  assert.notEqual(base, CompletionCache.key(request(EVIDENCE, INPUTS, 'Why nodule?')), 'the question, as written');
});

test('prompts without inputs (generate) keep exact keys', () => {
  assert.notEqual(key(EVIDENCE), key(EVIDENCE.replace('0.873', '0.874')));
});

test("the demo's committed ask reply is filed under the key this code computes", () => {
  const files = readdirSync(ASK_CACHE, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.json'));
  assert.equal(files.length, 1);
  const entry = JSON.parse(readFileSync(path.join(ASK_CACHE, files[0]), 'utf8')) as { request: CompletionRequest };
  assert.ok(entry.request.inputs, 'the entry records the inputs its key covers');
  assert.equal(`${CompletionCache.key(entry.request)}.json`, path.basename(files[0]));
});
