// The data every step shares: a labelled image set and a descriptor set, as the session holds them.

export interface ImageEntry {
  /** Absolute path on disk. */
  path: string;
  /** Path as the user wrote it / relative to the notebook: what outputs show. */
  id: string;
  /** Single-label class, or undefined for multi-label sets. */
  label?: string;
  /** Multi-label sets: class -> 0/1. */
  labels?: Record<string, number>;
  /** sha256 of the file bytes, hex. */
  contentHash: string;
}

export interface ImageSet {
  name: string;
  entries: ImageEntry[];
  classes: string[];
  multiLabel: boolean;
  /** Files that could not be read/decoded: reported by name, skipped. */
  skipped: { id: string; reason: string }[];
  /** Hash over (id, contentHash, label) of every entry: part of every run record. */
  hash: string;
}

export interface DescriptorSet {
  name: string;
  /** Class -> raw descriptors (empty = class name only). Order of keys = class order. */
  classes: Record<string, string[]>;
  /** Sentence template with {class} and {descriptor}; undefined = the Menon & Vondrick rule. */
  template?: string;
  /** Class-name template used for empty lists, e.g. "a chest x-ray showing {class}". */
  templateClass?: string;
  negatives?: Record<string, string[]>;
  /** sha256 of a canonical JSON of the above. */
  hash: string;
  /** Where it came from: a descriptors cell, a generate cell, or a control built from a set. */
  source: 'descriptors' | 'generate' | 'control';
}
