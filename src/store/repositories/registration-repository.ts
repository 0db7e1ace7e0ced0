// Queries for people registering through a chat: the grid tree as menus, join codes, and the
// person, identity and role a registration creates.
import { and, asc, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Locale, Platform } from '../../domain/types.js';
import type { Executor } from '../db.js';
import { gridNodes, identities, people, roles } from '../schema.js';

export type GridNodeRow = typeof gridNodes.$inferSelect;
export type PersonRow = typeof people.$inferSelect;

/** The unit grid a join code (as printed on a poster, any case) names. */
export async function findUnitByJoinCode(db: Executor, code: string): Promise<GridNodeRow | undefined> {
  const wanted = code.trim().toUpperCase();
  if (!wanted) return undefined;
  const [row] = await db
    .select()
    .from(gridNodes)
    .where(and(eq(gridNodes.joinCode, wanted), eq(gridNodes.level, 'unit')));
  return row;
}

/**
 * The children of a node (the roots when `parentId` is null) that are unit grids or have one
 * below them: a menu never leads to a dead end. In tree order.
 */
export async function childrenLeadingToUnits(db: Executor, parentId: string | null): Promise<GridNodeRow[]> {
  const units = sql`exists (select 1 from ${gridNodes} u where u.level = 'unit' and (u.id = ${gridNodes.id} or u.path like ${gridNodes.path} || '/%'))`;
  return db
    .select()
    .from(gridNodes)
    .where(and(parentId ? eq(gridNodes.parentId, parentId) : isNull(gridNodes.parentId), units))
    .orderBy(asc(gridNodes.path));
}

export interface NewRegistration {
  platform: Platform;
  externalId: string;
  chatId: string;
  name: string;
  locale: Locale;
  /** Never logged. */
  phone: string | null;
  unitId: string;
}

/**
 * Creates the person, their identity and their villager role. When the identity exists already
 * (the same person registering twice at once) nothing is created and that person is returned.
 */
export async function registerVillager(db: Executor, r: NewRegistration): Promise<{ person: PersonRow; created: boolean }> {
  const existing = await personOfIdentity(db, r.platform, r.externalId);
  if (existing) return { person: existing, created: false };
  const [person] = await db.insert(people).values({ name: r.name, locale: r.locale, phone: r.phone }).returning();
  const inserted = await db
    .insert(identities)
    .values({ personId: person!.id, platform: r.platform, externalId: r.externalId, chatId: r.chatId })
    .onConflictDoNothing()
    .returning({ id: identities.id });
  if (!inserted.length) {
    await db.delete(people).where(eq(people.id, person!.id));
    return { person: (await personOfIdentity(db, r.platform, r.externalId))!, created: false };
  }
  await db.insert(roles).values({ personId: person!.id, gridNodeId: r.unitId, role: 'villager' });
  return { person: person!, created: true };
}

async function personOfIdentity(db: Executor, platform: Platform, externalId: string): Promise<PersonRow | undefined> {
  const [row] = await db
    .select({ person: people })
    .from(identities)
    .innerJoin(people, eq(people.id, identities.personId))
    .where(and(eq(identities.platform, platform), eq(identities.externalId, externalId)));
  return row?.person;
}

export async function setPersonLocale(db: Executor, personId: string, locale: Locale): Promise<void> {
  await db.update(people).set({ locale }).where(eq(people.id, personId));
}

/** The zone a person reads times in; null goes back to their grid's. */
export async function setPersonTimezone(db: Executor, personId: string, timezone: string | null): Promise<void> {
  await db.update(people).set({ timezone }).where(eq(people.id, personId));
}

/** The platform said we may not write to this person (they blocked the bot). */
export async function markUnreachable(db: Executor, platform: Platform, externalId: string, at: Date): Promise<void> {
  await db
    .update(identities)
    .set({ unreachableAt: at })
    .where(and(eq(identities.platform, platform), eq(identities.externalId, externalId), isNull(identities.unreachableAt)));
}

/** The person wrote to us or unblocked the bot: they can be reached again. */
export async function markReachable(db: Executor, platform: Platform, externalId: string): Promise<void> {
  await db
    .update(identities)
    .set({ unreachableAt: null })
    .where(and(eq(identities.platform, platform), eq(identities.externalId, externalId), isNotNull(identities.unreachableAt)));
}
