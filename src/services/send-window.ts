// The sending window on the send side (issue 16 §3). A channel may declare that it writes to a
// person only for a while after they last wrote (Channel.sendingWindow: WeChat Customer Service,
// 5 messages within 48 hours; WhatsApp, 24 hours). The send service asks here before each message
// to such a chat: when the window is closed or its messages are used up, the row is HELD
// ('window_held') — not failed, not retried — and leaves the queue. When the person next writes,
// their turn (chat-service.ts) takes what was held and writes ONE short message in its place,
// after the turn's own answers: the news, one line per matter, in the reader's language.
import { randomUUID } from 'node:crypto';
import { windowState, type WindowState } from '../domain/sending-window.js';
import type { Platform } from '../domain/types.js';
import { translator } from '../i18n/index.js';
import type { Channel, ChatTarget, OutboundText, SendingWindow } from '../ports/channel.js';
import type { ServiceContext } from '../ports/context.js';
import type { Executor } from '../store/db.js';
import { createDeliveries, recipientKey, type DeliveryRow } from '../store/repositories/delivery-repository.js';
import { enqueue } from '../store/repositories/outbox-repository.js';
import { holdClaimed, lastWrote, sentSince, takeHeld, takeWaitingCopies, waitClaimedCopy } from '../store/repositories/window-repository.js';
import { BROADCAST_WINDOW_WAIT_MS } from '../domain/broadcast.js';
import { outboxJob } from '../ports/jobs.js';
import { renderDelivery } from './notify-service.js';
import { sendJobs } from './send-jobs.js';

/** The notification that carries what was held, merged (its params: `news`, the held notifications). */
export const MERGED_TEMPLATE = 'window_merged';

/** The merged message stays one short message: at most this many matters, each line this long. */
const MERGED_LINES = 5;
const LINE_CHARS = 60;
/** With one matter only, its newest news is shown up to this long. */
const ONE_MATTER_CHARS = 200;

export interface WindowCheck {
  limits: SendingWindow;
  state: WindowState;
}

/**
 * The window a message to `target` on `platform` is under, and how it stands now; null when the
 * channel lets the bot write there at any time. `lastInboundAt`: when the person last wrote there.
 */
export async function windowOf(ctx: ServiceContext, channel: Channel, platform: Platform, target: ChatTarget, lastInboundAt: Date | null): Promise<WindowCheck | null> {
  const limits = channel.sendingWindow?.(target) ?? null;
  if (!limits) return null;
  // Their own queue, and their private chat's (what the conversation said before we knew them).
  const queues = [...(target.personId ? [recipientKey({ personId: target.personId })] : []), recipientKey({ chatPlatform: platform, chatId: target.chatId })];
  const sent = lastInboundAt ? await sentSince(ctx.db, queues, platform, lastInboundAt, { editsSentAnew: limits.editsSentAnew }) : 0;
  return { limits, state: windowState(lastInboundAt, sent, limits, ctx.now()) };
}

/**
 * The window of a conversation's output to a chat. Someone we do not know yet has no record of
 * when they wrote: the output answers what they just wrote, so it goes (and should the platform
 * refuse it after all, WindowClosedError holds it).
 */
export async function outputWindowOf(ctx: ServiceContext, channel: Channel, platform: Platform, target: ChatTarget): Promise<WindowCheck | null> {
  if (!channel.sendingWindow?.(target)) return null;
  const wrote = await lastWrote(ctx.db, platform, target.userId);
  if (!wrote) return null;
  return windowOf(ctx, channel, platform, { ...target, personId: wrote.personId }, wrote.lastSeenAt);
}

/** Holds a claimed row until the person writes again. Returns the send job's count for it. */
export async function holdForWindow(ctx: ServiceContext, row: DeliveryRow, reason: string): Promise<string> {
  if (!row.claimedBy || !(await holdClaimed(ctx.db, row.id, row.claimedBy, `sending window: ${reason}`))) return 'claim_lost';
  ctx.logger.info({ deliveryId: row.id, template: row.template, reason }, 'held until the person writes again (sending window)');
  return 'held';
}

/**
 * A broadcast's copy is not news about a matter: it is never merged into the "新进展" message.
 * It waits, as itself, for the person's next message (releaseWaitingCopies) until the broadcast's
 * wait is over (BROADCAST_WINDOW_WAIT_MS; then the progress job counts it not delivered).
 */
export async function waitForWindow(ctx: ServiceContext, row: DeliveryRow, reason: string): Promise<string> {
  if (!row.claimedBy || !(await waitClaimedCopy(ctx.db, row.id, row.claimedBy, `sending window: ${reason}`))) return 'claim_lost';
  ctx.logger.info({ deliveryId: row.id, broadcastId: row.broadcastId, reason }, 'broadcast copy waits until the person writes again (sending window)');
  return 'window_waiting';
}

/**
 * The person wrote: the broadcast copies that waited for it go into the queue this turn's answers
 * went to (`answers`: their private chat's, where it is not their own), due now. A copy goes after
 * every other row of a queue, so after the answers; it is never merged with the matters' news.
 * Unless its broadcast's wait is over. The author's progress is brought up to date. Returns how
 * many broadcasts had a copy waiting.
 */
export async function releaseWaitingCopies(tx: Executor, personId: string, now: Date, answers: { platform: Platform; chatId: string } | null): Promise<number> {
  const own = recipientKey({ personId });
  const into = answers ? recipientKey({ chatPlatform: answers.platform, chatId: answers.chatId }) : own;
  const broadcastIds = await takeWaitingCopies(tx, own, into, new Date(now.getTime() - BROADCAST_WINDOW_WAIT_MS));
  if (!broadcastIds.length) return 0;
  await enqueue(tx, [outboxJob('send', { recipient: into, lane: 'broadcast' }), ...broadcastIds.map((broadcastId) => outboxJob('broadcast', { broadcastId, op: 'progress' }))]);
  return broadcastIds.length;
}

/**
 * What a receipt adds for a reader under a window: how news will reach them. The flag is the
 * channel's capability (the window it declares for this chat), never the platform's name.
 */
export function windowNote(template: string, limits: SendingWindow | null, locale: string): string | null {
  if (!limits || !template.startsWith('receipt')) return null;
  return translator(locale)('notify:window_note', { count: limits.messages, hours: Math.max(1, Math.round(limits.withinMs / 3_600_000)) });
}

interface News {
  template: string;
  params: Record<string, unknown>;
  matterId: string | null;
}

/** The held notifications a merged row carries (an earlier merged row that was itself held, flattened). */
function newsOf(rows: ReadonlyArray<Pick<DeliveryRow, 'template' | 'params' | 'matterId'>>): News[] {
  return rows.flatMap((r): News[] => {
    if (r.template !== MERGED_TEMPLATE) return [{ template: r.template, params: r.params, matterId: r.matterId }];
    const inner = Array.isArray(r.params.news) ? (r.params.news as News[]) : [];
    return newsOf(inner.map((n) => ({ template: n.template, params: n.params ?? {}, matterId: n.matterId ?? null })));
  });
}

/**
 * The person wrote: everything held for them goes out as one message, queued after what the turn
 * just wrote (their answers first). Called in the turn's transaction; the rows are taken in one
 * statement (takeHeld), so two turns or processes at once merge each row once. A conversation's
 * held answers are dropped (superseded): the conversation answers what they wrote now. Returns
 * how many notifications were merged.
 */
export async function releaseHeld(tx: Executor, personId: string | null, chat: { platform: Platform; chatId: string } | null): Promise<number> {
  // Their own queue's, then the chat's: one statement.
  const taken = await takeHeld(tx, [...(personId ? [recipientKey({ personId })] : []), ...(chat ? [recipientKey({ chatPlatform: chat.platform, chatId: chat.chatId })] : [])]);
  const held = taken.filter((r) => !r.output);
  const news = newsOf(held);
  if (!personId || !news.length) return 0;
  const matterIds = new Set(news.map((n) => n.matterId));
  const row = {
    id: randomUUID(),
    personId,
    matterId: matterIds.size === 1 ? [...matterIds][0]! : null,
    template: MERGED_TEMPLATE,
    params: { news, heldIds: held.map((r) => r.id) },
  };
  await createDeliveries(tx, [row]);
  await enqueue(tx, sendJobs([row]));
  return news.length;
}

/** At most `max` characters (not UTF-16 units: a Chinese text is cut between characters). */
const cut = (text: string, max: number): string => ([...text].length > max ? `${[...text].slice(0, max - 1).join('')}…` : text);
const oneLine = (text: string, max: number): string => cut(text.replace(/\s*\n\s*/g, ' ').trim(), max);
/** The news without its own 【0000-0018】: the merged message names the matter already. */
const withoutRef = (text: string, ref: string | undefined): string => (ref && (text.startsWith(`【${ref}】`) || text.startsWith(`[${ref}]`)) ? text.slice(ref.length + 2).trimStart() : text);

/**
 * The merged message: with one matter, "您的事项 0000-0018 有 3 条新进展：" and its newest news;
 * with several, one line per matter (its newest news, short), newest matter first. Short enough
 * for one message on any platform (at most MERGED_LINES lines of LINE_CHARS).
 */
export function renderMerged(delivery: Pick<DeliveryRow, 'params' | 'matterId' | 'personId'>, locale: string, timezone: string, commandPrefix?: string): OutboundText {
  const tr = translator(locale);
  const news = newsOf([{ template: MERGED_TEMPLATE, params: delivery.params, matterId: delivery.matterId }]);
  const rendered = news.map((n) => ({ n, message: renderDelivery({ ...n, personId: delivery.personId }, locale, timezone, { group: false, commandPrefix }) }));
  // One group per matter (news about no matter stands alone), ordered by its newest news.
  const groups = new Map<string, typeof rendered>();
  rendered.forEach((r, i) => {
    const key = r.n.matterId ?? `#${i}`;
    const group = groups.get(key) ?? [];
    groups.delete(key);
    groups.set(key, [...group, r]);
  });
  const newestFirst = [...groups.values()].reverse();
  const refOf = (g: typeof rendered) => g.map((r) => r.n.params.ref).find((x): x is string => typeof x === 'string');
  const about = { template: MERGED_TEMPLATE, ...(delivery.matterId ? { matterId: delivery.matterId } : {}) };
  // One piece of news alone is simply that news, as it would have gone (its words and buttons).
  if (rendered.length === 1) return { ...rendered[0]!.message, about };
  const only = newestFirst.length === 1 ? newestFirst[0]! : null;
  if (only && refOf(only)) {
    const latest = only[only.length - 1]!.message;
    return {
      kind: 'message',
      text: tr('notify:window_merged', { ref: refOf(only), count: only.length, latest: cut(withoutRef(latest.text, refOf(only)).trim(), ONE_MATTER_CHARS) }),
      // The newest news's buttons (rate the settled matter, add what was asked for).
      ...(latest.buttons?.length ? { buttons: latest.buttons } : {}),
      about,
    };
  }
  const lines = newestFirst.slice(0, MERGED_LINES).map((g) => {
    const ref = refOf(g);
    const latest = oneLine(withoutRef(g[g.length - 1]!.message.text, ref), LINE_CHARS);
    return ref ? tr('notify:window_merged_line', { ref, count: g.length, latest }) : tr('notify:window_merged_plain', { latest });
  });
  const more = newestFirst.length - MERGED_LINES;
  if (more > 0) lines.push(tr('notify:window_merged_more', { count: more }));
  return { kind: 'message', text: tr('notify:window_merged_list', { count: news.length, lines: lines.join('\n') }), about };
}
