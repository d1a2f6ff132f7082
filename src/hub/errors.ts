// Every way a hub download can fail, as a message that says what happened and what to do. The
// token never appears: server words are redacted, URLs never carry it.
import { DeadlineError } from '../common/deadline';
import { CancelledError, UserError } from '../common/errors';
import { redact } from '../common/secrets';
import { HubHttpError } from './http';

/** A hub failure the user can act on; `field` is the cell option it concerns. */
export class HubError extends UserError {
  constructor(message: string, hint: string, field: 'hub' | 'revision' | 'variant' = 'hub') {
    super(message, field, hint);
    this.name = 'HubError';
  }
}

/** A transfer that ended short or with the wrong bytes: retried, resuming where it can. */
export class TransferError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransferError';
  }
}

export const TOKEN_HINT =
  'In VS Code run "Symptom Lens: Set Hugging Face Token"; on the command line set the environment variable HF_TOKEN.';
const LATER_HINT =
  'Try again later, or use a mirror (HF_ENDPOINT or the setting symptomLens.hub.endpoint). Files downloaded so far stay in the cache and the next run resumes.';

export interface FailureContext {
  repo: string;
  revision: string;
  endpoint: string;
  token: string | undefined;
  /** The file being fetched, when the failure concerns one. */
  file?: string;
  /** How many times the request was tried. */
  tries: number;
  cacheRoot: string;
}

/** A network-level failure (connection refused or cut, DNS), worth retrying. */
export function isNetworkError(err: unknown): boolean {
  if (!(err instanceof Error)) return typeof err === 'string';
  const code = (err as NodeJS.ErrnoException).code ?? ((err.cause as NodeJS.ErrnoException | undefined)?.code || '');
  return (
    (err.name === 'TypeError' && /fetch failed|terminated/i.test(err.message)) ||
    /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|UND_ERR_\w+)$/.test(code) ||
    /terminated|socket|other side closed|premature/i.test(err.message)
  );
}

export function isRetryable(err: unknown): boolean {
  if (err instanceof HubHttpError) return err.status >= 500 || err.status === 429;
  return err instanceof DeadlineError || err instanceof TransferError || isNetworkError(err);
}

function networkReason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause as NodeJS.ErrnoException | undefined;
  return cause?.code ? `${cause.code}${cause.message ? `: ${cause.message}` : ''}` : err.message;
}

export function explainHubFailure(err: unknown, c: FailureContext): Error {
  if (err instanceof CancelledError || err instanceof HubError) return err;
  const page = `${c.endpoint.replace(/\/+$/, '')}/${c.repo}`;
  const what = c.file ? `${c.file} of ${c.repo}` : c.repo;
  const tried = c.tries > 1 ? ` (${c.tries} tries)` : '';
  if (err instanceof HubHttpError) {
    const said = err.serverMessage ? ` The hub said: "${redact(err.serverMessage, c.token)}"` : '';
    if (err.status === 401 || err.status === 403) {
      if (err.code === 'RepoNotFound') {
        return new HubError(
          `${c.repo} was not found at ${c.endpoint}, or it is private and needs a token (HTTP ${err.status}).${said}`,
          `Check the repo id on ${page}. For a private repo, set a token: ${TOKEN_HINT}`,
        );
      }
      const tokenState = c.token
        ? 'The token that was sent does not give access to it.'
        : 'No Hugging Face token was sent.';
      return new HubError(
        `${c.repo} is gated or private: the hub refused ${what} (HTTP ${err.status}). ${tokenState}${said}`,
        `Open ${page} while signed in and accept the licence (gated models ask once), then set a token with read access: ${TOKEN_HINT}`,
      );
    }
    if (err.status === 404) {
      if (err.code === 'RevisionNotFound') {
        return new HubError(
          `${c.repo} has no revision "${c.revision}" (HTTP 404).`,
          `Use a branch, tag or commit listed under "Files and versions" on ${page}, e.g. revision: main.`,
          'revision',
        );
      }
      if (err.code === 'EntryNotFound' && c.file) {
        return new HubError(
          `${c.repo} has no file ${c.file} at revision "${c.revision}" (HTTP 404).`,
          `Check "Files and versions" on ${page}; the supported layout is described in docs/models.md.`,
        );
      }
      return new HubError(
        `${c.file ? `${what} was` : `No model repo ${c.repo} was`} found at ${c.endpoint} (HTTP 404).${said}`,
        `Check the repo id (ORG/NAME, as in the model page's address) and the endpoint. A private repo needs a token: ${TOKEN_HINT}`,
      );
    }
    if (err.status >= 500 || err.status === 429) {
      return new HubError(
        `The hub at ${c.endpoint} answered HTTP ${err.status} for ${what}${tried}.${said}`,
        LATER_HINT,
      );
    }
    return new HubError(`The hub at ${c.endpoint} answered HTTP ${err.status} for ${what}.${said}`, LATER_HINT);
  }
  if (err instanceof DeadlineError) {
    return new HubError(
      `The hub at ${c.endpoint} gave ${what} ${err.message}${tried}: it is too slow or stalled.`,
      LATER_HINT,
    );
  }
  if (err instanceof TransferError) {
    return new HubError(`Downloading from ${c.endpoint} failed${tried}: ${err.message}.`, LATER_HINT);
  }
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new HubError(
      `The disk holding the hub cache is full: ${what} could not be written to ${c.cacheRoot}.`,
      'Free some space, or point HF_HUB_CACHE at a disk with room. The part already downloaded is kept and the next run resumes it.',
    );
  }
  if (code === 'EACCES' || code === 'EROFS') {
    return new HubError(
      `The hub cache ${c.cacheRoot} cannot be written (${code}).`,
      'Set HF_HUB_CACHE (or HF_HOME) to a folder you can write to.',
    );
  }
  if (isNetworkError(err)) {
    return new HubError(
      `Could not download ${what} from ${c.endpoint}${tried}: ${redact(networkReason(err), c.token)}.`,
      `Check the network or proxy and the endpoint. To use what is already cached, turn on offline mode (HF_HUB_OFFLINE=1 or the setting symptomLens.hub.offline). ${LATER_HINT}`,
    );
  }
  return err instanceof Error ? err : new Error(String(err));
}
