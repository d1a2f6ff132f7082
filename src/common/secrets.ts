// Secrets (LLM keys, hub tokens) must never reach a message, an output, a cache file, a report or
// a log line. Every text that leaves a client (server bodies included: OpenAI's 401 body quotes
// part of the key, and a hostile server may echo it in the reply or the model name) goes through
// `redact` first. It catches the key as written, in part, and re-encoded: base64 (also inside a
// longer base64 string such as a Basic header), hex, URL-encoded and spaced out.

const MASK = '[redacted]';
/** Shortest run of key characters treated as identifying: short enough to catch the partial
 * keys that servers echo ("sk-abc***wxyz"), long enough not to hit ordinary words. */
const MIN_RUN = 6;
/** The same for hex, whose alphabet is small: 12 hex digits are 6 bytes of the key. */
const MIN_HEX_RUN = 12;

/** `text` with every form of every given secret (and anything shaped like a known token) masked. */
export function redact(text: string, secrets: string | readonly (string | undefined)[] | undefined): string {
  let out = text;
  for (const secret of typeof secrets === 'string' ? [secrets] : (secrets ?? [])) {
    if (secret && secret.length >= MIN_RUN) out = redactOne(out, secret);
  }
  // Anything shaped like an OpenAI key or a Hugging Face token, even one that is not ours.
  return out.replace(/\b(?:sk-[A-Za-z0-9_\-*.]{3,}|hf_[A-Za-z0-9]{8,})/g, MASK);
}

function redactOne(text: string, secret: string): string {
  let out = text;
  for (const form of [secret, encodeURIComponent(secret)]) out = out.split(form).join(MASK);
  out = out.replace(spacedOut(secret), MASK);
  const cores = base64Cores(secret);
  out = out.replace(/[A-Za-z0-9+/_-]{8,}={0,2}/g, (token) => (cores.some((c) => token.includes(c)) ? MASK : token));
  const hex = Buffer.from(secret, 'utf8').toString('hex');
  out = out.replace(/[0-9a-fA-F]{12,}/g, (token) => (sharesRun(token.toLowerCase(), hex, MIN_HEX_RUN) ? MASK : token));
  return out.replace(/[A-Za-z0-9_\-.~+/=]{6,}/g, (token) => (sharesRun(token, secret, MIN_RUN) ? MASK : token));
}

/** The key with up to 3 separators (spaces, dots, dashes…) between its characters. */
function spacedOut(secret: string): RegExp {
  const chars = [...secret].map((c) => c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'));
  return new RegExp(chars.join('[^A-Za-z0-9]{0,3}'), 'g');
}

/**
 * The parts of the key's base64 that do not depend on what comes before or after it, for each
 * of the three alignments it can have inside a longer encoded string (standard and URL-safe).
 */
function base64Cores(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const cores: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    // Skip the 4-character group that mixes in the prefix and the last one that mixes in a suffix.
    const start = shift === 0 ? 0 : 4;
    const core = encoded.slice(start, Math.floor(((shift + bytes.length) / 3) * 4) - 4);
    if (core.length >= 8) cores.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return cores;
}

function sharesRun(token: string, secret: string, run: number): boolean {
  for (let i = 0; i + run <= token.length; i++) {
    if (secret.includes(token.slice(i, i + run))) return true;
  }
  return false;
}

/** Option names whose values are secrets wherever they appear in a cell's YAML. */
const SECRET_FIELD =
  /((?:^|[\s{,])["']?[\w.-]{0,40}(?:api[_-]?key|apikey|token|secret|password|passwd|authorization|bearer)[\w.-]{0,40}["']?\s*:[ \t]*)([^\s,}#][^,}\n#]*)/gim;

/**
 * A cell's source as it may be shown in a report: values of key-, token- and password-like
 * fields masked, and every known secret and key-shaped text redacted.
 */
export function redactSource(source: string, secrets?: readonly (string | undefined)[]): string {
  return redact(
    source.replace(SECRET_FIELD, (_m, field: string) => `${field}${MASK}`),
    secrets,
  );
}
