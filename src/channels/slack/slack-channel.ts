// The Slack side of the send worker: what a flow says is drawn as Block Kit (slack-conversation.ts); a notification that hands over a matter becomes a card; any
// other notification about a matter that has a card in the same place goes into the card's
// thread (a villager's answer lands under the card the officer works from); the rest are plain
// messages with their buttons.
import type { ServiceContext } from '../../ports/context.js';
import type { Channel, ChatTarget, NoticeHint, OutboundMessage } from '../../ports/channel.js';
import { attachmentLine, noticeBlocks } from './blocks.js';
import { CARD_TEMPLATES, type SlackCards } from './slack-cards.js';
import type { SlackApi } from './slack-api.js';
import { deliverOutput } from './slack-conversation.js';
import type { Attachment } from '../../domain/types.js';
import type { FileSource } from '../../ports/files.js';
import { crossingNote, fetchForCrossing, sendWithRetries } from '../file-crossing.js';
import { RecipientUnreachableError, RetryAfterError } from '../../ports/channel.js';
import { SLACK_UPLOAD_LIMIT } from './slack-files.js';

export class SlackChannel implements Channel {
  readonly name = 'slack' as const;
  /** Our commands are words after the app's one slash command (slack/manifest.yaml): `/grid stats`. */
  readonly commandPrefix = '/grid ';

  constructor(
    private readonly ctx: ServiceContext,
    private readonly api: SlackApi,
    private readonly cards: SlackCards,
    /** Fetches files of other platforms, to upload them here (the composition root wires it). */
    private readonly files?: FileSource,
  ) {}

  /** One outbound message: a notification (`about`) as a card or in its card's thread, anything else as a flow's output. */
  async deliver(target: ChatTarget, output: OutboundMessage): Promise<{ messageRef?: string }> {
    if (output.kind === 'message' && output.about) return this.notice(target, { ...output, about: output.about });
    return deliverOutput(this.api, target, output);
  }

  private async notice(to: ChatTarget, message: Extract<OutboundMessage, { kind: 'message' }> & { about: NoticeHint }): Promise<{ messageRef?: string }> {
    // A user id as channel posts to the app's DM with that person.
    const channel = to.chatId;
    const locale = to.locale ?? 'zh-CN';
    // No person: a grid node's channel, not someone's DM.
    const personId = to.personId || null;
    const { matterId, template } = message.about;
    if (matterId && CARD_TEMPLATES.has(template)) {
      const posted = await this.cards.post({ matterId, personId, channel, template, locale, fallbackText: message.text });
      // The villager's photos go under the card the officer works from.
      await this.sendFiles(message, locale, posted.channel, posted.ts);
      return { messageRef: `${posted.channel}:${posted.ts}` };
    }
    const card = matterId ? await this.cards.latest(matterId, personId ? { personId } : { channel }) : undefined;
    const blocks = noticeBlocks(message.text, message.buttons?.flat());
    const files = filesLine(message, locale);
    if (files) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: files }] });
    const posted = await this.api.post({ channel: card?.channel ?? channel, text: message.text, blocks, threadTs: card?.ts });
    await this.sendFiles(message, locale, posted.channel, card?.ts);
    return { messageRef: `${posted.channel}:${posted.ts}` };
  }

  /**
   * Files kept on another platform, uploaded here (into the card's thread when there is one);
   * one that cannot cross leaves a note in the reader's language in its place.
   */
  private async sendFiles(message: { attachments?: Attachment[] }, locale: string, channel: string, threadTs: string | undefined): Promise<void> {
    for (const a of foreignFiles(message)) {
      const got = await fetchForCrossing(this.files, a, SLACK_UPLOAD_LIMIT);
      let reason = got.ok ? null : got.reason;
      if (got.ok) {
        const { file } = got;
        const title = a.caption && a.caption !== a.fileName ? a.caption.slice(0, 250) : file.name;
        const sent = await sendWithRetries(() => this.api.uploadFile({ channel, threadTs, name: file.name, title, bytes: file.bytes }).then(() => {}), passUp);
        if (sent) continue;
        reason = 'send_failed';
      }
      this.ctx.logger.info({ platform: a.platform, kind: a.kind, reason }, 'a file could not cross to slack; the reader gets a note');
      await this.api.post({ channel, text: crossingNote(a, reason!, locale, got.ok ? undefined : got.limitBytes), threadTs });
    }
  }

  async refreshMatter(matterId: string): Promise<number> {
    return this.cards.refresh(matterId);
  }
}

/** Places and files of this platform are named in a line; files of others are uploaded (sendFiles). */
function filesLine(message: { attachments?: Attachment[] }, locale: string): string | null {
  const list = (message.attachments ?? []).filter((a) => !isForeignFile(a));
  return list.length ? list.map((a) => attachmentLine(a, locale)).join('  ') : null;
}

const isForeignFile = (a: Attachment) => a.platform !== 'slack' && a.kind !== 'location' && Boolean(a.fileRef);
const foreignFiles = (message: { attachments?: Attachment[] }) => (message.attachments ?? []).filter(isForeignFile);

/** A wait or a closed door is the send worker's to handle; other upload failures are tried again here. */
const passUp = (err: unknown) => err instanceof RetryAfterError || err instanceof RecipientUnreachableError;
