// Writes that do not depend on each other, sent as ONE statement: each but the last a data-modifying
// CTE of the last (Postgres runs them all, on one snapshot, in no set order). For rows that need
// nothing from each other: none sees what another inserts, and none may write a row another writes.
// Run prepared like every statement (prepared-client.ts): one round trip once the connection knows its text.
import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { Executor } from './db.js';

/** Runs the writes given (query builders not awaited, or SQL) as one statement; none: nothing is sent. */
export async function writeTogether(db: Executor, writes: ReadonlyArray<SQLWrapper | null | undefined | false>): Promise<void> {
  const parts: SQL[] = writes.filter((w): w is SQLWrapper => Boolean(w)).map((w) => w.getSQL());
  if (!parts.length) return;
  const last = parts.pop()!;
  await db.execute(parts.length ? sql`with ${sql.join(parts.map((p, i) => sql`${sql.raw(`w${i}`)} as (${p})`), sql`, `)} ${last}` : last);
}
