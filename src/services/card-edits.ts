// Cards on a platform that edits its messages (Telegram). When a matter moves, every card message
// sent about it (a notification that put it in someone's hands) is edited: the words it carried,
// one line saying where the matter stands now, and the buttons its reader may press now (none when
// nothing is left to do; the same rule as every card, cardActionsFor). The edits join each reader's
// send queue, so they follow whatever was written there before (the pressed card's own edit), and
// go out within the platform's limits.
import { randomUUID } from 'node:crypto';
import type { Platform } from '../domain/types.js';
import { translator } from '../i18n/index.js';
import type { ChatButton, OutboundMessage } from '../ports/channel.js';
import type { CardEdits } from '../ports/cards.js';
import type { ServiceContext } from '../ports/context.js';
import { outboxJob } from '../ports/jobs.js';
import type { Executor } from '../store/db.js';
import { chatOutputsOf, createChatOutputs, findDelivery, type DeliveryRow } from '../store/repositories/delivery-repository.js';
import { cardLinksOf } from '../store/repositories/message-link-repository.js';
import { enqueue } from '../store/repositories/outbox-repository.js';
import { findPerson } from '../store/repositories/people-repository.js';
import { CARD_TEMPLATES, loadCardModel, type CardModel } from './card-service.js';
import { actionData } from './matter-actions.js';
import { renderDelivery } from './notify-service.js';
import { HOLDER_TEMPLATES } from './send-service.js';

/** Buttons to a row on an edited card (as on a card a press edited). */
const PER_ROW = 3;

/** The line under a card saying where its matter stands, in the reader's language. */
export function cardStatusLine(model: CardModel, locale: string): string {
  const tr = translator(locale);
  const m = model.matter;
  if (m.state !== 'open') return tr(`notify:card_status.${m.state}`);
  const step = tr(`notify:card_status.step.${m.step}`);
  const level = tr(`common:matter_level.${m.level}`);
  if (!model.assignee) return tr('notify:card_status.open_nobody', { step, level });
  const who = model.assignee.title ? tr('notify:who_with_title', { title: model.assignee.title, name: model.assignee.name }) : model.assignee.name;
  return tr('notify:card_status.open', { step, who, level });
}

/** What a pressed card's own edit says was done (its last "✅ …" line), kept under the refreshed words. */
const DONE_MARK = '\n\n✅ ';

/** The edit that brings one card message up to date; `done`: what the reader just did with it. */
export function cardEdit(model: CardModel, messageRef: string, base: string | null, locale: string, done?: string): Extract<OutboundMessage, { kind: 'edit' }> {
  const tr = translator(locale);
  const status = done ? `${done}\n${cardStatusLine(model, locale)}` : cardStatusLine(model, locale);
  const buttons = model.buttons.map((a) => ({ label: tr(`notify:actions.${a}`), data: actionData(a, model.matter.ref) }));
  const rows: ChatButton[][] = [];
  for (let i = 0; i < buttons.length; i += PER_ROW) rows.push(buttons.slice(i, i + PER_ROW));
  return { kind: 'edit', messageRef, ...(base !== null ? { text: `${base}\n\n${status}` } : {}), ...(rows.length ? { buttons: rows } : { clearButtons: true }) };
}

export class ChatCardEdits implements CardEdits {
  /** `timezone`: the service's, for readers who set none. */
  constructor(
    private readonly ctx: ServiceContext,
    private readonly timezone: string,
  ) {}

  async queueEdits(platform: Platform, matterId: string, eventId?: string): Promise<number> {
    const n = await this.ctx.db.transaction((tx) => this.write(tx, platform, matterId, eventId));
    if (n) this.ctx.outboxWritten();
    return n;
  }

  private async write(tx: Executor, platform: Platform, matterId: string, eventId?: string): Promise<number> {
    const links = await cardLinksOf(tx, platform, matterId);
    const turnEdits = eventId ? await editsOfTurn(tx, platform, eventId) : [];
    const models = new Map<string, CardModel | null>();
    const rows = [];
    for (const link of links) {
      const delivery = link.deliveryId ? await findDelivery(tx, link.deliveryId) : undefined;
      if (!delivery || !CARD_TEMPLATES.has(delivery.template)) continue;
      const viewer = link.personId;
      const key = viewer ?? '';
      if (!models.has(key)) models.set(key, await loadCardModel(tx, matterId, viewer));
      const model = models.get(key);
      if (!model) return 0;
      const person = viewer ? await findPerson(tx, viewer) : undefined;
      const locale = person?.locale ?? (typeof delivery.params.locale === 'string' ? delivery.params.locale : 'zh-CN');
      // The words the card carried, as they were rendered for this reader; the phone only while they hold the matter.
      let base = renderDelivery(delivery, locale, person?.timezone ?? this.timezone).text;
      if (model.phone && HOLDER_TEMPLATES.has(delivery.template)) base += `\n${translator(locale)('notify:phone_line', { phone: model.phone })}`;
      const edit = cardEdit(model, link.messageRef, base, locale, doneLine(turnEdits, link.chatId, link.messageRef));
      rows.push({
        id: randomUUID(),
        platform,
        chatId: link.chatId,
        // A person's private chat is theirs (a refusal marks them unreachable); a group's is nobody's.
        userId: viewer ? link.chatId : '',
        eventId: `card:${matterId}`,
        personId: viewer,
        output: edit as unknown as Record<string, unknown>,
      });
    }
    const queues = await createChatOutputs(tx, rows);
    await enqueue(tx, queues.map((recipient) => outboxJob('send', { recipient })));
    return rows.length;
  }
}

/**
 * The edits the turn that moved the matter wrote (a pressed card marked "✅ …"). An action's event
 * id is its update's, with the action or step after a last colon.
 */
async function editsOfTurn(tx: Executor, platform: Platform, eventId: string): Promise<DeliveryRow[]> {
  const cut = eventId.lastIndexOf(':');
  const ids = cut > 0 ? [eventId, eventId.slice(0, cut)] : [eventId];
  const rows = (await Promise.all(ids.map((id) => chatOutputsOf(tx, id)))).flat();
  return rows.filter((r) => r.chatPlatform === platform && (r.output as { kind?: string } | null)?.kind === 'edit');
}

/** The "✅ …" line the turn put on this card message, if it edited it. */
function doneLine(edits: DeliveryRow[], chatId: string, messageRef: string): string | undefined {
  const edit = edits.filter((r) => r.chatId === chatId && (r.output as { messageRef?: string }).messageRef === messageRef).at(-1);
  const text = (edit?.output as { text?: unknown } | undefined)?.text;
  if (typeof text !== 'string') return undefined;
  const at = text.lastIndexOf(DONE_MARK);
  return at < 0 ? undefined : text.slice(at + 2);
}
