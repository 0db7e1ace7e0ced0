// Sending a file of another platform: fetch it within the target's limit (retrying a failed fetch
// a few times), or say in the recipient's language what it was and why it could not come.
import type { Attachment, Platform } from '../domain/types.js';
import { t } from '../i18n/index.js';
import { FileFetchError, FileTooLargeError, type CrossingFailure, type FileContent, type FileSource } from '../ports/files.js';

/** How many times a fetch is tried before the recipient gets the note instead (default 3). */
export const FETCH_ATTEMPTS = 3;

/**
 * Fetches a foreign file for sending: a size known to be above `maxBytes` is refused before
 * anything is downloaded; a failed fetch is tried again (FETCH_ATTEMPTS, short pauses), then
 * given up. Returns the content or why it cannot cross.
 */
export async function fetchForCrossing(
  source: FileSource | undefined,
  a: Attachment,
  maxBytes: number,
  opts: { attempts?: number; pauseMs?: number } = {},
): Promise<{ ok: true; file: FileContent } | { ok: false; reason: CrossingFailure; limitBytes?: number }> {
  if (!source || !a.fileRef) return { ok: false, reason: 'unsupported' };
  if (a.sizeBytes !== undefined && a.sizeBytes > maxBytes) return { ok: false, reason: 'too_large', limitBytes: maxBytes };
  const attempts = opts.attempts ?? FETCH_ATTEMPTS;
  for (let i = 1; ; i++) {
    try {
      return { ok: true, file: await source(a, { maxBytes }) };
    } catch (err) {
      if (err instanceof FileTooLargeError) return { ok: false, reason: 'too_large', limitBytes: err.limitBytes };
      if (i >= attempts) return { ok: false, reason: 'fetch_failed' };
      await new Promise((r) => setTimeout(r, (opts.pauseMs ?? 250) * i));
    }
  }
}

/**
 * Downloads `url` into memory, refusing above `maxBytes`: by Content-Length before reading, and
 * by counting while reading (so a lying or absent length cannot fill memory).
 */
export async function downloadBounded(url: string, init: RequestInit, maxBytes: number, platform: Platform): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (err) {
    throw new FileFetchError(platform, (err as Error).message);
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel().catch(() => {});
    throw new FileFetchError(platform, `http_${res.status}`);
  }
  const length = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(length) && length > maxBytes) {
    await res.body.cancel().catch(() => {});
    throw new FileTooLargeError(length, maxBytes);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new FileTooLargeError(total, maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

const MB = 1024 * 1024;

/** The note a recipient reads instead of a file that could not cross, in their language. */
export function crossingNote(a: Attachment, reason: CrossingFailure, locale: string, limitBytes?: number): string {
  const kind = t(locale, `notify:file_kind.${a.kind}`);
  const name = a.fileName ?? '';
  const params = {
    kind,
    // A file's name is not roster text: it keeps its own characters (see ROSTER_PARAMS).
    fileName: name ? t(locale, 'notify:file_note.named', { fileName: name }) : '',
    size: a.sizeBytes !== undefined ? Math.max(0.1, Math.round((a.sizeBytes / MB) * 10) / 10) : '?',
    limit: limitBytes !== undefined ? Math.round(limitBytes / MB) : '?',
    platform: a.platform === 'telegram' ? 'Telegram' : a.platform === 'slack' ? 'Slack' : a.platform === 'wecom' ? 'WeCom' : a.platform,
  };
  return t(locale, reason === 'too_large' && a.sizeBytes === undefined ? 'notify:file_note.too_large_unknown' : `notify:file_note.${reason}`, params);
}

/**
 * Sends a fetched file, trying again (FETCH_ATTEMPTS) when the upload fails for a reason other
 * than a platform's "wait" or "gone" (those go up to the send worker). False: give the note.
 */
export async function sendWithRetries(send: () => Promise<void>, passUp: (err: unknown) => boolean, opts: { attempts?: number; pauseMs?: number } = {}): Promise<boolean> {
  const attempts = opts.attempts ?? FETCH_ATTEMPTS;
  for (let i = 1; ; i++) {
    try {
      await send();
      return true;
    } catch (err) {
      if (passUp(err)) throw err;
      if (i >= attempts) return false;
      await new Promise((r) => setTimeout(r, (opts.pauseMs ?? 250) * i));
    }
  }
}
