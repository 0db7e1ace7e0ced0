// Turns what a flow says into channel-neutral outputs: text in the person's language, choices as
// button rows, the main menu as a reply keyboard.
import type { ChatButton } from '../ports/channel.js';
import { LOCALES } from '../domain/types.js';
import { translator } from '../i18n/index.js';
import { MENU_ITEMS, menuKeyboard, type MenuItem, type Translate } from '../services/main-menu.js';
import type { Say } from './types.js';

export { menuKeyboard, type Translate };

export function renderSay(s: Say, t: Translate): string {
  return 'key' in s ? t(s.key, s.params) : s.text;
}

/** Buttons per row: short labels three to a row, long ones alone. */
export function columnsFor(labels: readonly string[]): number {
  const longest = Math.max(0, ...labels.map((l) => [...l].length));
  if (longest <= 6) return 3;
  if (longest <= 14) return 2;
  return 1;
}

export function rows<T>(items: readonly T[], columns: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += columns) out.push(items.slice(i, i + columns));
  return out;
}

/** Folds case, width and spacing so that typed text can match a button's label. */
export function normaliseLabel(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/[\s\p{P}\p{S}]+/gu, '');
}

let menuIndex: Map<string, MenuItem> | null = null;

/** The menu item a typed or tapped text names, in any language. */
export function menuItemFor(text: string): MenuItem | undefined {
  if (!menuIndex) {
    menuIndex = new Map();
    for (const lng of LOCALES) {
      const t = translator(lng);
      for (const item of MENU_ITEMS) menuIndex.set(normaliseLabel(t(`flows:menu.${item}`)), item);
    }
  }
  return menuIndex.get(normaliseLabel(text));
}

export type ButtonRows = ChatButton[][];
