// What a message addressed to a group (a node's Telegram group, a Slack channel) may carry: the
// category, grid, reference and level of a matter and the frame around them (counts, times, the
// staff and departments named by the roster), never anyone's words or a villager's name. One rule
// for every kind of group message, old or new: a field is shown only when it is known safe; what
// is not known is left out (staff read the words privately with 查看内容).
import { cardActionList } from './card-actions.js';
import { parseRef } from './reference.js';
import { CATEGORIES, GRID_LEVELS, LOCALES, SIZES } from './types.js';

type Check = (v: unknown) => boolean;

const oneOf =
  (list: readonly string[]): Check =>
  (v) =>
    typeof v === 'string' && list.includes(v);
const isRef: Check = (v) => typeof v === 'string' && parseRef(v) === v;
const isInstant: Check = (v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/.test(v);
const isDay: Check = (v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v);
/** A name the roster gave (a grid, a staff member, a department): one line, short. */
const isRosterName: Check = (v) => typeof v === 'string' && v.length <= 80 && !/[\n\r]/.test(v);
const isId: Check = (v) => typeof v === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(v);
const isCode: Check = (v) => typeof v === 'string' && /^[a-z0-9_-]{1,40}$/i.test(v);
/** A locale key (`ladder:reason.settle`): our own words, rendered in the reader's language. */
const isLocaleKey: Check = (v) => typeof v === 'string' && /^[a-z]+:[\w.]+$/.test(v);

/** Fields a group may read, each with the shape its value must have. */
const SAFE_FIELDS: Readonly<Record<string, Check>> = {
  ref: isRef,
  category: oneOf(CATEGORIES),
  level: oneOf(GRID_LEVELS),
  size: oneOf(SIZES),
  locale: oneOf(LOCALES),
  dueAt: isInstant,
  reportedAt: isInstant,
  day: isDay,
  // Names from the roster: grids and villages, the staff who answer for a matter (亮身份), departments.
  grid: isRosterName,
  village: isRosterName,
  assignee: isRosterName,
  title: isRosterName,
  byName: isRosterName,
  department: isRosterName,
  departments: isRosterName,
  departmentCode: isCode,
  // The node a list is about (its 查看清单 button).
  nodeId: isId,
};

/** Lists whose entries are read by the same rule. */
const LIST_FIELDS = new Set(['items', 'villages']);

export interface GroupView {
  params: Record<string, unknown>;
  /** The fields left out: a renderer says "see privately" where a text expected them. */
  withheld: string[];
}

/**
 * The part of a message's parameters a group may read: numbers and yes/no, fields known safe whose
 * value has the expected shape, locale keys (`…Key`), lists of such entries (`items`, `villages`),
 * the matters listed (`refs`), a card's buttons (`actions`) and held alerts (`held`: each read by
 * this rule). Everything else — summary, text, note, reason, comment, result, a villager's name, a
 * phone, whatever is added later — is withheld.
 */
export function groupView(params: Readonly<Record<string, unknown>>): GroupView {
  const out: Record<string, unknown> = {};
  const withheld: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    // null carries no words (a rate with nothing to divide by is null, and is shown as —).
    if (value === null || typeof value === 'number' || typeof value === 'boolean') out[key] = value;
    else if (key.length > 3 && key.endsWith('Key') && isLocaleKey(value)) out[key] = value;
    else if (SAFE_FIELDS[key]?.(value)) out[key] = value;
    else if (key === 'refs' && Array.isArray(value)) out[key] = value.filter(isRef);
    // A card's buttons (cardActionsFor): names of actions, no one's words.
    else if (key === 'actions' && Array.isArray(value)) out[key] = cardActionList(value);
    else if (LIST_FIELDS.has(key) && Array.isArray(value)) out[key] = value.filter(isRecord).map((entry) => groupView(entry).params);
    else if (key === 'held' && Array.isArray(value)) out[key] = value.filter(isRecord).map((h) => ({ template: isCode(h.template) ? h.template : 'unknown', params: isRecord(h.params) ? groupView(h.params).params : {} }));
    else withheld.push(key);
  }
  return { params: out, withheld };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
