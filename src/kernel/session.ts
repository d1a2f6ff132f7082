// Everything the cells of one notebook have defined so far. Names live per kind (an image set
// and a model may share a name). Each definition bumps a version so that cells which read an
// older version can be shown as stale.
import type { ClipModel } from '../clip/types';
import { releaseModel } from './modelPool';
import type { DescriptorSet, ImageSet } from '../protocol/dataset';
import type { AskThread } from '../llm/ask';
import type { ExplainResult, ScoreResult } from '../protocol/results';

export type SessionKind = 'images' | 'model' | 'descriptors' | 'score' | 'explain' | 'ask';

export interface LoadedModel {
  name: string;
  path: string;
  /** As the run record states it: the folder as written, or ORG/NAME@COMMIT for a hub model. */
  source: string;
  model: ClipModel;
  /** Path + load options: re-running an unchanged model cell reuses the loaded sessions. */
  loadKey: string;
}

export class Session {
  readonly imageSets = new Map<string, ImageSet>();
  readonly models = new Map<string, LoadedModel>();
  readonly descriptorSets = new Map<string, DescriptorSet>();
  readonly scores = new Map<string, ScoreResult>();
  /** Explanations, for ask cells that ground their prompt in an occlusion map. */
  readonly explanations = new Map<string, ExplainResult>();
  /** The conversations of ask cells, which `follow:` continues. */
  readonly conversations = new Map<string, AskThread>();
  private readonly versions = new Map<string, number>();
  private readonly definitions = new Map<string, string>();

  static key(kind: SessionKind, name: string): string {
    return `${kind}:${name}`;
  }

  /** Record that `kind:name` was (re)defined; returns its new version. */
  bump(key: string): number {
    const v = (this.versions.get(key) ?? 0) + 1;
    this.versions.set(key, v);
    return v;
  }

  /**
   * Record that `kind:name` was defined by a run described by `hash`; the version moves only
   * when the hash differs from the last definition's, so a no-op re-run marks nothing stale.
   */
  define(key: string, hash: string): number {
    if (this.definitions.get(key) === hash && this.versions.has(key)) return this.version(key);
    this.definitions.set(key, hash);
    return this.bump(key);
  }

  version(key: string): number {
    return this.versions.get(key) ?? 0;
  }

  /**
   * Hand the models back to the pool (it keeps them loaded a while for the next notebook) and
   * drop what the cells defined: at 100,000 images an image set's embeddings alone are 200 MB.
   */
  async dispose(): Promise<void> {
    for (const m of this.models.values()) releaseModel(m.loadKey);
    this.models.clear();
    for (const defined of [this.imageSets, this.descriptorSets, this.scores, this.explanations, this.conversations])
      defined.clear();
  }
}
