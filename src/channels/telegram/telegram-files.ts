// Telegram's side of files crossing platforms: fetching a file a person sent (getFile, then the
// bot file URL; bots may download 20 MB at most) and the upload limits for sending one.
import { TelegramError, type Telegram } from 'telegraf';
import type { Attachment, AttachmentKind } from '../../domain/types.js';
import { FileFetchError, FileTooLargeError, type FileContent, type FileFetcher } from '../../ports/files.js';
import { downloadBounded } from '../file-crossing.js';

const MB = 1024 * 1024;
/** The Bot API lets a bot download files up to 20 MB. */
export const TELEGRAM_DOWNLOAD_LIMIT = 20 * MB;
/** Uploads: photos up to 10 MB, other files up to 50 MB. A larger photo goes as a document. */
export const TELEGRAM_PHOTO_UPLOAD_LIMIT = 10 * MB;
export const TELEGRAM_UPLOAD_LIMIT = 50 * MB;
/** The longest caption under a photo or a document. */
export const TELEGRAM_CAPTION_LIMIT = 1024;

const DEFAULT_MIME: Record<AttachmentKind, string> = { photo: 'image/jpeg', voice: 'audio/ogg', video: 'video/mp4', document: 'application/octet-stream', location: 'application/octet-stream' };
const DEFAULT_EXT: Record<AttachmentKind, string> = { photo: 'jpg', voice: 'ogg', video: 'mp4', document: 'bin', location: 'bin' };

export class TelegramFileFetcher implements FileFetcher {
  readonly platform = 'telegram' as const;

  constructor(
    private readonly telegram: Telegram,
    private readonly token: string,
    private readonly apiRoot: string,
  ) {}

  async fetch(a: Attachment, opts: { maxBytes: number }): Promise<FileContent> {
    const limit = Math.min(opts.maxBytes, TELEGRAM_DOWNLOAD_LIMIT);
    if (!a.fileRef) throw new FileFetchError('telegram', 'no file id');
    let file;
    try {
      file = await this.telegram.getFile(a.fileRef);
    } catch (err) {
      if (err instanceof TelegramError && /too big/i.test(err.description)) throw new FileTooLargeError(a.sizeBytes ?? limit + 1, TELEGRAM_DOWNLOAD_LIMIT);
      throw new FileFetchError('telegram', err instanceof TelegramError ? `getFile ${err.code}` : (err as Error).message);
    }
    if (file.file_size !== undefined && file.file_size > limit) throw new FileTooLargeError(file.file_size, limit);
    if (!file.file_path) throw new FileFetchError('telegram', 'no file path');
    const url = `${this.apiRoot.replace(/\/$/, '')}/file/bot${this.token}/${file.file_path}`;
    const bytes = await downloadBounded(url, {}, limit, 'telegram');
    const fromPath = file.file_path.split('/').pop() ?? '';
    const name = a.fileName ? a.fileName : fromPath.includes('.') ? fromPath : `${a.kind}.${DEFAULT_EXT[a.kind]}`;
    return { bytes, name, mimeType: a.mimeType ?? DEFAULT_MIME[a.kind], sizeBytes: bytes.byteLength };
  }
}
