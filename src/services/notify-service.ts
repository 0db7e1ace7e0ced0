// Sends one delivery: renders it in the recipient's language and hands it to the first channel
// that can reach them. A delivery that is no longer pending is never sent again.
import type { ChannelPort, OutboundMessage } from '../channels/channel-port.js';
import { RecipientUnreachableError, RetryAfterError } from '../channels/channel-port.js';
import { reachOrder } from '../domain/reach.js';
import type { Attachment, Platform } from '../domain/types.js';
import { actionData, RATINGS } from './matter-actions.js';
import { menuKeyboard } from '../flows/render.js';
import { formatTime, translator } from '../i18n/index.js';
import type { JobOutcome } from '../queue/jobs.js';
import { claimDeliveries, deliveriesByIds, failPendingDeliveries, finishDeliveries, releaseDeliveries, type DeliveryRow } from '../store/repositories/delivery-repository.js';
import { leaseExpiredBefore, recordSent } from './send-lease.js';
import { isConnectionError } from '../util/error-summary.js';
import { linkMessages } from '../store/repositories/message-link-repository.js';
import { findMatter } from '../store/repositories/matter-repository.js';
import { findPerson, markIdentityUnreachable, recipients } from '../store/repositories/people-repository.js';
import { WORDS_HIDDEN_KEY } from './alert-service.js';
import type { ServiceContext } from './context.js';
import { checkWaitingReceipt } from './waiting-receipt.js';

export interface NotifyOptions {
  channels: ReadonlyMap<Platform, ChannelPort>;
  /** Used when none of the person's platforms has a running adapter. */
  fallback: ChannelPort;
  timezone: string;
}

/**
 * The buttons each kind of notification carries. Pressing one is authorised again. `argParam`
 * takes the button's arg from the delivery's params (a department code).
 */
const TEMPLATE_ACTIONS: Record<string, Array<{ action: string; arg?: string; argParam?: string; label: string }>> = {
  assigned: ['take', 'reply', 'transfer', 'escalate', 'settle', 'mark_size', 'set_topic'].map((a) => ({ action: a, label: a })),
  escalated: ['take', 'reply', 'transfer', 'escalate', 'settle', 'mark_size', 'set_topic'].map((a) => ({ action: a, label: a })),
  escalated_away: ['take', 'reply', 'transfer', 'escalate', 'settle', 'mark_size', 'set_topic'].map((a) => ({ action: a, label: a })),
  // The holder keeps a climbed matter: he works on, and may settle it.
  kept_after_climb: ['reply', 'whistle', 'settle', 'mark_size', 'set_topic'].map((a) => ({ action: a, label: a })),
  kept_alerted: ['reply', 'whistle', 'settle', 'mark_size', 'set_topic'].map((a) => ({ action: a, label: a })),
  reopened: ['take', 'reply', 'transfer', 'escalate', 'settle', 'mark_size', 'set_topic'].map((a) => ({ action: a, label: a })),
  unassigned: [{ action: 'takeover', label: 'takeover' }],
  escalation_alert: ['takeover', 'transfer', 'supervise', 'whistle', 'mark_size'].map((a) => ({ action: a, label: a })),
  villager_added: ['reply', 'settle'].map((a) => ({ action: a, label: a })),
  urged: ['reply', 'settle'].map((a) => ({ action: a, label: a })),
  supervised: ['reply', 'settle'].map((a) => ({ action: a, label: a })),
  supervised_plain: ['reply', 'settle'].map((a) => ({ action: a, label: a })),
  reply: [{ action: 'add_info', label: 'add_info' }],
  settled: RATINGS.map((r) => ({ action: 'evaluate', arg: r, label: `evaluate_${r}` })),
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
const LIST_ACTIONS: Record<string, string> = { sweep: 'supervise' };
const LIST_BUTTONS_MAX = 10;
const ARG_RE = /^[a-z0-9_-]{1,30}$/;

type Translate = ReturnType<typeof translator>;

/** Codes and times in parameters become words in the reader's language. */
function localise(params: Record<string, unknown>, tr: Translate, locale: string, timezone: string): Record<string, unknown> {
  const p: Record<string, unknown> = { ...params };
  if (typeof p.category === 'string') p.category = tr(`common:category.${p.category}`);
  if (typeof p.size === 'string') p.sizeName = tr(`common:size.${p.size}`);
  if (typeof p.dueAt === 'string') p.due = formatTime(new Date(p.dueAt), locale, timezone);
  if (typeof p.reportedAt === 'string') p.reported = formatTime(new Date(p.reportedAt), locale, timezone);
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
function expandLists(template: string, p: Record<string, unknown>, tr: Translate, locale: string, timezone: string): void {
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
    const lines = held.map((h) => `· ${renderDelivery(h, locale, timezone).text.replace(/\n/g, ' ')}`);
    p.held = held.length ? `\n${tr(`notify:${template}_held`, { count: held.length, alerts: lines.join('\n') })}` : '';
  }
}

/** Renders a delivery's template for one locale. Codes in the parameters become words. */
export function renderDelivery(delivery: Pick<DeliveryRow, 'template' | 'params'> & { matterId?: string | null }, locale: string, timezone: string): OutboundMessage {
  const tr = translator(locale);
  const p = localise(delivery.params, tr, locale, timezone);
  expandLists(delivery.template, p, tr, locale, timezone);
  const ref = typeof p.ref === 'string' ? p.ref : null;
  const argOf = (b: { arg?: string; argParam?: string }) => {
    const v = b.argParam ? p[b.argParam] : b.arg;
    return typeof v === 'string' && ARG_RE.test(v) ? v : undefined;
  };
  const buttons = ref ? (TEMPLATE_ACTIONS[delivery.template] ?? []).map((b) => ({ label: tr(`notify:actions.${b.label}`, p), data: actionData(b.action, ref, argOf(b)) })) : [];
  // A group alert leaves the villager's words out; staff get them privately with one tap.
  if (ref && delivery.params.summaryKey === WORDS_HIDDEN_KEY) buttons.unshift({ label: tr('notify:actions.view'), data: actionData('view', ref) });
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
    text: tr(`notify:${delivery.template}`, p),
    ...(buttons.length ? { actions: buttons } : {}),
    ...(attachments?.length ? { attachments } : {}),
    // The receipt ends the report: the main menu comes back with it.
    ...(delivery.template.startsWith('receipt') ? { keyboard: menuKeyboard(tr) } : {}),
    about: { template: delivery.template, ...(delivery.matterId ? { matterId: delivery.matterId } : {}) },
  };
}

export interface SendAttempt {
  /** The job sending it: a retry of the same job may resend after a crash, another job may not. */
  claimer: string;
  /** On the last attempt a failure is final. */
  final: boolean;
}

/**
 * Sends the deliveries of one job, each claimed (a lease, SEND_LEASE_MS) just before it is sent
 * and recorded just after, so a delivery that another job sent or is sending is skipped, and a
 * process that dies leaves at most the one it was sending in doubt. A failure gives the delivery
 * back for the job's retry.
 */
export async function sendDeliveries(ctx: ServiceContext, opts: NotifyOptions, deliveryIds: string[], attempt: SendAttempt): Promise<JobOutcome> {
  const rows = await deliveriesByIds(ctx.db, deliveryIds);
  const open = new Set(rows.filter((d) => d.status === 'pending' || d.status === 'sending').map((d) => d.id));
  const todo = deliveryIds.filter((id) => open.has(id));
  if (!todo.length) return { outcome: 'already_done' };
  const people = await recipients(ctx.db, [...new Set(rows.flatMap((d) => (d.personId && open.has(d.id) ? [d.personId] : [])))]);
  const outcomes: Record<string, number> = {};
  for (let i = 0; i < todo.length; i++) {
    // A waiting receipt put back after a restart: taken back if routing answered meanwhile.
    if ((await checkWaitingReceipt(ctx, rows.find((r) => r.id === todo[i])!)) === 'superseded') {
      outcomes.superseded = (outcomes.superseded ?? 0) + 1;
      continue;
    }
    const now = ctx.now();
    const [delivery] = await claimDeliveries(ctx.db, [todo[i]!], attempt.claimer, now, leaseExpiredBefore(now, ctx.sendLeaseMs));
    if (!delivery) {
      outcomes.skipped = (outcomes.skipped ?? 0) + 1;
      continue;
    }
    try {
      const result = delivery.personId ? await sendOne(ctx, opts, delivery, people.get(delivery.personId)) : await sendToChat(ctx, opts, delivery);
      outcomes[result] = (outcomes[result] ?? 0) + 1;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // A 429 delays the job without using an attempt: never final.
      if (attempt.final && !(err instanceof RetryAfterError)) {
        await finishDeliveries(ctx.db, [delivery.id], { status: 'failed', error: message.slice(0, 500) });
        await failPendingDeliveries(ctx.db, todo.slice(i + 1), message);
      } else await releaseDeliveries(ctx.db, [delivery.id], message);
      throw err;
    }
  }
  return { outcome: 'done', ...outcomes };
}

type Recipients = Awaited<ReturnType<typeof recipients>>;

/** Notifications that hand a matter to someone: its holder may need to call the villager. */
const HOLDER_TEMPLATES = new Set(['assigned', 'escalated', 'reopened']);

/**
 * The villager's phone, for the matter's holder only (checked when sent, so a card that reaches
 * someone who no longer holds it carries none). Null when there is none to give.
 */
async function holderPhone(ctx: ServiceContext, delivery: DeliveryRow): Promise<string | null> {
  if (!delivery.matterId || !delivery.personId || !HOLDER_TEMPLATES.has(delivery.template)) return null;
  const matter = await findMatter(ctx.db, delivery.matterId);
  if (!matter?.reporterId || matter.assigneeId !== delivery.personId) return null;
  return (await findPerson(ctx.db, matter.reporterId))?.phone ?? null;
}

async function sendOne(ctx: ServiceContext, opts: NotifyOptions, delivery: DeliveryRow, who: ReturnType<Recipients['get']>): Promise<string> {
  if (!who) {
    await finishDeliveries(ctx.db, [delivery.id], { status: 'failed', error: 'no such person' });
    return 'missing_person';
  }
  const { person } = who;
  // Every time shown in the reader's own zone (set with /tz or in the roster), else the service's.
  const message = renderDelivery(delivery, person.locale, person.timezone ?? opts.timezone);
  const phone = await holderPhone(ctx, delivery);
  if (phone) message.text += `\n${translator(person.locale)('notify:phone_line', { phone })}`;
  // Where they chose to be reached, else where they last wrote from; the others if that one is closed.
  const identities = reachOrder(who.identities.filter((i) => !i.unreachableAt), person.preferredPlatform);
  const usable = identities.filter((i) => opts.channels.has(i.platform));
  for (const identity of usable) {
    const channel = opts.channels.get(identity.platform)!;
    let sent: { messageRef?: string };
    try {
      sent = await channel.send({ personId: person.id, externalId: identity.externalId, chatId: identity.chatId, locale: person.locale }, message);
    } catch (err) {
      if (err instanceof RecipientUnreachableError) {
        await markIdentityUnreachable(ctx.db, identity.id, ctx.now());
        ctx.logger.info({ deliveryId: delivery.id, personId: person.id, platform: identity.platform }, 'identity unreachable; trying the next one');
        continue;
      }
      throw err;
    }
    await recordSent(() => finishDeliveries(ctx.db, [delivery.id], { status: 'sent', channel: channel.name, sentAt: ctx.now(), error: null }), isConnectionError);
    await linkSent(ctx, delivery, identity.platform, identity.chatId ?? identity.externalId, sent.messageRef);
    return 'sent';
  }
  if (usable.length > 0) {
    await finishDeliveries(ctx.db, [delivery.id], { status: 'unreachable', error: 'every identity is unreachable' });
    return 'unreachable';
  }
  // No adapter runs for this person's platforms (or they have none): the log is the channel.
  await opts.fallback.send({ personId: person.id, externalId: '', chatId: null, locale: person.locale }, message);
  await finishDeliveries(ctx.db, [delivery.id], { status: 'sent', channel: opts.fallback.name, sentAt: ctx.now(), error: null });
  return 'sent';
}

/**
 * A delivery to a group chat or channel (a node's alerts): not a person, so it is written in the
 * locale the node chose and sent to the chat through its platform's adapter, or to the log.
 */
async function sendToChat(ctx: ServiceContext, opts: NotifyOptions, delivery: DeliveryRow): Promise<string> {
  if (!delivery.chatPlatform || !delivery.chatId) {
    await finishDeliveries(ctx.db, [delivery.id], { status: 'failed', error: 'no person and no chat' });
    return 'missing_target';
  }
  const locale = typeof delivery.params.locale === 'string' ? delivery.params.locale : 'zh-CN';
  const message = renderDelivery(delivery, locale, opts.timezone);
  const channel = opts.channels.get(delivery.chatPlatform) ?? opts.fallback;
  let sent: { messageRef?: string };
  try {
    sent = await channel.send({ personId: '', externalId: delivery.chatId, chatId: delivery.chatId, locale, group: true }, message);
  } catch (err) {
    if (err instanceof RecipientUnreachableError) {
      // The bot was removed from the group: an administrator has to fix the roster or the group.
      await finishDeliveries(ctx.db, [delivery.id], { status: 'unreachable', error: err.message.slice(0, 500) });
      ctx.logger.warn({ deliveryId: delivery.id, platform: delivery.chatPlatform, chatId: delivery.chatId }, 'alert chat unreachable; check the node\'s alerts in the roster');
      return 'unreachable';
    }
    throw err;
  }
  await recordSent(() => finishDeliveries(ctx.db, [delivery.id], { status: 'sent', channel: channel.name, sentAt: ctx.now(), error: null }), isConnectionError);
  if (channel !== opts.fallback) await linkSent(ctx, delivery, delivery.chatPlatform, delivery.chatId, sent.messageRef);
  return 'sent';
}

/** Remembers which matter a sent card is about: a reply-to on it in the chat answers that matter. */
async function linkSent(ctx: ServiceContext, delivery: DeliveryRow, platform: Platform, chatId: string, messageRef: string | undefined): Promise<void> {
  if (!messageRef || !delivery.matterId) return;
  await linkMessages(ctx.db, [{ platform, chatId, messageRef, matterId: delivery.matterId, personId: delivery.personId, kind: 'card', deliveryId: delivery.id }]);
}
