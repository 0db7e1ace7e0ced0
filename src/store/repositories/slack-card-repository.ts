// The Slack matter cards posted, so each can be updated in place. No business rules here.
import { and, asc, desc, eq, isNull, lt } from 'drizzle-orm';
import type { Executor } from '../db.js';
import { matters, slackCards } from '../schema.js';

export type SlackCardRow = typeof slackCards.$inferSelect;
export type NewSlackCard = Pick<typeof slackCards.$inferInsert, 'matterId' | 'personId' | 'channel' | 'ts' | 'template' | 'locale'>;

export async function insertSlackCard(db: Executor, card: NewSlackCard): Promise<SlackCardRow> {
  const [row] = await db
    .insert(slackCards)
    .values(card)
    .onConflictDoUpdate({ target: [slackCards.channel, slackCards.ts], set: { template: card.template, updatedAt: new Date() } })
    .returning();
  return row!;
}

export async function cardsOfMatter(db: Executor, matterId: string): Promise<SlackCardRow[]> {
  return db.select().from(slackCards).where(eq(slackCards.matterId, matterId)).orderBy(asc(slackCards.createdAt));
}

/** The card a thread hangs from. */
export async function cardAt(db: Executor, channel: string, ts: string): Promise<SlackCardRow | undefined> {
  const [row] = await db.select().from(slackCards).where(and(eq(slackCards.channel, channel), eq(slackCards.ts, ts)));
  return row;
}

/** The newest card of a matter in a person's DM (or, with personId null, in a channel). */
export async function latestCard(db: Executor, matterId: string, where: { personId: string } | { channel: string }): Promise<SlackCardRow | undefined> {
  const [row] = await db
    .select()
    .from(slackCards)
    .where(
      and(
        eq(slackCards.matterId, matterId),
        'personId' in where ? eq(slackCards.personId, where.personId) : and(eq(slackCards.channel, where.channel), isNull(slackCards.personId)),
      ),
    )
    .orderBy(desc(slackCards.createdAt))
    .limit(1);
  return row;
}

export async function touchCard(db: Executor, id: string): Promise<void> {
  await db.update(slackCards).set({ updatedAt: new Date() }).where(eq(slackCards.id, id));
}

/** Forgets a card Slack no longer has (deleted, or the channel archived). */
export async function dropCard(db: Executor, id: string): Promise<void> {
  await db.delete(slackCards).where(eq(slackCards.id, id));
}

/** Matters that moved after one of their cards was last drawn: each has a card refresh to do. */
export async function mattersWithStaleCards(db: Executor): Promise<string[]> {
  const rows = await db
    .selectDistinct({ matterId: slackCards.matterId })
    .from(slackCards)
    .innerJoin(matters, eq(matters.id, slackCards.matterId))
    .where(lt(slackCards.updatedAt, matters.updatedAt));
  return rows.map((r) => r.matterId);
}
