// Durable intake. Whatever a platform hands us is committed to the inbox (deduplicated by the
// platform's own id) together with the outbox row that queues its job, and only then is the
// platform told "received". Redis carries the work; the inbox keeps what the person said until it
// is handled, and the reconciler queues again any row still pending.
//
// An update the database refuses as given (a byte Postgres cannot store) is not bounced back for
// the platform to redeliver forever: its ids are kept as a failed row, the person is told once
// that we could not read it, and the platform is acknowledged.
import type { JobName } from '../ports/jobs.js';
import type { ChatUpdate } from '../ports/chat-update.js';
import type { InboundItem } from '../ports/inbound-item.js';
import type { AdmitOutcome, CursorAdvance } from '../ports/admission.js';

export type { InboundItem, InboxQueue } from '../ports/inbound-item.js';
import type { Locale, Platform } from '../domain/types.js';
import type { Executor } from '../store/db.js';
import { failedInbox, inboxCounts, inboxStatus, insertInbox, insertInboxWithJobs, markInboxFailed, markInboxHandled, type InboxSummary } from '../store/repositories/inbox-repository.js';
import { advanceCursor, readCursor } from '../store/repositories/cursor-repository.js';
import { conversationLockKey } from '../store/repositories/flow-repository.js';
import { errorLabel, isDataError } from '../util/error-summary.js';
import { answerUnreadable } from './chat-service.js';
import type { ServiceContext } from '../ports/context.js';

export type AdmitResult = AdmitOutcome;

/** Thrown inside the admitting transaction to undo it: another process moved the cursor first. */
class CursorMoved extends Error {}

/**
 * Commits the items and their jobs, and moves the platform's reading cursor with them when one is
 * given (compare-and-set: when another process moved it first, nothing is kept and the result says
 * `moved`). Throws only when the database could not be reached (the platform should then deliver
 * again); an item the database refuses is set aside as unreadable.
 */
export async function admitInbound(ctx: ServiceContext, items: InboundItem[], opts: { defaultLocale?: Locale; cursor?: CursorAdvance } = {}): Promise<AdmitResult> {
  const cursor = opts.cursor;
  if (!items.length && !cursor) return { fresh: [], unreadable: [] };
  try {
    // Without a cursor the items and their jobs are one statement, atomic on its own.
    const fresh = !cursor
      ? await admitIn(ctx.db, items)
      : await ctx.db.transaction(async (tx) => {
          const fresh = await admitIn(tx, items);
          if (!(await advanceCursor(tx, cursor, ctx.now()))) throw new CursorMoved();
          return fresh;
        });
    if (fresh.length) ctx.outboxWritten();
    return { fresh, unreadable: [] };
  } catch (err) {
    if (err instanceof CursorMoved) return { fresh: [], unreadable: [], moved: true };
    if (!isDataError(err)) throw err;
    if (items.length > 1 || cursor) {
      // One by one, each committed (or kept as failed); the cursor after all of them.
      const out: AdmitResult = { fresh: [], unreadable: [] };
      for (const item of items) {
        const r = await admitInbound(ctx, [item], { defaultLocale: opts.defaultLocale });
        out.fresh.push(...r.fresh);
        out.unreadable.push(...r.unreadable);
      }
      if (cursor && !(await ctx.db.transaction((tx) => advanceCursor(tx, cursor, ctx.now())))) out.moved = true;
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

/** A platform's stored reading position (see admitInbound's `cursor`), or null before the first. */
export function platformCursor(ctx: Pick<ServiceContext, 'db'>, key: string): Promise<string | null> {
  return readCursor(ctx.db, key);
}

async function admitIn(db: Executor, items: InboundItem[]): Promise<string[]> {
  // Each new row with its `chat` job (outboxJob('chat', payload)), in one statement. The inbox keeps
  // the update as JSON; its worker checks it against the job's schema when it runs.
  const added = await insertInboxWithJobs(
    db,
    items.map((i) => ({ id: i.id, platform: i.platform, queue: i.queue, payload: i.payload, conversation: i.conversation ?? null })),
    'chat' satisfies JobName,
  );
  return items.filter((i) => added.has(i.id)).map((i) => i.id);
}

/** A chat update as an inbox item. */
export function chatInboxItem(update: ChatUpdate, id: string): InboundItem {
  return {
    id,
    platform: update.platform,
    queue: 'chat',
    payload: { ...update, inboxId: id } as unknown as Record<string, unknown>,
    conversation: update.userId ? conversationLockKey(update.platform, update.userId) : null,
    kind: update.content.kind,
    answer: update,
  };
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
