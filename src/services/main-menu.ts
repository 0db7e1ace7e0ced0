// The main menu under the input box (反映问题 · 咨询 / 我的事项 · 帮助): the conversations show it
// and the receipt of a report brings it back.
import type { ReplyKeyboard } from '../ports/channel.js';

export type Translate = (key: string, params?: Record<string, unknown>) => string;

/** The main menu's items (the persistent reply keyboard). */
export const MENU_ITEMS = ['report', 'ask', 'mine', 'help'] as const;
export type MenuItem = (typeof MENU_ITEMS)[number];

/** The main menu, kept under the input box. */
export function menuKeyboard(t: Translate): ReplyKeyboard {
  const label = (item: MenuItem) => ({ label: t(`flows:menu.${item}`) });
  return { rows: [[label('report'), label('ask')], [label('mine'), label('help')]], persistent: true };
}
