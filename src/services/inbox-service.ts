// Durable intake. Whatever a platform hands us is committed to the inbox (deduplicated by the
// platform's own id) together with the outbox row that queues its job, and only then is the
// platform told "received". Redis carries the work; the inbox keeps what the person said until it
// is handled, and the reconciler queues again any row still pending.
//
// An update the database refuses as given (a byte Postgres cannot store) is not bounced back for
// the platform to redeliver forever: its ids are kept as a failed row, the person is told once
// that we could not read it, and the platform is acknowledged.
import { outboxJob, type JobMap } from '../ports/jobs.js';
import type { ChatUpdate } from '../ports/chat-update.js';
import type { InboundItem } from '../ports/inbound-item.js';
import type { CursorAdvance } from '../ports/admission.js';
import { advanceCursor, readCursor } from '../store/repositories/cursor-repository.js';

export type { InboundItem, InboxQueue } from '../ports/inbound-item.js';
import type { Locale, Platform } from '../domain/types.js';
import type { Executor } from '../store/db.js';
import { failedInbox, inboxCounts, inboxStatus, insertInbox, markInboxFailed, markInboxHandled, type InboxSummary } from '../store/repositories/inbox-repository.js';
import { enqueue } from '../store/repositories/outbox-repository.js';
import { errorLabel, isDataError } from '../util/error-summary.js';
import { answerUnreadable } from './chat-service.js';
import type { ServiceContext } from '../ports/context.js';

export interface AdmitResult {
  /** Ids committed now (the others were there already: a redelivery). */
  fresh: string[];
  /** Ids refused by the database as given, kept as failed rows. */
  unreadable: string[];
  /** The cursor was not where the caller read from: another process committed that page; nothing was stored. */
  moved?: boolean;
}

/** The inbox id of a Telegram update: per bot (the token's numeric prefix), then the update_id. */
export function telegramInboxId(botId: string, updateId: string): string {
  return `telegram:${botId}:update:${updateId}`;
}

/**
 * Commits the items and their jobs. Throws only when the database could not be reached (the
 * platform should then deliver again); an item the database refuses is set aside as unreadable.
 */
export async function admitInbound(ctx: ServiceContext, items: InboundItem[], opts: { defaultLocale?: Locale; cursor?: CursorAdvance } = {}): Promise<AdmitResult> {
  const cursor = opts.cursor;
  if (!items.length && !cursor) return { fresh: [], unreadable: [] };
  try {
    const out = await ctx.db.transaction(async (tx) => {
      // The reading position first: when another process moved it, this page is theirs already.
      if (cursor && !(await advanceCursor(tx, cursor.key, cursor.expected, cursor.next, ctx.now()))) return { fresh: [] as string[], moved: true };
      return { fresh: await admitIn(tx, items), moved: false };
    });
    if (out.fresh.length) ctx.outboxWritten();
    return { fresh: out.fresh, unreadable: [], ...(out.moved ? { moved: true } : {}) };
  } catch (err) {
    if (!isDataError(err)) throw err;
    if (items.length > 1 || cursor) {
      // One by one, each kept (or set aside as unreadable); then the position, which now follows only committed rows.
      const out: AdmitResult = { fresh: [], unreadable: [] };
      for (const item of items) {
        const r = await admitInbound(ctx, [item], { defaultLocale: opts.defaultLocale });
        out.fresh.push(...r.fresh);
        out.unreadable.push(...r.unreadable);
      }
      if (cursor && !(await advanceCursor(ctx.db, cursor.key, cursor.expected, cursor.next, ctx.now()))) out.moved = true;
      return out;
    }
    const item = items[0]!;
    const summary: InboxSummary = { kind: item.kind, error: errorLabel(err), attempts: 1 };
    const { added, outputs } = await ctx.db.transaction(async (tx) => {
      const ids = await insertInbox(tx, [{ id: item.id, platform: item.platform, queue: item.queue, payload: null, status: 'failed', summary, doneAt: ctx.now() }]);
      if (!ids.size) return { added: false, outputs: 0 };
      return { added: true, outputs: item.answer ? await answerUnreadable(tx, item.answer, opts.defaultLocale) : 0 };
    });
    if (outputs) ctx.outboxWritten();
    if (added) ctx.logger.warn({ inboxId: item.id, platform: item.platform, kind: item.kind, error: summary.error }, 'inbound update refused by the database; kept as failed and answered');
    return { fresh: [], unreadable: added ? [item.id] : [] };
  }
}

async function admitIn(tx: Executor, items: InboundItem[]): Promise<string[]> {
  const added = await insertInbox(
    tx,
    items.map((i) => ({ id: i.id, platform: i.platform, queue: i.queue, payload: i.payload })),
  );
  const fresh = items.filter((i) => added.has(i.id));
  await enqueue(
    tx,
    // The inbox keeps the update as JSON; its worker checks it against the job's schema when it runs.
    fresh.map((i) => outboxJob('chat', i.payload as unknown as JobMap['chat'])),
  );
  return fresh.map((i) => i.id);
}

/** A chat update as an inbox item. */
export function chatInboxItem(update: ChatUpdate, id: string): InboundItem {
  return {
    id,
    platform: update.platform,
    queue: 'chat',
    payload: { ...update, inboxId: id } as unknown as Record<string, unknown>,
    kind: update.content.kind,
    answer: update,
  };
}

/** A platform's stored reading position (see CursorAdvance), or null before the first. */
export function storedCursor(ctx: Pick<ServiceContext, 'db'>, key: string): Promise<string | null> {
  return readCursor(ctx.db, key);
}

/** Whether a row still waits to be handled (a job run again after it was handled does nothing). */
export async function inboxPending(ctx: ServiceContext, id: string): Promise<boolean> {
  return (await inboxStatus(ctx.db, id)) === 'pending';
}

export async function inboxHandled(ctx: ServiceContext, id: string): Promise<void> {
  await markInboxHandled(ctx.db, id, ctx.now());
}

/**
 * Gives up an update that failed the same way again and again: the row keeps a redacted summary,
 * the person is told once (when `answer` names them), and the job ends without another retry.
 */
export async function giveUpInbound(ctx: ServiceContext, id: string, err: unknown, info: { kind: string; attempts: number; answer?: InboundItem['answer']; defaultLocale?: Locale }): Promise<boolean> {
  const summary: InboxSummary = { kind: info.kind, error: errorLabel(err), attempts: info.attempts };
  const { first, outputs } = await ctx.db.transaction(async (tx) => {
    const first = await markInboxFailed(tx, id, summary, ctx.now());
    return { first, outputs: first && info.answer ? await answerUnreadable(tx, info.answer, info.defaultLocale) : 0 };
  });
  if (outputs) ctx.outboxWritten();
  if (first) ctx.logger.error({ inboxId: id, kind: info.kind, error: summary.error, attempts: info.attempts }, 'inbound update given up after repeated failures; the person was answered');
  return first;
}

/** For operators: the updates given up, and how many rows are in each state. */
export async function inboxReport(ctx: Pick<ServiceContext, 'db'>, limit = 100): Promise<{ counts: Record<string, number>; failed: Awaited<ReturnType<typeof failedInbox>> }> {
  return { counts: await inboxCounts(ctx.db), failed: await failedInbox(ctx.db, limit) };
}
