// Number and name formatting shared by the renderers, so every output writes a metric the same way.

/** A rate in [0, 1] as a percentage with one decimal: 0.8234 → "82.3 %". */
export function percent(x: number | null | undefined): string {
  return typeof x === 'number' && Number.isFinite(x) ? `${(x * 100).toFixed(1)} %` : '—';
}

/** A score such as an AUROC or a cosine: three decimals. */
export function decimal(x: number | null | undefined, digits = 3): string {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '—';
}

/** A difference with its sign (a true minus sign, not a hyphen): +0.012, −0.004, 0.000. */
export function signed(x: number | null | undefined, digits = 3): string {
  if (typeof x !== 'number' || !Number.isFinite(x)) return '—';
  const text = Math.abs(x).toFixed(digits);
  if (Number(text) === 0) return text;
  return `${x > 0 ? '+' : '\u2212'}${text}`;
}

/** A p value with three decimals; below that resolution it reads "p < 0.001", never "p = 0.000". */
export function pValue(p: number | null | undefined): string {
  if (typeof p !== 'number' || !Number.isFinite(p)) return 'p —';
  return p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(3)}`;
}

/** The last path segment: what a card or a tick label shows (the full id goes in a tooltip). */
export function basename(id: string): string {
  const parts = id.split(/[\\/]/);
  return parts[parts.length - 1] || id;
}

/** Long text cut to `max` characters with an ellipsis (full text in a tooltip next to it). */
export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, Math.max(1, max - 1))}…` : text;
}

export function shortHash(hash: string | undefined): string {
  return hash ? hash.slice(0, 12) : '—';
}

export function duration(ms: number | undefined): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '—';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
