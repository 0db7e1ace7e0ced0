// Which matter a chat message belongs to: cards the bot sent, messages a person reported with.
import { and, asc, eq } from 'drizzle-orm';
import type { Platform } from '../../domain/types.js';
import type { Executor } from '../db.js';
import { messageLinks } from '../schema.js';

export type MessageLinkRow = typeof messageLinks.$inferSelect;
export type NewMessageLink = Pick<typeof messageLinks.$inferInsert, 'platform' | 'chatId' | 'messageRef' | 'matterId' | 'personId' | 'kind' | 'deliveryId'>;

/** Keeps the links; a message linked already keeps its first matter. */
export async function linkMessages(db: Executor, rows: NewMessageLink[]): Promise<void> {
  if (rows.length) await db.insert(messageLinks).values(rows).onConflictDoNothing();
}

export async function findMessageLink(db: Executor, platform: Platform, chatId: string, messageRef: string): Promise<MessageLinkRow | undefined> {
  const [row] = await db
    .select()
    .from(messageLinks)
    .where(and(eq(messageLinks.platform, platform), eq(messageLinks.chatId, chatId), eq(messageLinks.messageRef, messageRef)));
  return row;
}

/** The card messages sent about a matter on one platform, oldest first. */
export async function cardLinksOf(db: Executor, platform: Platform, matterId: string): Promise<MessageLinkRow[]> {
  return db
    .select()
    .from(messageLinks)
    .where(and(eq(messageLinks.platform, platform), eq(messageLinks.matterId, matterId), eq(messageLinks.kind, 'card')))
    .orderBy(asc(messageLinks.createdAt));
}
