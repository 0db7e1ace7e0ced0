// Files shared in Slack as attachments: the file id is kept, never the bytes.
import type { Attachment } from '../../domain/types.js';

/** A file someone shared in Slack, as the event names it. */
export interface SlackFileRef {
  id: string;
  name?: string;
  mimetype?: string;
  size?: number;
}

export function attachmentsOf(files: SlackFileRef[] | undefined): Attachment[] {
  return (files ?? []).map((f) => {
    const mime = f.mimetype ?? '';
    const kind = mime.startsWith('image/') ? 'photo' : mime.startsWith('audio/') ? 'voice' : mime.startsWith('video/') ? 'video' : 'document';
    return { kind, platform: 'slack', fileRef: f.id, ...(f.mimetype ? { mimeType: f.mimetype } : {}), ...(f.size ? { sizeBytes: f.size } : {}), ...(f.name ? { caption: f.name } : {}) };
  });
}
