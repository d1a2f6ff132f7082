// Keys must never reach a message, an output, a cache file or a log line. Every text that leaves
// the LLM client (server error bodies included: OpenAI's 401 body quotes part of the key) goes
// through `redact` first.

const MASK = '[redacted]';
/** Shortest run of key characters treated as identifying: short enough to catch the partial
 * keys that servers echo ("sk-abc***wxyz"), long enough not to hit ordinary words. */
const MIN_RUN = 6;

export function redact(text: string, secret: string | undefined): string {
  let out = text;
  if (secret && secret.length >= MIN_RUN) {
    out = out.split(secret).join(MASK);
    out = out.replace(/[A-Za-z0-9_\-.~+/=]{6,}/g, (token) => (sharesRun(token, secret) ? MASK : token));
  }
  // Anything shaped like an OpenAI key, even one that is not ours, stays out of outputs.
  return out.replace(/\bsk-[A-Za-z0-9_\-*.]{3,}/g, MASK);
}

function sharesRun(token: string, secret: string): boolean {
  for (let i = 0; i + MIN_RUN <= token.length; i++) {
    if (secret.includes(token.slice(i, i + MIN_RUN))) return true;
  }
  return false;
}
