// Files shared in Slack as attachments: the file id is kept, never the bytes.
import type { Attachment } from '../../domain/types.js';
import type { SlackFileRef } from './slack-job.js';

export function attachmentsOf(files: SlackFileRef[] | undefined): Attachment[] {
  return (files ?? []).map((f) => {
    const mime = f.mimetype ?? '';
    const kind = mime.startsWith('image/') ? 'photo' : mime.startsWith('audio/') ? 'voice' : mime.startsWith('video/') ? 'video' : 'document';
    return { kind, platform: 'slack', fileRef: f.id, ...(f.mimetype ? { mimeType: f.mimetype } : {}), ...(f.size ? { sizeBytes: f.size } : {}), ...(f.name ? { caption: f.name } : {}) };
  });
}
