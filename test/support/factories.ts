// Small factories for a grid tree and its people, written straight to the store.
import { randomBytes } from 'node:crypto';
import type { Db } from '../../src/store/db.js';
import { gridNodes, identities, people, roles } from '../../src/store/schema.js';
import type { GridLevel, Role } from '../../src/domain/types.js';

const uid = () => randomBytes(4).toString('hex');

export type NodeRow = typeof gridNodes.$inferSelect;

export async function newNode(db: Db, opts: { name: string; level: GridLevel; parent?: NodeRow; code?: string; joinCode?: string }): Promise<NodeRow> {
  const code = opts.code ?? `${opts.level}-${uid()}`;
  const [row] = await db
    .insert(gridNodes)
    .values({
      code,
      name: opts.name,
      level: opts.level,
      parentId: opts.parent?.id ?? null,
      path: opts.parent ? `${opts.parent.path}/${code}` : code,
      joinCode: opts.joinCode ?? (opts.level === 'unit' ? uid().toUpperCase() : null),
    })
    .returning();
  return row!;
}

export interface Tree {
  county: NodeRow;
  township: NodeRow;
  village: NodeRow;
  unit: NodeRow;
  otherUnit: NodeRow;
}

/** 分宜县 → 湖泽镇 → 水川村 → 第三组 (and 第四组). */
export async function newTree(db: Db): Promise<Tree> {
  const county = await newNode(db, { name: '分宜县', level: 'county' });
  const township = await newNode(db, { name: '湖泽镇', level: 'township', parent: county });
  const village = await newNode(db, { name: '水川村', level: 'village', parent: township });
  const unit = await newNode(db, { name: '第三组', level: 'unit', parent: village });
  const otherUnit = await newNode(db, { name: '第四组', level: 'unit', parent: village });
  return { county, township, village, unit, otherUnit };
}

export type PersonRow = typeof people.$inferSelect;

export async function newPerson(
  db: Db,
  opts: { name: string; role: Role; at: NodeRow; title?: string; onLeave?: boolean; telegram?: string; locale?: string; code?: string },
): Promise<PersonRow> {
  const [person] = await db
    .insert(people)
    .values({ name: opts.name, code: opts.code ?? `p-${uid()}`, onLeave: opts.onLeave ?? false, locale: opts.locale ?? 'zh-CN' })
    .returning();
  await db.insert(roles).values({ personId: person!.id, gridNodeId: opts.at.id, role: opts.role, title: opts.title ?? null });
  if (opts.telegram) await db.insert(identities).values({ personId: person!.id, platform: 'telegram', externalId: opts.telegram, chatId: opts.telegram });
  return person!;
}

export const newVillager = (db: Db, at: NodeRow, name = '王秀英', extra: { telegram?: string; locale?: string } = {}) =>
  newPerson(db, { name, role: 'villager', at, ...extra });
export const newOfficer = (db: Db, at: NodeRow, name = '李冬梅', extra: { onLeave?: boolean; telegram?: string } = {}) =>
  newPerson(db, { name, role: 'officer_full', at, title: `${at.name}专职网格员`, ...extra });
export const newBackup = (db: Db, at: NodeRow, name = '张建国', extra: { onLeave?: boolean; telegram?: string } = {}) =>
  newPerson(db, { name, role: 'officer_part', at, title: `${at.name}兼职网格员`, ...extra });
export const newGridLeader = (db: Db, at: NodeRow, name = '刘志强', extra: { onLeave?: boolean; telegram?: string } = {}) =>
  newPerson(db, { name, role: 'grid_leader', at, title: `${at.name}网格长`, ...extra });
