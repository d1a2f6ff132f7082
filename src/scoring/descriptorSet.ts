// Building a DescriptorSet: shared by hand-written `descriptors` cells and LLM `generate` cells,
// so that a score cell cannot tell them apart.
import { canonicalJson, hashKey } from '../cache/hash';
import type { DescriptorSet } from '../protocol/dataset';

export function makeDescriptorSet(fields: Omit<DescriptorSet, 'hash'>): DescriptorSet {
  const { name: _name, source: _source, ...content } = fields;
  void _name;
  void _source;
  // The hash covers what changes scores, not the set's name: renaming a set keeps its identity.
  return { ...fields, hash: hashKey('descriptors', canonicalJson(content)) };
}
