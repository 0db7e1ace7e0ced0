// Which buttons a matter card carries for its reader: one rule for every card on every platform —
// the notice that brings it, the card redrawn when the matter moves, the card just pressed — so a
// cadre sees the same buttons in Slack and on Telegram, before and after he presses one. Every
// press is authorised again when it comes (button data can be forged); this only decides what to offer.
import { decide, type Action, type MatterPosition, type Relation } from './lifecycle.js';

/** Card buttons, every one there is, in the order shown. `takeover`: a cadre's transfer to himself; `view`: the words sent privately. */
export const CARD_ACTIONS = ['take', 'reply', 'transfer', 'escalate', 'whistle', 'settle', 'supervise', 'takeover', 'mark_size', 'set_topic', 'view'] as const;
export type CardAction = (typeof CARD_ACTIONS)[number];

/**
 * Where a card is read: one person's own chat, or a group (a node's chat or channel), where
 * anyone may press and nobody's words are shown.
 */
export type CardContext = 'private' | 'group';

/** What the holder works with, in this order. */
const HOLDER: readonly CardAction[] = ['take', 'reply', 'transfer', 'escalate', 'whistle', 'settle', 'mark_size', 'set_topic'];
/** What a cadre above the matter who does not hold it is offered: take it over, reassign, 督办, whistle, size and topic. */
const CADRE: readonly CardAction[] = ['takeover', 'transfer', 'supervise', 'whistle', 'mark_size', 'set_topic'];
/**
 * A group's card: the words privately first, then what a cadre of the line may do from there.
 * Nothing that needs words typed into the group (its chatter never reaches the bot).
 */
const GROUP: readonly CardAction[] = ['view', 'takeover', 'transfer', 'supervise', 'whistle', 'mark_size'];

const isCardAction = (v: unknown): v is CardAction => typeof v === 'string' && (CARD_ACTIONS as readonly string[]).includes(v);

/** Card buttons read back from stored data: unknown names are dropped, the order kept. */
export function cardActionList(v: unknown): CardAction[] {
  return Array.isArray(v) ? v.filter(isCardAction) : [];
}

/**
 * The buttons `matter`'s card offers a reader who stands to it by `relations`, where it is read.
 * In a group the reader is whoever presses: the card offers what a cadre above may do. The holder
 * gets the holder's buttons (a cadre who holds it too); a cadre who does not hold it gets the
 * cadre's, with 接管 wherever he may transfer it; anyone else what he may do of the holder's but
 * 接单 (an officer of the grid: 吹哨). A private card never carries 查看内容: it shows the words.
 */
export function cardActionsFor(matter: MatterPosition, relations: readonly Relation[], context: CardContext): CardAction[] {
  const may = (a: CardAction, rel: readonly Relation[]) => decide(matter, (a === 'takeover' ? 'transfer' : a) as Action, rel).ok;
  if (context === 'group') return GROUP.filter((a) => may(a, ['cadre_above']));
  if (relations.includes('assignee')) return HOLDER.filter((a) => may(a, relations));
  if (relations.includes('cadre_above')) return CADRE.filter((a) => may(a, relations));
  return HOLDER.filter((a) => a !== 'take' && may(a, relations));
}
