// The inbox keeps what people said only while it is work: a handled update is deleted after the
// retention (INBOX_RETENTION_DAYS); one given up stays for operators to look at.
import { deleteHandledInbox } from '../store/repositories/inbox-repository.js';
import type { ServiceContext } from '../ports/context.js';

export const DEFAULT_INBOX_RETENTION_DAYS = 30;
const PAGE = 5000;

/** Deletes handled inbox rows older than `days` (default 30), a page at a time; returns how many. */
export async function pruneInbox(ctx: ServiceContext, days = DEFAULT_INBOX_RETENTION_DAYS): Promise<number> {
  const before = new Date(ctx.now().getTime() - days * 86_400_000);
  let total = 0;
  for (let n = PAGE; n === PAGE; total += n) n = await deleteHandledInbox(ctx.db, before, PAGE);
  if (total) ctx.logger.info({ deleted: total, days }, 'handled inbox rows past their retention deleted');
  return total;
}
