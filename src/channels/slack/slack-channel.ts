// The Slack side of the notify worker: a notification that hands over a matter becomes a card; any
// other notification about a matter that has a card in the same place goes into the card's
// thread (a villager's answer lands under the card the officer works from); the rest are plain
// messages with their buttons.
import type { ServiceContext } from '../../services/context.js';
import { latestCard } from '../../store/repositories/slack-card-repository.js';
import type { ChannelPort, OutboundMessage, Recipient } from '../channel-port.js';
import type { ChatChannel, ChatOutput, ChatTarget } from '../chat-output.js';
import { attachmentLine, noticeBlocks } from './blocks.js';
import { CARD_TEMPLATES, type SlackCards } from './slack-cards.js';
import type { SlackApi } from './slack-api.js';
import { deliverOutput } from './slack-conversation.js';
import type { Attachment } from '../../domain/types.js';
import type { FileSource } from '../../ports/files.js';
import { crossingNote, fetchForCrossing, sendWithRetries } from '../file-crossing.js';
import { RecipientUnreachableError, RetryAfterError } from '../channel-port.js';
import { SLACK_UPLOAD_LIMIT } from './slack-files.js';

export class SlackChannel implements ChannelPort, ChatChannel {
  readonly name = 'slack' as const;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly api: SlackApi,
    private readonly cards: SlackCards,
    /** Fetches files of other platforms, to upload them here (the composition root wires it). */
    private readonly files?: FileSource,
  ) {}

  /** What a flow says (chat_send worker). */
  deliver(target: ChatTarget, output: ChatOutput): Promise<{ messageRef?: string }> {
    return deliverOutput(this.api, target, output);
  }

  async send(to: Recipient, message: OutboundMessage): Promise<{ messageRef?: string }> {
    // A user id as channel posts to the app's DM with that person.
    const channel = to.chatId ?? to.externalId;
    // An empty person id: a grid node's channel, not someone's DM.
    const personId = to.personId || null;
    const matterId = message.about?.matterId;
    const template = message.about?.template ?? '';
    if (matterId && CARD_TEMPLATES.has(template)) {
      const posted = await this.cards.post({ matterId, personId, channel, template, locale: to.locale, fallbackText: message.text });
      // The villager's photos go under the card the officer works from.
      await this.sendFiles(message, to.locale, posted.channel, posted.ts);
      return { messageRef: `${posted.channel}:${posted.ts}` };
    }
    const card = matterId ? await latestCard(this.ctx.db, matterId, personId ? { personId } : { channel }) : undefined;
    const blocks = noticeBlocks(message.text, message.actions);
    const files = filesLine(message, to.locale);
    if (files) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: files }] });
    const posted = await this.api.post({ channel: card?.channel ?? channel, text: message.text, blocks, threadTs: card?.ts });
    await this.sendFiles(message, to.locale, posted.channel, card?.ts);
    return { messageRef: `${posted.channel}:${posted.ts}` };
  }

  /**
   * Files kept on another platform, uploaded here (into the card's thread when there is one);
   * one that cannot cross leaves a note in the reader's language in its place.
   */
  private async sendFiles(message: OutboundMessage, locale: string, channel: string, threadTs: string | undefined): Promise<void> {
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
function filesLine(message: OutboundMessage, locale: string): string | null {
  const list = (message.attachments ?? []).filter((a) => !isForeignFile(a));
  return list.length ? list.map((a) => attachmentLine(a, locale)).join('  ') : null;
}

const isForeignFile = (a: Attachment) => a.platform !== 'slack' && a.kind !== 'location' && Boolean(a.fileRef);
const foreignFiles = (message: OutboundMessage) => (message.attachments ?? []).filter(isForeignFile);

/** A wait or a closed door is the send worker's to handle; other upload failures are tried again here. */
const passUp = (err: unknown) => err instanceof RetryAfterError || err instanceof RecipientUnreachableError;
