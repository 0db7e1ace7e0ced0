// Files crossing into and out of WeCom. A file keeps its WeCom reference (`app:<media_id>` or
// `kf:<media_id>`) and is fetched with the token of the side it came from. A file going to WeCom
// is uploaded as the media type WeCom will show it as: a voice message only if it is AMR (WeCom
// plays no other voice format), an image only if JPG or PNG, a video only if MP4 — anything else,
// or anything above its type's limit but within 20 MB, goes as a plain file.
import { FileTooLargeError, type FileContent } from '../../ports/files.js';
import type { AttachmentKind } from '../../domain/types.js';
import { MEDIA_LIMITS, type WecomApi } from './wecom-api.js';
import { WecomApiError, WecomHttpError } from './wecom-errors.js';
import type { MediaType } from './wecom-types.js';

/** The media type to upload a file as; null when even a plain file is too large (20 MB). */
export function mediaTypeFor(kind: AttachmentKind, mimeType: string, sizeBytes: number): MediaType | null {
  const mime = mimeType.toLowerCase();
  const wanted: MediaType =
    kind === 'photo' && /^image\/(jpeg|jpg|png)$/.test(mime) ? 'image' : kind === 'voice' && /^audio\/(amr|amr-wb)$/.test(mime) ? 'voice' : kind === 'video' && mime === 'video/mp4' ? 'video' : 'file';
  if (sizeBytes <= MEDIA_LIMITS[wanted]) return wanted;
  return sizeBytes <= MEDIA_LIMITS.file ? 'file' : null;
}

/** `app:<id>` / `kf:<id>` → which side and the media_id. */
export function parseFileRef(fileRef: string): { source: 'app' | 'kf'; mediaId: string } | null {
  const m = /^(app|kf):(.+)$/.exec(fileRef);
  return m ? { source: m[1] as 'app' | 'kf', mediaId: m[2]! } : null;
}

export class WecomFiles {
  constructor(private readonly apis: { app: WecomApi; kf?: WecomApi }) {}

  /** The bytes of a WeCom file, refusing more than `maxBytes`. A media_id lives 3 days: past that WeCom answers 40007. */
  async fetch(fileRef: string, opts: { maxBytes: number }): Promise<FileContent> {
    const ref = parseFileRef(fileRef);
    if (!ref) throw new WecomFileFetchError(`not a WeCom file reference`);
    const api = ref.source === 'kf' ? (this.apis.kf ?? this.apis.app) : this.apis.app;
    try {
      return await api.getMedia(ref.mediaId, opts);
    } catch (err) {
      if (err instanceof FileTooLargeError) throw err;
      if (err instanceof WecomApiError || err instanceof WecomHttpError) throw new WecomFileFetchError(err.message);
      throw err;
    }
  }

  /** Uploads a file for the app (`side` 'app') or for 微信客服 ('kf'); returns the media_id and the type it went as. */
  async upload(side: 'app' | 'kf', kind: AttachmentKind, file: FileContent): Promise<{ mediaId: string; type: MediaType }> {
    const type = mediaTypeFor(kind, file.mimeType, file.bytes.length);
    if (!type) throw new FileTooLargeError(file.bytes.length, MEDIA_LIMITS.file);
    const api = side === 'kf' ? (this.apis.kf ?? this.apis.app) : this.apis.app;
    const { mediaId } = await api.uploadMedia(type, { bytes: file.bytes, name: file.name, mimeType: file.mimeType });
    return { mediaId, type };
  }
}

/**
 * WeCom would not give the file. FileFetchError names a registered Platform, and 'wecom' is not
 * one yet: until it is, this plain class says the same for WeCom.
 */
export class WecomFileFetchError extends Error {
  override readonly name = 'WecomFileFetchError';
  constructor(readonly reason: string) {
    super(`could not fetch a WeCom file: ${reason}`);
  }
}
