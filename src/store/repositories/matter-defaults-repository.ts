// The roster's topic list (多网合一) and the size/topic a matter starts with, by category.
import { asc, inArray } from 'drizzle-orm';
import type { Executor } from '../db.js';
import { matterDefaults, topics } from '../schema.js';

export type TopicRow = typeof topics.$inferSelect;
export type MatterDefaultRow = typeof matterDefaults.$inferSelect;
export type NewMatterDefault = typeof matterDefaults.$inferInsert;

export async function listTopics(db: Executor): Promise<TopicRow[]> {
  return db.select().from(topics).orderBy(asc(topics.position), asc(topics.code));
}

export async function listMatterDefaults(db: Executor): Promise<MatterDefaultRow[]> {
  return db.select().from(matterDefaults).orderBy(asc(matterDefaults.position));
}

export async function upsertTopics(db: Executor, rows: TopicRow[]): Promise<void> {
  if (!rows.length) return;
  for (const r of rows) {
    await db.insert(topics).values(r).onConflictDoUpdate({ target: topics.code, set: { name: r.name, position: r.position } });
  }
}

export async function deleteTopics(db: Executor, codes: string[]): Promise<void> {
  if (codes.length) await db.delete(topics).where(inArray(topics.code, codes));
}

/** The whole table at once: the roster's list replaces what was there. */
export async function replaceMatterDefaults(db: Executor, rows: NewMatterDefault[]): Promise<void> {
  await db.delete(matterDefaults);
  if (rows.length) await db.insert(matterDefaults).values(rows);
}
