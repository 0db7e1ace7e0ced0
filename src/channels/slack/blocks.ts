// Block Kit for gridline's messages: matter cards, plain notices with buttons, modals and the
// App Home. Pure functions of what to show; every text comes from locales/.
import { actionData } from '../../services/matter-actions.js';
import { formatTime, translator } from '../../i18n/index.js';
import type { Attachment } from '../../domain/types.js';
import type { CardAction, CardModel } from './card-model.js';
import type { Block, View } from './slack-api.js';

/** Slack's limits: section text 3000, button text 75, button value 2000, header 150, modal title 24. */
const cut = (s: string, n: number) => ([...s].length > n ? `${[...s].slice(0, n - 1).join('')}…` : s);

/** Text shown in mrkdwn must not be read as markup (a villager may type < or *). */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const plain = (text: string, n = 3000) => ({ type: 'plain_text', text: cut(text, n), emoji: true });
const mrkdwn = (text: string, n = 3000) => ({ type: 'mrkdwn', text: cut(text, n) });

export interface Button {
  label: string;
  value: string;
  actionId: string;
  style?: 'primary' | 'danger';
}

export function actionsBlock(buttons: Button[], blockId?: string): Block {
  return {
    type: 'actions',
    ...(blockId ? { block_id: blockId } : {}),
    elements: buttons.slice(0, 25).map((b) => ({
      type: 'button',
      text: plain(b.label, 75),
      value: b.value,
      action_id: b.actionId,
      ...(b.style ? { style: b.style } : {}),
    })),
  };
}

/** Button data → a unique action id in its message (Slack refuses two alike). */
export const actionIdFor = (data: string, i: number) => `gl_${i}_${data.replace(/[^a-z_]/gi, '').slice(0, 40)}`;

/** A notice with the buttons the send worker asked for. */
export function noticeBlocks(text: string, actions: Array<{ label: string; data: string }> = []): Block[] {
  const blocks: Block[] = [{ type: 'section', text: mrkdwn(escapeMrkdwn(text)) }];
  if (actions.length) blocks.push(actionsBlock(actions.map((a, i) => ({ label: a.label, value: a.data, actionId: actionIdFor(a.data, i) }))));
  return blocks;
}

export interface CardOptions {
  locale: string;
  timezone: string;
  now: Date;
  /** The notification that posted the card; names why it came. */
  template: string;
  /** A personal card gets the hint about replying in the thread. */
  personal: boolean;
}

const CARD_REASONS = new Set(['assigned', 'escalated', 'escalated_away', 'reopened', 'escalation_alert', 'unassigned']);
const STATE_MARK: Record<string, string> = { open: ':large_orange_circle:', settled: ':large_green_circle:', closed: ':white_check_mark:', withdrawn: ':white_circle:' };

/** One attached file or place; files kept on another platform are named, not shown. */
export function attachmentLine(a: Attachment, locale: string): string {
  const tr = translator(locale);
  const kind = tr(`slack:card.attachment.${a.kind}`);
  if (a.kind === 'location' && a.latitude !== undefined && a.longitude !== undefined) {
    return `:round_pushpin: <https://www.openstreetmap.org/?mlat=${a.latitude}&mlon=${a.longitude}#map=17/${a.latitude}/${a.longitude}|${kind} ${a.latitude.toFixed(5)}, ${a.longitude.toFixed(5)}>`;
  }
  const label = a.platform === 'slack' ? kind : tr('slack:card.attachment.elsewhere', { kind, platform: a.platform === 'telegram' ? 'Telegram' : a.platform });
  return `:paperclip: ${escapeMrkdwn(label)}${a.caption ? ` — ${escapeMrkdwn(a.caption)}` : ''}`;
}

/** A topic code in words: the locale's name when it has one, else the code. */
function topicWord(tr: (key: string) => string, code: string): string {
  const key = `common:topic.${code}`;
  const word = tr(key);
  return word === key || word === `topic.${code}` ? code : word;
}

export function cardButtons(model: CardModel, locale: string): Button[] {
  const tr = translator(locale);
  return model.buttons.map((a: CardAction) => ({
    label: tr(`notify:actions.${a}`),
    value: actionData(a, model.matter.ref),
    actionId: `mx_${a}`,
    ...(a === 'take' || a === 'settle' ? { style: 'primary' as const } : {}),
  }));
}

/** The card: what the villager said, where the matter stands, and what the viewer may do now. */
export function matterCard(model: CardModel, o: CardOptions): { text: string; blocks: Block[] } {
  const tr = translator(o.locale);
  const m = model.matter;
  const category = tr(`common:category.${m.category}`);
  const step = tr(`common:step.${m.step}`);
  const overdue = m.state === 'open' && m.dueAt !== null && m.dueAt < o.now;
  const due = m.dueAt ? `${formatTime(m.dueAt, o.locale, o.timezone)}${overdue ? ` :warning: ${tr('slack:card.overdue')}` : ''}` : tr('slack:home.no_due');
  const who = model.assignee ? (model.assignee.title ? tr('notify:who_with_title', { title: model.assignee.title, name: model.assignee.name }) : model.assignee.name) : tr('slack:card.nobody');
  const reason = tr(`slack:card.reason.${CARD_REASONS.has(o.template) ? o.template : 'other'}`);
  const quoted = escapeMrkdwn(model.words)
    .split(/\r?\n/)
    .map((l) => `>${l}`)
    .join('\n');

  const blocks: Block[] = [
    { type: 'header', text: plain(`${category} · ${m.ref}`, 150) },
    { type: 'context', elements: [mrkdwn(`${STATE_MARK[m.state] ?? ''} *${escapeMrkdwn(reason)}* · ${escapeMrkdwn(tr(`common:state.${m.state}`))}`)] },
    // A channel is everyone's: the villager's words and name stay out, one tap away ('view').
    { type: 'section', text: mrkdwn(o.personal ? `*${tr('slack:card.words')}*\n${quoted}` : `*${tr('slack:card.words')}*\n${escapeMrkdwn(tr('slack:card.words_hidden'))}`) },
    {
      type: 'section',
      fields: [
        mrkdwn(`*${tr('slack:card.field.grid')}*\n${escapeMrkdwn(model.grid)}`),
        ...(o.personal ? [mrkdwn(`*${tr('slack:card.field.reporter')}*\n${escapeMrkdwn(model.reporter ?? tr('slack:card.nobody'))}`)] : []),
        mrkdwn(`*${tr('slack:card.field.step')}*\n${escapeMrkdwn(step)}`),
        mrkdwn(`*${tr('slack:card.field.level')}*\n${escapeMrkdwn(tr(`common:matter_level.${m.level}`))}`),
        mrkdwn(`*${tr('slack:card.field.assignee')}*\n${escapeMrkdwn(who)}`),
        mrkdwn(`*${tr('slack:card.field.due')}*\n${due}`),
        mrkdwn(`*${tr('slack:card.field.size')}*\n${escapeMrkdwn(tr(`common:size.${m.size}`))}${m.urgent ? ` :rotating_light: ${escapeMrkdwn(tr('slack:card.urgent'))}` : ''}`),
        mrkdwn(`*${tr('slack:card.field.topic')}*\n${escapeMrkdwn(model.topicName ?? topicWord(tr, m.topic))}`),
        // The holder may need to call: a tel: link, on their card only.
        ...(model.phone ? [mrkdwn(`*${tr('slack:card.field.phone')}*\n<tel:${model.phone.replace(/[^+0-9]/g, '')}|${escapeMrkdwn(model.phone)}>`)] : []),
      ],
    },
  ];
  if (model.attachments.length) blocks.push({ type: 'context', elements: model.attachments.slice(0, 10).map((a) => mrkdwn(attachmentLine(a, o.locale))) });
  if (model.result) {
    const rating = model.rating ? `\n${tr('slack:card.rating', { rating: tr(`notify:actions.evaluate_${model.rating}`) })}` : '';
    blocks.push({ type: 'section', text: mrkdwn(`${escapeMrkdwn(tr('slack:card.result', { result: model.result }))}${escapeMrkdwn(rating)}`) });
  }
  const buttons = cardButtons(model, o.locale);
  if (buttons.length) blocks.push(actionsBlock(buttons, `card_${m.ref}`));
  if (o.personal && m.state === 'open') blocks.push({ type: 'context', elements: [mrkdwn(escapeMrkdwn(tr('slack:card.hint')))] });
  const text = tr('slack:card.fallback', { category, ref: m.ref, summary: o.personal ? m.summary : '', step });
  return { text, blocks };
}

// ---- modals ----

export const MODAL_CALLBACK = 'gl_matter';
export const MODAL_ACTIONS = ['settle', 'reply', 'add_info', 'escalate', 'transfer', 'whistle'] as const;
export type ModalAction = (typeof MODAL_ACTIONS)[number];

export interface ModalMeta {
  /** The action the modal asks for. */
  a: ModalAction;
  /** The matter's reference. */
  r: string;
  /** Where the button was pressed, to answer there. */
  c?: string;
  t?: string;
}

export function isModalAction(a: string): a is ModalAction {
  return (MODAL_ACTIONS as readonly string[]).includes(a);
}

function textInput(blockId: string, label: string, placeholder: string | undefined, opts: { multiline?: boolean; optional?: boolean; max?: number } = {}): Block {
  return {
    type: 'input',
    block_id: blockId,
    optional: opts.optional ?? false,
    label: plain(label, 2000),
    element: {
      type: 'plain_text_input',
      action_id: 'v',
      multiline: opts.multiline ?? true,
      max_length: opts.max ?? 3000,
      ...(placeholder ? { placeholder: plain(placeholder, 150) } : {}),
    },
  };
}

/** A modal asking what an action needs: the settlement note, the reply, the reason, the target. */
export function actionModal(
  meta: ModalMeta,
  locale: string,
  extra: { ref: string; targets?: Array<{ personId: string; label: string }>; departments?: Array<{ id: string; name: string }> },
): View {
  const tr = translator(locale);
  const k = `slack:modal.${meta.a}`;
  const blocks: Block[] = [{ type: 'context', elements: [mrkdwn(`*${extra.ref}*`)] }];
  if (meta.a === 'transfer') {
    const targets = extra.targets ?? [];
    if (!targets.length) blocks.push({ type: 'section', text: mrkdwn(escapeMrkdwn(tr('slack:modal.transfer.none'))) });
    else
      blocks.push({
        type: 'input',
        block_id: 'target',
        label: plain(tr('slack:modal.transfer.target')),
        element: { type: 'static_select', action_id: 'v', options: targets.slice(0, 100).map((t) => ({ text: plain(t.label, 75), value: t.personId })) },
      });
    blocks.push(textInput('text', tr('slack:modal.transfer.reason'), undefined, { optional: true, max: 500 }));
  } else if (meta.a === 'whistle') {
    const depts = extra.departments ?? [];
    if (!depts.length) blocks.push({ type: 'section', text: mrkdwn(escapeMrkdwn(tr('slack:modal.whistle.none'))) });
    else
      blocks.push({
        type: 'input',
        block_id: 'depts',
        label: plain(tr('slack:modal.whistle.departments')),
        element: { type: 'multi_static_select', action_id: 'v', options: depts.slice(0, 100).map((d) => ({ text: plain(d.name, 75), value: d.id })) },
      });
    blocks.push(textInput('text', tr(`${k}.label`), tr(`${k}.placeholder`), { max: 500 }));
  } else {
    blocks.push(textInput('text', tr(`${k}.label`), tr(`${k}.placeholder`), { max: meta.a === 'escalate' ? 500 : 3000 }));
  }
  return {
    type: 'modal',
    callback_id: MODAL_CALLBACK,
    private_metadata: JSON.stringify(meta),
    title: plain(tr(`${k}.title`), 24),
    ...((meta.a === 'transfer' && !(extra.targets ?? []).length) || (meta.a === 'whistle' && !(extra.departments ?? []).length) ? {} : { submit: plain(tr('slack:modal.submit'), 24) }),
    close: plain(tr('slack:modal.cancel'), 24),
    blocks,
  };
}

// ---- App Home ----

export interface HomeItem {
  ref: string;
  category: string;
  step: string;
  summary: string;
  dueAt: Date | null;
}

export interface HomeFigures {
  node: string;
  accepted: number;
  settled: number;
  open: number;
  settlementRate: number | null;
  firstContact: number | null;
  withinVillage: number | null;
  withinTownship: number | null;
  satisfaction: number | null;
  /** 多网合一: matters by topic, most first (names as the roster writes them, else the locale's). */
  topics?: Array<{ code: string; name: string | null; accepted: number }>;
}

const pct = (r: number | null, none: string) => (r === null ? none : `${Math.round(r * 1000) / 10}%`);

/** Overdue first (the longest overdue on top), then by due time. */
export function sortOverdueFirst<T extends { dueAt: Date | null }>(items: T[], now: Date): T[] {
  const key = (d: Date | null) => (d ? d.getTime() : Number.MAX_SAFE_INTEGER);
  const overdue = items.filter((i) => i.dueAt && i.dueAt < now).sort((a, b) => key(a.dueAt) - key(b.dueAt));
  const rest = items.filter((i) => !(i.dueAt && i.dueAt < now)).sort((a, b) => key(a.dueAt) - key(b.dueAt));
  return [...overdue, ...rest];
}

export function matterLines(items: HomeItem[], o: { locale: string; timezone: string; now: Date }): string[] {
  const tr = translator(o.locale);
  return sortOverdueFirst(items, o.now).map((i) =>
    tr(i.dueAt && i.dueAt < o.now ? 'slack:home.overdue_item' : 'slack:home.item', {
      ref: i.ref,
      category: tr(`common:category.${i.category}`),
      step: tr(`common:step.${i.step}`),
      summary: escapeMrkdwn(i.summary),
      due: i.dueAt ? formatTime(i.dueAt, o.locale, o.timezone) : tr('slack:home.no_due'),
    }),
  );
}

export function figuresText(f: HomeFigures, locale: string): string {
  const tr = translator(locale);
  const none = tr('slack:home.no_rate');
  const text = tr('slack:home.figures', {
    accepted: f.accepted,
    settled: f.settled,
    open: f.open,
    settlementRate: pct(f.settlementRate, none),
    firstContact: pct(f.firstContact, none),
    withinVillage: pct(f.withinVillage, none),
    withinTownship: pct(f.withinTownship, none),
    satisfaction: pct(f.satisfaction, none),
  });
  const topics = (f.topics ?? []).map((t) => tr('slack:home.topic_item', { name: t.name ?? topicWord(tr, t.code), count: t.accepted }));
  return topics.length ? `${text}\n${tr('slack:home.topics', { list: topics.join(' · ') })}` : text;
}

export function homeView(o: { locale: string; timezone: string; now: Date; name: string | null; open: HomeItem[]; reported: HomeItem[]; figures: HomeFigures[] }): View {
  const tr = translator(o.locale);
  const blocks: Block[] = [];
  if (o.name === null) {
    blocks.push({ type: 'section', text: mrkdwn(escapeMrkdwn(tr('slack:refuse.not_linked'))) });
    return { type: 'home', blocks };
  }
  blocks.push({ type: 'header', text: plain(tr('slack:home.greeting', { name: o.name }), 150) });
  const list = (header: string, items: HomeItem[]) => {
    blocks.push({ type: 'section', text: mrkdwn(`*${escapeMrkdwn(header)}*`) });
    const lines = matterLines(items, o);
    if (!lines.length) blocks.push({ type: 'context', elements: [mrkdwn(escapeMrkdwn(tr('slack:home.none')))] });
    for (const line of lines.slice(0, 40)) blocks.push({ type: 'section', text: mrkdwn(line) });
  };
  if (o.open.length || !o.reported.length) list(tr('slack:home.open_header', { count: o.open.length }), o.open);
  if (o.reported.length) list(tr('slack:home.reported_header', { count: o.reported.length }), o.reported);
  // Figures last, each grid its own section; kept within Slack's 100 blocks.
  const figures = o.figures.slice(0, Math.max(0, 99 - blocks.length));
  if (figures.length) blocks.push({ type: 'divider' });
  for (const f of figures) blocks.push({ type: 'section', text: mrkdwn(`*${escapeMrkdwn(tr('slack:home.figures_header', { node: f.node }))}*\n${escapeMrkdwn(figuresText(f, o.locale))}`) });
  return { type: 'home', blocks: blocks.slice(0, 100) };
}
