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

export class SlackChannel implements ChannelPort, ChatChannel {
  readonly name = 'slack' as const;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly api: SlackApi,
    private readonly cards: SlackCards,
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
      return { messageRef: `${posted.channel}:${posted.ts}` };
    }
    const card = matterId ? await latestCard(this.ctx.db, matterId, personId ? { personId } : { channel }) : undefined;
    const blocks = noticeBlocks(message.text, message.actions);
    const files = filesLine(message, to.locale);
    if (files) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: files }] });
    const posted = await this.api.post({ channel: card?.channel ?? channel, text: message.text, blocks, threadTs: card?.ts });
    return { messageRef: `${posted.channel}:${posted.ts}` };
  }

  async refreshMatter(matterId: string): Promise<number> {
    return this.cards.refresh(matterId);
  }
}

/** Files from other platforms cannot be shown here; say that they exist. */
function filesLine(message: OutboundMessage, locale: string): string | null {
  const list = message.attachments ?? [];
  return list.length ? list.map((a) => attachmentLine(a, locale)).join('  ') : null;
}
