// The part of dcmjs this project uses (the package ships no types).
declare module 'dcmjs' {
  interface DicomDict {
    meta: Record<string, unknown>;
    dict: Record<string, unknown>;
    write(options?: Record<string, unknown>): ArrayBuffer;
  }
  export const data: {
    DicomDict: new (meta: Record<string, unknown>) => DicomDict;
    DicomMessage: {
      readFile(buffer: ArrayBuffer, options?: Record<string, unknown>): DicomDict;
    };
    DicomMetaDictionary: {
      naturalizeDataset(dataset: Record<string, unknown>): Record<string, unknown>;
      denaturalizeDataset(dataset: Record<string, unknown>): Record<string, unknown>;
    };
  };
  interface Logger {
    setLevel(level: string): void;
  }
  export const log: Logger & { getLogger(name: string): Logger };
}
