// Files shared in Slack as attachments: the file id is kept, never the bytes. Fetched (files.info,
// then url_private with the bot token) only when another platform's adapter sends one on.
import type { Attachment } from '../../domain/types.js';
import { FileFetchError, FileTooLargeError, type FileContent, type FileFetcher } from '../../ports/files.js';
import { downloadBounded } from '../file-crossing.js';
import { isSlackApiError, type SlackApi } from './slack-api.js';

/** A file someone shared in Slack, as the event names it. */
export interface SlackFileRef {
  id: string;
  name?: string;
  mimetype?: string;
  size?: number;
}

/** Slack takes uploads up to 1 GB; what reaches it from elsewhere is bounded by the source's own limit. */
export const SLACK_UPLOAD_LIMIT = 1024 * 1024 * 1024;

export class SlackFileFetcher implements FileFetcher {
  readonly platform = 'slack' as const;

  constructor(private readonly api: SlackApi) {}

  async fetch(a: Attachment, opts: { maxBytes: number }): Promise<FileContent> {
    if (!a.fileRef) throw new FileFetchError('slack', 'no file id');
    let info;
    try {
      info = await this.api.fileInfo(a.fileRef);
    } catch (err) {
      throw new FileFetchError('slack', isSlackApiError(err) ? `files.info ${err.code}` : (err as Error).message);
    }
    if (info.sizeBytes !== null && info.sizeBytes > opts.maxBytes) throw new FileTooLargeError(info.sizeBytes, opts.maxBytes);
    if (!info.url) throw new FileFetchError('slack', 'no url_private');
    const token = this.api.token;
    const bytes = await downloadBounded(info.url, token ? { headers: { authorization: `Bearer ${token}` } } : {}, opts.maxBytes, 'slack');
    return { bytes, name: info.name ?? a.fileName ?? `${a.kind}`, mimeType: info.mimeType ?? a.mimeType ?? 'application/octet-stream', sizeBytes: bytes.byteLength };
  }
}

export function attachmentsOf(files: SlackFileRef[] | undefined): Attachment[] {
  return (files ?? []).map((f) => {
    const mime = f.mimetype ?? '';
    const kind = mime.startsWith('image/') ? 'photo' : mime.startsWith('audio/') ? 'voice' : mime.startsWith('video/') ? 'video' : 'document';
    return { kind, platform: 'slack', fileRef: f.id, ...(f.mimetype ? { mimeType: f.mimetype } : {}), ...(f.size ? { sizeBytes: f.size } : {}), ...(f.name ? { caption: f.name, fileName: f.name } : {}) };
  });
}
