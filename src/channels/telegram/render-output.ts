// Neutral buttons and keyboards as Bot API reply markup.
import type { InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove } from 'telegraf/types';
import type { ChatButton, ReplyKeyboard } from '../../ports/channel.js';

/** Telegram's limit on callback_data. */
export const CALLBACK_DATA_LIMIT = 64;

export class ButtonDataTooLongError extends Error {
  override readonly name = 'ButtonDataTooLongError';
  constructor(readonly data: string) {
    super(`button data "${data}" is ${Buffer.byteLength(data)} bytes; Telegram allows ${CALLBACK_DATA_LIMIT}: keep ids short`);
  }
}

export function inlineKeyboard(rows: ChatButton[][]): InlineKeyboardMarkup {
  return {
    inline_keyboard: rows
      .filter((r) => r.length)
      .map((r) =>
        r.map((b) => {
          if (Buffer.byteLength(b.data) > CALLBACK_DATA_LIMIT) throw new ButtonDataTooLongError(b.data);
          return { text: b.label, callback_data: b.data };
        }),
      ),
  };
}

export function replyKeyboard(k: ReplyKeyboard | 'remove'): ReplyKeyboardMarkup | ReplyKeyboardRemove {
  if (k === 'remove') return { remove_keyboard: true };
  return {
    keyboard: k.rows.map((r) =>
      r.map((b) => (b.request === 'contact' ? { text: b.label, request_contact: true } : b.request === 'location' ? { text: b.label, request_location: true } : { text: b.label })),
    ),
    resize_keyboard: true,
    ...(k.persistent ? { is_persistent: true } : {}),
    ...(k.oneTime ? { one_time_keyboard: true } : {}),
  };
}

/** Action buttons of a notification: two to a row when short, else one. */
export function actionRows(actions: ReadonlyArray<{ label: string; data: string }>): ChatButton[][] {
  const perRow = actions.every((a) => [...a.label].length <= 8) ? 2 : 1;
  const rows: ChatButton[][] = [];
  for (let i = 0; i < actions.length; i += perRow) rows.push(actions.slice(i, i + perRow).map((a) => ({ label: a.label, data: a.data })));
  return rows;
}
