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
  /** DICOM rendering options the images cell set (absent: the defaults); other formats ignore them. */
  decode?: DicomDecodeOptions;
  /** Imported sets (`embeddings:`): the image's unit vector from the file; no image is encoded. */
  embedding?: Float32Array;
  /** Imported sets: false when the image file is not on this machine (galleries show a placeholder). */
  onDisk?: boolean;
}

/** What an images cell with `embeddings:` read, for its output, results.json and the score's checks. */
export interface ImportedEmbeddings {
  /** The folder or file as written in the cell. */
  source: string;
  format: 'clip-retrieval' | 'parquet';
  dim: number;
  /** Rows in the file(s), and how many of them matched an image of the set. */
  rows: number;
  matched: number;
  /** Matched images whose file is not on this machine. */
  notOnDisk: number;
  /** Recorded in the file by the writer (the export step); absent: the model cannot be verified. */
  modelFingerprint?: string;
  preprocessKey?: string;
  model?: string;
  notes: string[];
}

/** The lines the images output (renderer and markdown) gives a set read with `embeddings:`. */
export function describeImportedEmbeddings(e: ImportedEmbeddings): string[] {
  return [
    `Embeddings from ${e.source} (${e.format === 'clip-retrieval' ? 'clip-retrieval layout' : 'Parquet'}): ${e.matched} of ${e.rows} rows matched, ${e.dim} dimensions; no image is encoded.` +
      (e.notOnDisk ? ` ${e.notOnDisk} images are not on this machine (shown as placeholders).` : ''),
    e.modelFingerprint
      ? `Made by model ${e.model ? `"${e.model}" ` : ''}with fingerprint ${e.modelFingerprint.slice(0, 12)}…: a score checks its model against it.`
      : 'The file does not record which model made it: a score cannot verify its model and flags that.',
    ...e.notes,
  ];
}

/** How a DICOM file becomes 8-bit grey levels: `auto` = VOI LUT, else first window, else min–max. */
export interface DicomDecodeOptions {
  window: 'auto' | 'minmax' | { center: number; width: number };
  /** Multi-frame files: the first frame or the middle one (index floor(frames / 2)). */
  frame: 'first' | 'middle';
}

/** Per image set: how many DICOM files used each way of choosing grey levels. */
export interface DicomSummary {
  files: number;
  voiLut: number;
  window: number;
  minmax: number;
  /** Colour files (RGB, YBR, palette): no VOI. */
  colour: number;
  inverted: number;
}

/** The one line the images output (renderer and markdown) gives a set's DICOM files. */
export function describeDicomSummary(d: DicomSummary): string {
  return (
    `DICOM: ${d.files} files — VOI LUT ${d.voiLut}, window ${d.window}, min–max ${d.minmax}` +
    `${d.colour ? `, colour ${d.colour}` : ''}; inverted ${d.inverted}.`
  );
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
  /** Present when the set holds DICOM files. */
  dicom?: DicomSummary;
  /** Present when the vectors came from an `embeddings:` file. */
  imported?: ImportedEmbeddings;
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
