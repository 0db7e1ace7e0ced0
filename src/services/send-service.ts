// The one way out. Every message to send (a notification, a conversation's output) waits in its
// recipient's queue (deliveries.recipient) and one `send` job drains that queue in written order:
// it claims the head (a lease, SEND_LEASE_MS) just before sending and records it just after, so a
// message goes twice only when a process died between the two. Once the platform has accepted a
// message, 'sent' is recorded in one statement with the card's link to its matter and the claim
// of the queue's next head (the read and the claim of a head are one statement too); should that
// statement fail but for the database being away, 'sent' is recorded alone and then the link,
// which may fail without making the message sendable again. A later message never overtakes an
// earlier one: while the head is being sent, or waits out a 429, the job stops and leaves the
// queue to the job that holds the head.
import { RecipientUnreachableError, RetryAfterError, WindowClosedError, type Channel, type ChatTarget, type OutboundMessage, type SendingWindow } from '../ports/channel.js';
import type { Platform } from '../domain/types.js';
import { translator } from '../i18n/index.js';
import type { JobOutcome } from '../ports/jobs.js';
import { claimDelivery, claimQueueHead, failClaimedDelivery, finishDeliveries, markSentAndClaimNext, releaseDelivery, unclaimDelivery, type DeliveryRow, type HeadClaim, type QueueHead } from '../store/repositories/delivery-repository.js';
import { linkMessages } from '../store/repositories/message-link-repository.js';
import { findMatter } from '../store/repositories/matter-repository.js';
import { findPerson, markIdentityUnreachable, recipients } from '../store/repositories/people-repository.js';
import { markUnreachable } from '../store/repositories/registration-repository.js';
import { errorSummary, isConnectionError } from '../util/error-summary.js';
import type { ServiceContext } from '../ports/context.js';
import { renderDelivery } from './notify-service.js';
import { BOOKKEEPING_WAIT_MS, leaseExpiredBefore, recordSent } from './send-lease.js';
import { checkWaitingReceipt } from './waiting-receipt.js';
import { RECEIPT_WAIT_MS, WAITING_RECEIPT } from './intake-service.js';
import { holdForWindow, MERGED_TEMPLATE, outputWindowOf, renderMerged, waitForWindow, windowNote, windowOf } from './send-window.js';
import { broadcastGate } from './broadcast-gate.js';
import { reachOrder } from '../domain/reach.js';
import { sendClass } from '../domain/send-class.js';

export interface SendOptions {
  channels: ReadonlyMap<Platform, Channel>;
  /** Used when none of the person's platforms has a running adapter. */
  fallback: Channel;
  timezone: string;
}

export interface SendAttempt {
  /** The job sending: a retry of the same job may resend after a crash, another job may not. */
  claimer: string;
  /** On the last attempt a failure is final. */
  final: boolean;
  /** The job was delayed until then (a receipt that waits): rows due by then are due. */
  at?: string;
  /**
   * Asked when nothing more may be sent now (the queue is empty, or its head is another job's):
   * true when a message was written to the queue since it was last read (send-wakes.ts): it is read again.
   */
  settle?: () => boolean;
  /**
   * Asked before each message: true when the process is stopping. The job then leaves the rest of
   * the queue to whoever sends next (a head it had claimed is given back untouched) and returns
   * 'stopped'; its caller queues a job for the queue again. A stop waits for one message, not a queue.
   */
  stopping?: () => boolean;
}

/**
 * Sends what is due in one recipient's queue, oldest first. Returns when the queue is empty, or
 * when its head is another job's (being sent, or waiting out a 429 that job was told). A 429
 * gives the head back with its wait and throws (the job waits as long as the platform asked);
 * another error gives it back for the job's retry, or on the last attempt fails it and goes on.
 */
export async function sendQueued(ctx: ServiceContext, opts: SendOptions, recipient: string, attempt: SendAttempt): Promise<JobOutcome> {
  const counts: Record<string, number> = {};
  const count = (k: string) => (counts[k] = (counts[k] ?? 0) + 1);
  // A chat that refused one output refuses the rest: not asked again in this run.
  const refused = new Set<string>();
  const at = attempt.at ? Date.parse(attempt.at) : 0;
  const claim = (): HeadClaim => {
    const now = ctx.now();
    return { recipient, claimer: attempt.claimer, now, due: new Date(Math.max(now.getTime(), at)), staleBefore: leaseExpiredBefore(now, ctx.sendLeaseMs), checkFirst: { template: WAITING_RECEIPT, waitMs: RECEIPT_WAIT_MS } };
  };
  // The head the last send's record claimed with it (undefined: not known, claimed afresh).
  let next: QueueHead | null | undefined;
  const run: SendRun = { claim, next: (head) => (next = head), refused };
  for (;;) {
    if (next !== null && attempt.stopping?.()) {
      if (next?.claimed) await unclaimDelivery(ctx.db, next.row.id, attempt.claimer);
      return { outcome: 'stopped', ...counts };
    }
    const fresh = next === undefined;
    const head = fresh ? await claimQueueHead(ctx.db, claim()) : next;
    next = undefined;
    if (!head) {
      if (attempt.settle?.()) continue;
      return { outcome: Object.keys(counts).length ? 'done' : 'nothing_due', ...counts };
    }
    let row: DeliveryRow | undefined = head.claimed ? head.row : undefined;
    // A head the claim left alone: a waiting receipt is looked at first (a restart put it back
    // early: it waits out its wait for routing) and then claimed; a head the record of the last
    // send left alone (held by another transaction just then) is claimed on its own. A head a
    // fresh claim refused is another job's.
    const waiting = head.row.template === WAITING_RECEIPT && head.row.attempts === 0 && head.row.matterId !== null;
    if (!row && (waiting || !fresh)) {
      await checkWaitingReceipt(ctx, head.row);
      const c = claim();
      row = await claimDelivery(ctx.db, head.row.id, attempt.claimer, c.now, c.staleBefore);
    }
    if (!row) {
      // A head claimed along with the last send's record that changed since: the queue is claimed afresh.
      if (!fresh) continue;
      // Another job sends it or waits to: that job goes on with the queue.
      if (attempt.settle?.()) continue;
      return { outcome: 'queue_busy', ...counts };
    }
    // A broadcast's copy is checked once more just before it goes (/stop, quiet hours).
    const gate = await broadcastGate(ctx, row, attempt.claimer, opts.timezone);
    if (gate) {
      count(gate);
      continue;
    }
    try {
      count(row.output ? await sendOutput(ctx, opts, row, run) : row.personId ? await sendToPerson(ctx, opts, row, run) : await sendToGroup(ctx, opts, row, run));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // Given back only while still ours and unsent: a row recorded as sent stays sent.
      if (err instanceof RetryAfterError) {
        await releaseDelivery(ctx.db, row.id, attempt.claimer, message, new Date(ctx.now().getTime() + err.retryAfterMs));
        throw err;
      }
      if (!attempt.final) {
        await releaseDelivery(ctx.db, row.id, attempt.claimer, message);
        throw err;
      }
      // Given up: the rest of the queue is not held back by it.
      await failClaimedDelivery(ctx.db, row.id, attempt.claimer, message);
      ctx.logger.warn({ deliveryId: row.id, output: Boolean(row.output), err: { name: (err as Error).name } }, 'message given up after its last attempt');
      count('failed');
    }
  }
}

/** One job's run through a queue: how it claims, and where a send's record leaves the head it claimed next. */
interface SendRun {
  claim: () => HeadClaim;
  next: (head: QueueHead | null) => void;
  refused: Set<string>;
}

/**
 * Records a row as sent, with its card's link to its matter (`link`: the chat it went to), and
 * claims the queue's next head in the same statement. The platform has the message: a database
 * away is waited for (recordSent). Should that statement fail otherwise, the record is written
 * on its own and then the link (linkSent), as each would be alone, and the queue is claimed afresh.
 */
async function sent(ctx: ServiceContext, run: SendRun, row: DeliveryRow, channel: string, messageRef: string | undefined, link: { platform: Platform; chatId: string } | null = null): Promise<void> {
  const mark = { id: row.id, channel, sentAt: ctx.now(), messageRef: messageRef ?? null, link: link && messageRef && row.matterId ? link : null };
  try {
    run.next(await recordSent(() => markSentAndClaimNext(ctx.db, mark, run.claim()), isConnectionError));
    return;
  } catch (err) {
    if (isConnectionError(err)) throw err;
    ctx.logger.warn({ deliveryId: row.id, err: errorSummary(err) }, 'recording a send with its link failed; recording it alone');
  }
  await recordSent(() => finishDeliveries(ctx.db, [row.id], { status: 'sent', channel, sentAt: mark.sentAt, error: null, messageRef: mark.messageRef }), isConnectionError);
  if (link) await linkSent(ctx, row, link.platform, link.chatId, messageRef);
}

/** A conversation's output, to the chat it answers. */
async function sendOutput(ctx: ServiceContext, opts: SendOptions, row: DeliveryRow, run: SendRun): Promise<string> {
  const refused = run.refused;
  const platform = row.chatPlatform!;
  const chatId = row.chatId!;
  const channel = opts.channels.get(platform);
  if (!channel) {
    await finishDeliveries(ctx.db, [row.id], { status: 'failed', error: `no ${platform} channel running` });
    return 'no_channel';
  }
  if (refused.has(chatId)) {
    await finishDeliveries(ctx.db, [row.id], { status: 'unreachable' });
    return 'unreachable';
  }
  const userId = row.userId ?? '';
  const output = row.output as unknown as OutboundMessage;
  // A chat under a sending window: past it, the output waits for the person's next message (send-window.ts).
  if (output.kind === 'message' || output.kind === 'edit') {
    const window = await outputWindowOf(ctx, channel, platform, { chatId, userId });
    // An edit is held only where it goes out as a message (SendingWindow.editsSentAnew).
    if (window && !window.state.open && (output.kind === 'message' || window.limits.editsSentAnew)) return holdForWindow(ctx, row, window.state.reason);
  }
  try {
    const out = await channel.deliver({ chatId, userId, sendClass: sendClass(row) }, output);
    await sent(ctx, run, row, channel.name, out.messageRef);
    return 'sent';
  } catch (err) {
    if (err instanceof WindowClosedError) return holdForWindow(ctx, row, 'refused');
    if (!(err instanceof RecipientUnreachableError)) throw err;
    refused.add(chatId);
    await finishDeliveries(ctx.db, [row.id], { status: 'unreachable', error: err.message.slice(0, 500) });
    if (chatId === userId) await markUnreachable(ctx.db, platform, userId, ctx.now());
    return 'unreachable';
  }
}

/** Notifications that hand a matter to someone: its holder may need to call the villager. */
export const HOLDER_TEMPLATES: ReadonlySet<string> = new Set(['assigned', 'escalated', 'reopened']);

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

/** A notification to a person: rendered in their language, to the first of their platforms that reaches them. */
async function sendToPerson(ctx: ServiceContext, opts: SendOptions, delivery: DeliveryRow, run: SendRun): Promise<string> {
  const who = (await recipients(ctx.db, [delivery.personId!])).get(delivery.personId!);
  if (!who) {
    await finishDeliveries(ctx.db, [delivery.id], { status: 'failed', error: 'no such person' });
    return 'missing_person';
  }
  const { person } = who;
  // Every time shown in the reader's own zone (set with /tz or in the roster), else the service's.
  const phone = await holderPhone(ctx, delivery);
  // Rendered for the channel that carries it: a command is named as that platform writes it.
  const render = (channel: Channel, window: SendingWindow | null = null) => {
    const zone = person.timezone ?? opts.timezone;
    const message =
      delivery.template === MERGED_TEMPLATE ? renderMerged(delivery, person.locale, zone, channel.commandPrefix) : renderDelivery(delivery, person.locale, zone, { group: false, commandPrefix: channel.commandPrefix });
    if (phone) message.text += `\n${translator(person.locale)('notify:phone_line', { phone })}`;
    // A receipt tells a reader under a sending window how news will reach them.
    const note = windowNote(delivery.template, window, person.locale);
    if (note) message.text += `\n${note}`;
    return message;
  };
  // Where they chose to be reached, else where they last wrote from; the others if that one is closed.
  const usable = reachOrder(who.identities.filter((i) => !i.unreachableAt), person.preferredPlatform).filter((i) => opts.channels.has(i.platform));
  // A platform whose sending window is closed for them is passed over like one that refuses; if no
  // other takes the message, it is held until they write again (send-window.ts).
  let windowClosed: string | null = null;
  for (const identity of usable) {
    const channel = opts.channels.get(identity.platform)!;
    const chatId = identity.chatId ?? identity.externalId;
    const target: ChatTarget = { chatId, userId: identity.externalId, personId: person.id, locale: person.locale, sendClass: sendClass(delivery) };
    const window = await windowOf(ctx, channel, identity.platform, target, identity.lastSeenAt);
    if (window && !window.state.open) {
      windowClosed = window.state.reason;
      continue;
    }
    let out: { messageRef?: string };
    try {
      out = await channel.deliver(target, render(channel, window?.limits));
    } catch (err) {
      if (err instanceof WindowClosedError) {
        windowClosed = 'refused';
        continue;
      }
      if (err instanceof RecipientUnreachableError) {
        await markIdentityUnreachable(ctx.db, identity.id, ctx.now());
        ctx.logger.info({ deliveryId: delivery.id, personId: person.id, platform: identity.platform }, 'identity unreachable; trying the next one');
        continue;
      }
      throw err;
    }
    await sent(ctx, run, delivery, channel.name, out.messageRef, { platform: identity.platform, chatId });
    return 'sent';
  }
  // A broadcast's copy waits as itself for their next message (never merged into the matters' news).
  if (windowClosed) return delivery.broadcastId ? waitForWindow(ctx, delivery, windowClosed) : holdForWindow(ctx, delivery, windowClosed);
  if (usable.length > 0) {
    await finishDeliveries(ctx.db, [delivery.id], { status: 'unreachable', error: 'every identity is unreachable' });
    return 'unreachable';
  }
  // No adapter runs for this person's platforms (or they have none): the log is the channel.
  await opts.fallback.deliver({ chatId: '', userId: '', personId: person.id, locale: person.locale }, render(opts.fallback));
  await finishDeliveries(ctx.db, [delivery.id], { status: 'sent', channel: opts.fallback.name, sentAt: ctx.now(), error: null });
  return 'sent';
}

/**
 * A notification to a group chat or channel (a node's alerts): not a person, so it is written in
 * the locale the node chose and sent to the chat through its platform's adapter, or to the log.
 */
async function sendToGroup(ctx: ServiceContext, opts: SendOptions, delivery: DeliveryRow, run: SendRun): Promise<string> {
  if (!delivery.chatPlatform || !delivery.chatId) {
    await finishDeliveries(ctx.db, [delivery.id], { status: 'failed', error: 'no person and no chat' });
    return 'missing_target';
  }
  const locale = typeof delivery.params.locale === 'string' ? delivery.params.locale : 'zh-CN';
  const channel = opts.channels.get(delivery.chatPlatform) ?? opts.fallback;
  // Every message to a group passes groupView there, whatever its template.
  const message = renderDelivery(delivery, locale, opts.timezone, { group: true, commandPrefix: channel.commandPrefix });
  const target: ChatTarget = { chatId: delivery.chatId, userId: '', locale, group: true, sendClass: sendClass(delivery) };
  let out: { messageRef?: string };
  try {
    out = await channel.deliver(target, message);
  } catch (err) {
    if (err instanceof RecipientUnreachableError) {
      // The bot was removed from the group: an administrator has to fix the roster or the group.
      await finishDeliveries(ctx.db, [delivery.id], { status: 'unreachable', error: err.message.slice(0, 500) });
      ctx.logger.warn({ deliveryId: delivery.id, platform: delivery.chatPlatform, chatId: delivery.chatId }, "alert chat unreachable; check the node's alerts in the roster");
      return 'unreachable';
    }
    throw err;
  }
  await sent(ctx, run, delivery, channel.name, out.messageRef, channel !== opts.fallback ? { platform: delivery.chatPlatform, chatId: delivery.chatId } : null);
  return 'sent';
}

/**
 * Remembers which matter a sent card is about: a reply-to on it in the chat answers that matter.
 * Written after the message is recorded as sent: a database away is waited for a short while
 * (BOOKKEEPING_WAIT_MS), and then the link is given up (logged; a reply-to on that card is not
 * tied to the matter) rather than failing the job, whose retry must not send it again.
 */
async function linkSent(ctx: ServiceContext, delivery: DeliveryRow, platform: Platform, chatId: string, messageRef: string | undefined): Promise<void> {
  if (!messageRef || !delivery.matterId) return;
  const link = { platform, chatId, messageRef, matterId: delivery.matterId, personId: delivery.personId, kind: 'card' as const, deliveryId: delivery.id };
  try {
    await recordSent(() => linkMessages(ctx.db, [link]), isConnectionError, BOOKKEEPING_WAIT_MS);
  } catch (err) {
    ctx.logger.warn({ deliveryId: delivery.id, err: errorSummary(err) }, 'sent, but its card could not be linked to its matter');
  }
}
