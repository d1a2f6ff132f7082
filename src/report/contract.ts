// What the report writer (Node) and the report page's script (browser) agree on.

/** The JSON report.ts writes into <script type="application/json" id="sl-report-data">. */
export interface ReportData {
  /** Keyed by the data-output attribute of each output's placeholder. */
  outputs: Record<string, { mime: string; renderer: string; data: unknown }>;
}

export const DATA_ELEMENT_ID = 'sl-report-data';

/** The global on which each inlined renderer bundle registers its activate function. */
export const REGISTRY = '__symptomLensRenderers';
