// Departments with their liaisons, and a node's alert settings, for the whistle and alert tests.
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from '../../src/store/db.js';
import { departments, gridNodes, identities, people, roles } from '../../src/store/schema.js';
import type { NodeRow, PersonRow } from './factories.js';

export type DepartmentRow = typeof departments.$inferSelect;

/** A department serving `at`, and its liaison (role liaison at `at`, with a Telegram id). */
export async function newDepartmentWithLiaison(
  db: Db,
  opts: { code: string; name: string; at: NodeRow; liaison: string; telegram: string; reportInMinutes?: number },
): Promise<{ dept: DepartmentRow; liaison: PersonRow }> {
  const [dept] = await db
    .insert(departments)
    .values({ code: opts.code, name: opts.name, gridNodeId: opts.at.id, reportInMinutes: opts.reportInMinutes ?? 30 })
    .returning();
  const [liaison] = await db.insert(people).values({ name: opts.liaison, code: `p-${randomBytes(4).toString('hex')}` }).returning();
  await db.insert(roles).values({ personId: liaison!.id, gridNodeId: opts.at.id, role: 'liaison', departmentId: dept!.id, title: `${opts.name}联络员` });
  await db.insert(identities).values({ personId: liaison!.id, platform: 'telegram', externalId: opts.telegram, chatId: opts.telegram });
  return { dept: dept!, liaison: liaison! };
}

/** Where a node's alerts go and when it is quiet. */
export async function setAlerts(
  db: Db,
  node: NodeRow,
  opts: { telegramChat?: string | null; slackChannel?: string | null; dm?: boolean | null; quiet?: { from: string; to: string } },
): Promise<NodeRow> {
  const [row] = await db
    .update(gridNodes)
    .set({
      alertTelegramChat: opts.telegramChat ?? null,
      alertSlackChannel: opts.slackChannel ?? null,
      alertDm: opts.dm ?? null,
      ...(opts.quiet ? { quietFrom: opts.quiet.from, quietTo: opts.quiet.to } : {}),
    })
    .where(eq(gridNodes.id, node.id))
    .returning();
  return row!;
}
