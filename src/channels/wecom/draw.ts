// What gridline draws on WeCom, from plain shapes (the port's card model maps onto them): a
// button_interaction template card for staff, a msgmenu for villagers on 微信客服. The limits are
// WeCom's; past one, a named error says which (the caller splits or drops), never a silent cut.
import { createHash } from 'node:crypto';
import type { ButtonInteractionCard, KfMessage } from './wecom-types.js';

/** A template card's limits (发送应用消息 › 模板卡片). */
export const CARD_LIMITS = { buttons: 6, keyBytes: 1024, taskIdBytes: 128 } as const;
/** A msgmenu's limits (kf/send_msg): at most 10 items (95008); an item's id 1–64 bytes, its text 1–128; the head at most 1024 bytes. */
export const MENU_LIMITS = { items: 10, idBytes: 64, contentBytes: 128, headBytes: 1024 } as const;

export class WecomShapeError extends Error {
  override readonly name = 'WecomShapeError';
  constructor(
    readonly what: 'card_buttons' | 'card_key' | 'menu_items' | 'menu_id' | 'menu_content' | 'menu_head' | 'empty',
    detail: string,
  ) {
    super(`cannot draw this on WeCom (${what}): ${detail}`);
  }
}

export interface PlainButton {
  label: string;
  /** Comes back as the press's EventKey (a card) or the item's menu_id (a menu). */
  data: string;
  /** A card button's colour: 1 blue (default), 2 grey, 3 red, 4 green. */
  style?: 1 | 2 | 3 | 4;
}

export interface PlainCard {
  title: string;
  description?: string;
  /** The main text under the title (the villager's words, the step). */
  body?: string;
  /** Label–value lines (grid, level, due time…). */
  fields?: Array<{ label: string; value: string }>;
  buttons: PlainButton[];
}

const bytes = (s: string): number => Buffer.byteLength(s);
const TASK_ID_CHARS = /[^0-9A-Za-z_\-@]/g;

/**
 * A task id from its parts (`matter`, an id, a draw number): only [0-9A-Za-z_-@], at most 128
 * bytes. A new card needs a new task id (WeCom refuses a repeated one per app); a redraw of the
 * same card keeps it. Parts with other characters are replaced by a short hash, so ids stay distinct.
 */
export function taskIdOf(...parts: Array<string | number>): string {
  const clean = parts.map((p) => {
    const s = String(p);
    const kept = s.replace(TASK_ID_CHARS, '');
    return kept === s ? s : `${kept.slice(0, 16)}${createHash('sha256').update(s).digest('hex').slice(0, 12)}`;
  });
  const id = clean.join('-');
  return bytes(id) <= CARD_LIMITS.taskIdBytes ? id : `${id.slice(0, 100)}${createHash('sha256').update(id).digest('hex').slice(0, 24)}`;
}

/** A button_interaction card. Throws WecomShapeError above 6 buttons or with a key over 1024 bytes. */
export function buttonCard(card: PlainCard, taskId: string): ButtonInteractionCard {
  if (card.buttons.length > CARD_LIMITS.buttons) throw new WecomShapeError('card_buttons', `${card.buttons.length} buttons, at most ${CARD_LIMITS.buttons}`);
  if (card.buttons.length === 0) throw new WecomShapeError('empty', 'a button card needs a button; send text instead');
  for (const b of card.buttons) if (bytes(b.data) > CARD_LIMITS.keyBytes || !b.data) throw new WecomShapeError('card_key', `a button key of ${bytes(b.data)} bytes`);
  return {
    card_type: 'button_interaction',
    main_title: { title: card.title, ...(card.description ? { desc: card.description } : {}) },
    ...(card.body ? { sub_title_text: card.body } : {}),
    ...(card.fields?.length ? { horizontal_content_list: card.fields.map((f) => ({ keyname: f.label, value: f.value })) } : {}),
    task_id: taskId,
    button_list: card.buttons.map((b) => ({ text: b.label, key: b.data, ...(b.style ? { style: b.style } : {}) })),
  };
}

/** A 微信客服 menu: the text above, one clickable item per choice. A click comes back as a text with `menu_id`. */
export function menuMessage(head: string, items: PlainButton[], tail?: string): KfMessage {
  if (items.length === 0) throw new WecomShapeError('empty', 'a menu needs an item; send text instead');
  if (items.length > MENU_LIMITS.items) throw new WecomShapeError('menu_items', `${items.length} items, at most ${MENU_LIMITS.items}`);
  if (bytes(head) > MENU_LIMITS.headBytes) throw new WecomShapeError('menu_head', `a head of ${bytes(head)} bytes, at most ${MENU_LIMITS.headBytes}: send the text first`);
  for (const i of items) {
    if (!i.data || bytes(i.data) > MENU_LIMITS.idBytes) throw new WecomShapeError('menu_id', `an item id of ${bytes(i.data)} bytes (1–${MENU_LIMITS.idBytes})`);
    if (!i.label || bytes(i.label) > MENU_LIMITS.contentBytes) throw new WecomShapeError('menu_content', `an item text of ${bytes(i.label)} bytes (1–${MENU_LIMITS.contentBytes})`);
  }
  return {
    msgtype: 'msgmenu',
    msgmenu: { head_content: head, list: items.map((i) => ({ type: 'click', click: { id: i.data, content: i.label } })), ...(tail ? { tail_content: tail } : {}) },
  };
}
