// What a notification says: its template rendered in the reader's language, with its buttons.
// Sending is send-service.ts's.
import { commandParams, type OutboundText } from '../ports/channel.js';
import { cardActionList, FOLLOW_UP_ANSWERS, groupView, nodeActionData } from '../domain/index.js';
import type { Attachment } from '../domain/types.js';
import { CARD_TEMPLATES } from './card-service.js';
import { actionData, RATINGS } from './matter-actions.js';
import { renderBroadcast } from './broadcast-render.js';
import { menuKeyboard } from './main-menu.js';
import { formatTime, translator } from '../i18n/index.js';
import type { DeliveryRow } from '../store/repositories/delivery-repository.js';

/**
 * The buttons each kind of notification carries. Pressing one is authorised again. `argParam`
 * takes the button's arg from the delivery's params (a department code). A card notice
 * (CARD_TEMPLATES) carries the card's own buttons instead, put on it when it was written
 * (withCardActions: the one rule, cardActionsFor, for its reader).
 */
type ButtonSpec = { action: string; arg?: string; argParam?: string; label: string };
const TEMPLATE_ACTIONS: Record<string, ButtonSpec[]> = {
  // The holder keeps a climbed matter: he works on, and may settle it.
  kept_after_climb: ['reply', 'whistle', 'settle', 'mark_size', 'set_topic'].map((a) => ({ action: a, label: a })),
  kept_alerted: ['reply', 'whistle', 'settle', 'mark_size', 'set_topic'].map((a) => ({ action: a, label: a })),
  villager_added: ['reply', 'settle'].map((a) => ({ action: a, label: a })),
  urged: ['reply', 'settle'].map((a) => ({ action: a, label: a })),
  supervised: ['reply', 'settle'].map((a) => ({ action: a, label: a })),
  supervised_plain: ['reply', 'settle'].map((a) => ({ action: a, label: a })),
  reply: [{ action: 'add_info', label: 'add_info' }],
  settled: RATINGS.map((r) => ({ action: 'evaluate', arg: r, label: `evaluate_${r}` })),
  // 回访: the villager says how it is now, once.
  follow_up_ask: FOLLOW_UP_ANSWERS.map((a) => ({ action: 'follow_up', arg: a, label: `follow_up_${a}` })),
  // Deadlines (纠纷不过夜, the 75% warning, waiting on the villager)
  deadline_warning: ['reply', 'settle'].map((a) => ({ action: a, label: a })),
  dispute_overnight: ['takeover', 'supervise'].map((a) => ({ action: a, label: a })),
  paused: [{ action: 'add_info', label: 'add_info' }],
  // 吹哨报到
  summoned: ['report_in', 'sign_off'].map((a) => ({ action: a, argParam: 'departmentCode', label: a })),
  whistle_notice: [{ action: 'reply', label: 'reply' }],
  // After a department's sign-off, its part can be rated (1–5) by the holder or the whistler.
  department_signed_off: [{ action: 'rate_department', argParam: 'departmentCode', label: 'rate_department' }, { action: 'reply', label: 'reply' }],
  departments_done: [{ action: 'rate_department', argParam: 'departmentCode', label: 'rate_department' }, { action: 'settle', label: 'settle' }],
  summons_overdue: ['supervise', 'whistle'].map((a) => ({ action: a, label: a })),
  // 隐患 with someone in danger now, to the village at once
  urgent_hazard: ['takeover', 'supervise'].map((a) => ({ action: a, label: a })),
  size_marked: ['reply', 'settle'].map((a) => ({ action: a, label: a })),
};

/** Notifications that list matters (params.refs) carry one button per matter, up to LIST_BUTTONS_MAX. */
const LIST_ACTIONS: Record<string, string> = { sweep: 'supervise', open_disputes: 'supervise' };
/**
 * Notifications about a whole node (params.nodeId) and the button that sends its list privately to
 * a cadre who may read it: always (`always`), or where the words were left out (a group).
 */
const NODE_ACTIONS: Record<string, { action: string; label: string; always: boolean }> = {
  sweep: { action: 'disputes', label: 'view_list', always: false },
  sweep_villages: { action: 'disputes', label: 'view_list', always: true },
};
const LIST_BUTTONS_MAX = 10;
const ARG_RE = /^[a-z0-9_-]{1,30}$/;

type Translate = ReturnType<typeof translator>;

export interface RenderOptions {
  /**
   * Read by a group (a node's chat or channel), not one person: it carries only what groupView
   * lets through, with 查看内容 for staff. Default: a row addressed to a chat and to no person.
   */
  group?: boolean;
  /** How the reader's platform writes a command (its channel's `commandPrefix`; default '/'). */
  commandPrefix?: string;
}

/** A delivery addressed to a chat and to nobody in particular: a node's group or channel. */
export function isGroupAddressed(d: { personId?: string | null; chatId?: string | null }): boolean {
  return !d.personId && Boolean(d.chatId);
}

/**
 * The translator a notification is written with: commands as the reader's platform writes them
 * (`{{cmd}}stats`); for a group, the `_group` wording of a text where there is one (i18next's
 * context), and "see it privately" wherever a text expects something the group may not read.
 */
function notifyTranslator(locale: string, opts: { group: boolean; commandPrefix?: string }): Translate {
  const tr = translator(locale);
  const cmd = commandParams(opts.commandPrefix);
  if (!opts.group) return (key, params) => tr(key, { ...cmd, ...params });
  const hidden = tr('notify:words_hidden');
  return (key, params) => tr(key, { ...cmd, ...params, context: 'group', missingInterpolationHandler: () => hidden });
}

/** Codes and times in parameters become words in the reader's language. */
function localise(params: Record<string, unknown>, tr: Translate, locale: string, timezone: string): Record<string, unknown> {
  const p: Record<string, unknown> = { ...params };
  if (typeof p.category === 'string') p.category = tr(`common:category.${p.category}`);
  if (typeof p.size === 'string') p.sizeName = tr(`common:size.${p.size}`);
  if (typeof p.dueAt === 'string') p.due = formatTime(new Date(p.dueAt), locale, timezone);
  if (typeof p.reportedAt === 'string') p.reported = formatTime(new Date(p.reportedAt), locale, timezone);
  if (typeof p.answeredAt === 'string') p.answered = formatTime(new Date(p.answeredAt), locale, timezone);
  if (typeof p.level === 'string') p.levelName = tr(`notify:level_names.${p.level}`);
  if (typeof p.title === 'string' && p.title) p.who = tr('notify:who_with_title', { title: p.title, name: p.assignee });
  else if (typeof p.assignee === 'string') p.who = p.assignee;
  if (typeof p.late === 'boolean') p.lateNote = p.late ? tr('notify:late_note') : '';
  if (p.received && typeof p.received === 'object') p.received = receivedWords(p.received as Record<string, unknown>, tr);
  if (typeof p.settlementRate === 'number') p.rate = `${Math.round(p.settlementRate * 1000) / 10}%`;
  else if ('settlementRate' in p) p.rate = '—';
  // A param named `…Key` holds a locale key (a timer's reason): rendered into `…` in the reader's language.
  for (const [k, v] of Object.entries(params)) if (k.length > 3 && k.endsWith('Key') && typeof v === 'string') p[k.slice(0, -3)] = tr(v, p);
  return p;
}

/** What a receipt says was received: the first words, then how many photos, voice messages, files. */
function receivedWords(r: Record<string, unknown>, tr: Translate): string {
  const bits: string[] = [];
  if (typeof r.text === 'string' && r.text) bits.push(tr('notify:received_words', { text: r.text }));
  for (const kind of ['photos', 'voices', 'files'] as const) if (typeof r[kind] === 'number' && (r[kind] as number) > 0) bits.push(tr(`flows:draft.${kind}`, { count: r[kind] }));
  if (r.location === true) bits.push(tr('flows:draft.location'));
  return bits.join(tr('flows:draft.joiner'));
}

/** Lists in a notification's parameters (the sweep's disputes, the digest's held alerts) as text. */
function expandLists(template: string, p: Record<string, unknown>, tr: Translate, locale: string, timezone: string, opts: RenderOptions): void {
  if (Array.isArray(p.items)) {
    const lines = (p.items as Array<Record<string, unknown>>).map((item) => {
      const q = localise(item, tr, locale, timezone);
      if (!q.who) q.who = tr('notify:nobody');
      return tr(`notify:${template}_item`, q);
    });
    const more = typeof p.more === 'number' && p.more > 0 ? [tr(`notify:${template}_more`, { count: p.more })] : [];
    p.items = [...lines, ...more].join('\n');
  }
  if (Array.isArray(p.held)) {
    const held = p.held as Array<{ template: string; params: Record<string, unknown> }>;
    const lines = held.map((h) => `· ${renderDelivery(h, locale, timezone, opts).text.replace(/\n/g, ' ')}`);
    p.held = held.length ? `\n${tr(`notify:${template}_held`, { count: held.length, alerts: lines.join('\n') })}` : '';
  }
  // Where a node's open matters are (the township's sweep): each village and how many.
  if (Array.isArray(p.villages)) {
    p.villages = (p.villages as Array<Record<string, unknown>>).map((v) => tr(`notify:${template}_item`, v)).join('\n');
  }
}

/** Renders a delivery's template for one locale. Codes in the parameters become words. */
export function renderDelivery(
  delivery: Pick<DeliveryRow, 'template' | 'params'> & { matterId?: string | null; personId?: string | null; chatId?: string | null },
  locale: string,
  timezone: string,
  options: RenderOptions = {},
): OutboundText {
  // A broadcast is the author's words, not a matter's notice: rendered on its own.
  const broadcast = renderBroadcast(delivery, locale);
  if (broadcast) return broadcast;
  const group = options.group ?? isGroupAddressed(delivery);
  const opts: RenderOptions = { ...options, group };
  const tr = notifyTranslator(locale, { group, commandPrefix: options.commandPrefix });
  // The one rule for what a group reads: whatever the template and whoever wrote the row.
  const params = group ? groupView(delivery.params).params : delivery.params;
  const p = localise(params, tr, locale, timezone);
  expandLists(delivery.template, p, tr, locale, timezone, opts);
  const ref = typeof p.ref === 'string' ? p.ref : null;
  const argOf = (b: { arg?: string; argParam?: string }) => {
    const v = b.argParam ? p[b.argParam] : b.arg;
    return typeof v === 'string' && ARG_RE.test(v) ? v : undefined;
  };
  const card = CARD_TEMPLATES.has(delivery.template);
  // A card row written without its buttons (before they were put on it) still lets a group's staff read the words.
  const stored = Array.isArray(p.actions) ? cardActionList(p.actions) : group ? ['view'] : [];
  const actions: ButtonSpec[] = card ? stored.map((a) => ({ action: a, label: a })) : (TEMPLATE_ACTIONS[delivery.template] ?? []);
  const buttons = ref ? actions.map((b) => ({ label: tr(`notify:actions.${b.label}`, p), data: actionData(b.action, ref, argOf(b)) })) : [];
  // A group reads no one's words; staff get them privately with one tap (a card's rule offers it first).
  if (ref && group && !card) buttons.unshift({ label: tr('notify:actions.view'), data: actionData('view', ref) });
  const nodeAction = NODE_ACTIONS[delivery.template];
  if (nodeAction && (nodeAction.always || group) && typeof p.nodeId === 'string') buttons.unshift({ label: tr(`notify:actions.${nodeAction.label}`), data: nodeActionData(nodeAction.action, p.nodeId) });
  const listAction = LIST_ACTIONS[delivery.template];
  if (listAction && Array.isArray(p.refs)) {
    for (const r of (p.refs as unknown[]).slice(0, LIST_BUTTONS_MAX)) {
      if (typeof r === 'string') buttons.push({ label: tr(`notify:actions.${listAction}_ref`, { ref: r }), data: actionData(listAction, r) });
    }
  }
  const attachments = Array.isArray(p.attachments) ? (p.attachments as Attachment[]) : undefined;
  // A reply of files only says so, rather than ending at "回复您：".
  if (attachments?.length && typeof p.text === 'string' && !p.text.trim()) {
    const count = (...kinds: string[]) => attachments.filter((a) => kinds.includes(a.kind)).length;
    p.text = tr('notify:files_only', { what: receivedWords({ photos: count('photo'), voices: count('voice'), files: count('document', 'video'), location: count('location') > 0 }, tr) });
  }
  return {
    kind: 'message',
    text: tr(`notify:${delivery.template}`, p),
    // One row: the adapter lays a notification's actions out (`about`).
    ...(buttons.length ? { buttons: [buttons] } : {}),
    ...(attachments?.length ? { attachments } : {}),
    // The receipt ends the report: the main menu comes back with it.
    ...(delivery.template.startsWith('receipt') ? { keyboard: menuKeyboard(tr) } : {}),
    about: { template: delivery.template, ...(delivery.matterId ? { matterId: delivery.matterId } : {}) },
  };
}
