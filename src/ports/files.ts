// Files crossing platforms. A photo a villager sent on Telegram reaches an officer in Slack as a
// file, and the other way round: the sending adapter asks the file's own platform for the bytes
// (through the FileSource the composition root wires) and uploads them on its side.
import type { Attachment, Platform } from '../domain/types.js';

/** A file's bytes, fetched from its platform. */
export interface FileContent {
  bytes: Uint8Array;
  /** A file name to show (the platform's, else one made from the kind). */
  name: string;
  mimeType: string;
  sizeBytes: number;
}

/** One platform's side of it: fetches a file of that platform, refusing one above `maxBytes`. */
export interface FileFetcher {
  readonly platform: Platform;
  fetch(attachment: Attachment, opts: { maxBytes: number }): Promise<FileContent>;
}

/** What an adapter is given: fetches a file of any platform that has a fetcher. */
export type FileSource = (attachment: Attachment, opts: { maxBytes: number }) => Promise<FileContent>;

/** Why a file could not cross; each has a note the recipient reads (`notify:file_note.<reason>`). */
export type CrossingFailure = 'too_large' | 'fetch_failed' | 'send_failed' | 'unsupported';

/** The file is larger than the target (or the source's download) allows. Not retried. */
export class FileTooLargeError extends Error {
  override readonly name = 'FileTooLargeError';
  constructor(
    readonly sizeBytes: number,
    readonly limitBytes: number,
  ) {
    super(`the file is ${sizeBytes} bytes; at most ${limitBytes} can cross`);
  }
}

/** The source platform would not give the file (gone, refused, network). Retried a few times. */
export class FileFetchError extends Error {
  override readonly name = 'FileFetchError';
  constructor(
    readonly platform: Platform,
    readonly reason: string,
  ) {
    super(`could not fetch a ${platform} file: ${reason}`);
  }
}

/** Routes a fetch to the attachment's own platform; a platform without a fetcher is unsupported. */
export function fileSourceOf(fetchers: Iterable<FileFetcher>): FileSource {
  const byPlatform = new Map<Platform, FileFetcher>();
  for (const f of fetchers) byPlatform.set(f.platform, f);
  return async (a, opts) => {
    const fetcher = byPlatform.get(a.platform);
    if (!fetcher || !a.fileRef) throw new FileFetchError(a.platform, 'no fetcher for this platform');
    return fetcher.fetch(a, opts);
  };
}
