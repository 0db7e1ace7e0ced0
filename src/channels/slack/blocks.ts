// Block Kit for gridline's messages: matter cards and plain notices with buttons. Pure functions
// of what to show; every text comes from locales/.
import { actionData } from '../../services/matter-actions.js';
import { formatTime, translator } from '../../i18n/index.js';
import type { Attachment } from '../../domain/types.js';
import type { CardAction, CardModel } from '../../services/card-service.js';
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
  const label = a.platform === 'slack' ? kind : tr('slack:card.attachment.elsewhere', { kind, platform: a.platform === 'telegram' ? 'Telegram' : a.platform === 'wecom' ? 'WeCom' : a.platform });
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
  // Names from the roster, in the reader's script (a zh-TW reader: traditional characters).
  const roster = (text: string) => tr('flows:matter.roster_text', { name: text });
  const m = model.matter;
  const category = tr(`common:category.${m.category}`);
  const step = tr(`common:step.${m.step}`);
  const overdue = m.state === 'open' && m.dueAt !== null && m.dueAt < o.now;
  const due = m.dueAt ? `${formatTime(m.dueAt, o.locale, o.timezone)}${overdue ? ` :warning: ${tr('slack:card.overdue')}` : ''}` : tr('slack:card.no_due');
  const who = model.assignee ? (model.assignee.title ? tr('notify:who_with_title', { title: model.assignee.title, name: model.assignee.name }) : roster(model.assignee.name)) : tr('slack:card.nobody');
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
        mrkdwn(`*${tr('slack:card.field.grid')}*\n${escapeMrkdwn(roster(model.grid))}`),
        ...(o.personal ? [mrkdwn(`*${tr('slack:card.field.reporter')}*\n${escapeMrkdwn(model.reporter ? roster(model.reporter) : tr('slack:card.nobody'))}`)] : []),
        mrkdwn(`*${tr('slack:card.field.step')}*\n${escapeMrkdwn(step)}`),
        mrkdwn(`*${tr('slack:card.field.level')}*\n${escapeMrkdwn(tr(`common:matter_level.${m.level}`))}`),
        mrkdwn(`*${tr('slack:card.field.assignee')}*\n${escapeMrkdwn(who)}`),
        mrkdwn(`*${tr('slack:card.field.due')}*\n${due}`),
        mrkdwn(`*${tr('slack:card.field.size')}*\n${escapeMrkdwn(tr(`common:size.${m.size}`))}${m.urgent ? ` :rotating_light: ${escapeMrkdwn(tr('slack:card.urgent'))}` : ''}`),
        mrkdwn(`*${tr('slack:card.field.topic')}*\n${escapeMrkdwn(model.topicName ? roster(model.topicName) : topicWord(tr, m.topic))}`),
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
