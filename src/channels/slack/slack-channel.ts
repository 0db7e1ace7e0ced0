// The Slack side of the send worker: what a flow says is drawn as Block Kit (slack-conversation.ts); a notification that hands over a matter becomes a card; any
// other notification about a matter that has a card in the same place goes into the card's
// thread (a villager's answer lands under the card the officer works from); the rest are plain
// messages with their buttons.
import type { ServiceContext } from '../../services/context.js';
import { latestCard } from '../../store/repositories/slack-card-repository.js';
import type { FlowEngine } from '../../flows/index.js';
import { findByIdentity } from '../../store/repositories/people-repository.js';
import type { Attachment } from '../../domain/types.js';
import type { Channel, ChatTarget, NoticeHint, OutboundMessage } from '../../ports/channel.js';
import { attachmentLine, noticeBlocks } from './blocks.js';
import { CARD_TEMPLATES, type SlackCards } from './slack-cards.js';
import type { SlackApi } from './slack-api.js';
import { deliverOutput, expectsText } from './slack-conversation.js';

export class SlackChannel implements Channel {
  readonly name = 'slack' as const;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly api: SlackApi,
    private readonly cards: SlackCards,
    private readonly engine: FlowEngine | null = null,
    private readonly defaultLocale = 'zh-CN',
  ) {}

  /** One outbound message: a notification (`about`) as a card or in its card's thread, anything else as a flow's output. */
  async deliver(target: ChatTarget, output: OutboundMessage): Promise<{ messageRef?: string }> {
    if (output.kind === 'message' && output.about) return this.notice(target, { ...output, about: output.about });
    const engine = this.engine;
    const person = output.kind === 'message' && engine ? await findByIdentity(this.ctx.db, 'slack', target.userId) : undefined;
    return deliverOutput(this.api, target, output, {
      locale: person?.person.locale ?? this.defaultLocale,
      answerButton: async () => (engine ? expectsText(this.ctx, engine, target.userId) : false),
    });
  }

  private async notice(to: ChatTarget, message: Extract<OutboundMessage, { kind: 'message' }> & { about: NoticeHint }): Promise<{ messageRef?: string }> {
    // A user id as channel posts to the app's DM with that person.
    const channel = to.chatId;
    const locale = to.locale ?? this.defaultLocale;
    // No person: a grid node's channel, not someone's DM.
    const personId = to.personId || null;
    const { matterId, template } = message.about;
    if (matterId && CARD_TEMPLATES.has(template)) {
      const posted = await this.cards.post({ matterId, personId, channel, template, locale, fallbackText: message.text });
      return { messageRef: `${posted.channel}:${posted.ts}` };
    }
    const card = matterId ? await latestCard(this.ctx.db, matterId, personId ? { personId } : { channel }) : undefined;
    const blocks = noticeBlocks(message.text, message.buttons?.flat());
    const files = filesLine(message, locale);
    if (files) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: files }] });
    const posted = await this.api.post({ channel: card?.channel ?? channel, text: message.text, blocks, threadTs: card?.ts });
    return { messageRef: `${posted.channel}:${posted.ts}` };
  }

  async refreshMatter(matterId: string): Promise<number> {
    return this.cards.refresh(matterId);
  }
}

/** Files from other platforms cannot be shown here; say that they exist. */
function filesLine(message: { attachments?: Attachment[] }, locale: string): string | null {
  const list = message.attachments ?? [];
  return list.length ? list.map((a) => attachmentLine(a, locale)).join('  ') : null;
}
