// What the operator's surface reads: whether the store answers, and the open work in one grouped query.
import { sql } from 'drizzle-orm';
import type { Executor } from '../db.js';
import { queryRows } from '../raw.js';
import { matters } from '../schema.js';

/** One round trip; throws when the store does not answer. */
export async function pingStore(db: Executor): Promise<void> {
  await db.execute(sql`select 1`);
}

/** Matters counted by state and level, in one grouped query. */
export async function mattersByStateAndLevel(db: Executor): Promise<Array<{ state: string; level: string; n: number }>> {
  const rows = await queryRows<{ state: string; level: string; n: number }>(db, sql`select state::text as state, level::text as level, count(*)::int as n from ${matters} group by 1, 2`);
  return rows.map((r) => ({ state: r.state, level: r.level, n: Number(r.n) }));
}
