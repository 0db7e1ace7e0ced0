// The buttons a matter card carries for the person looking at it: the domain's one rule for every
// card (cardActionsFor), read in the person's own chat.
import { actionData } from '../services/matter-actions.js';
import type { Matter } from '../services/desk-service.js';
import { cardActionsFor, type CardAction, type Relation } from '../domain/index.js';
import type { FlowContext, PressedEdit } from './types.js';

/** Card actions the person may take on the matter now, as their own card offers them ('takeover' for a cadre who does not hold it). */
export function cardActions(matter: Matter, relations: readonly Relation[]): CardAction[] {
  return cardActionsFor(matter, relations, 'private');
}

export function cardButtonRows(c: FlowContext, ref: string, actions: readonly string[], arg?: string): Array<Array<{ label: string; data: string }>> {
  const buttons = actions.map((a) => ({ label: c.t(`notify:actions.${a}`), data: actionData(a, ref, arg) }));
  const rows: Array<Array<{ label: string; data: string }>> = [];
  for (let i = 0; i < buttons.length; i += 3) rows.push(buttons.slice(i, i + 3));
  return rows;
}

/**
 * The pressed card after an action: a line saying what was done, and the buttons that still
 * apply. Undefined in a group: the card is everyone's there, and is left as it is.
 */
export function cardAfter(
  c: FlowContext,
  status: string,
  renewed?: { matter: Matter; relations: readonly Relation[]; /** Instead of the card actions (a liaison's sign-off). */ actions?: string[]; arg?: string },
): PressedEdit | undefined {
  if (c.update.chatType === 'group') return undefined;
  const content = c.update.content;
  const original = content.kind === 'callback' ? content.messageText : undefined;
  const edit: PressedEdit = {};
  if (original) edit.text = `${original}\n\n✅ ${status}`;
  if (renewed) {
    const rows = cardButtonRows(c, renewed.matter.ref, renewed.actions ?? cardActions(renewed.matter, renewed.relations), renewed.arg);
    if (rows.length) edit.buttons = rows;
    else edit.clearButtons = true;
  } else edit.clearButtons = true;
  return edit;
}
