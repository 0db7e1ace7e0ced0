// A villager registering through a chat: the grid tree as menus, join codes, and who will look
// after them once registered.
import { carerAmong, OFFICER_ROLES } from '../domain/roles.js';
import type { Executor } from '../store/db.js';
import { ancestry, findNode, type GridNodeRow } from '../store/repositories/grid-repository.js';
import { staffAt } from '../store/repositories/people-repository.js';
import { childrenLeadingToUnits, findUnitByJoinCode, registerVillager, setPersonTimezone, type NewRegistration, type PersonRow } from '../store/repositories/registration-repository.js';

// Where a villager lives is a domain rule; flows read it from here too.
export { homeOf } from '../domain/roles.js';

export interface GridMenu {
  /** The node whose children are offered; null at the top. */
  parent: GridNodeRow | null;
  children: GridNodeRow[];
}

/**
 * The children of `parentId` that lead to unit grids. A level with a single choice is passed
 * through (one county, one township): nobody should have to press the only button there is.
 */
export async function gridMenu(db: Executor, parentId: string | null): Promise<GridMenu> {
  let parent = parentId ? ((await findNode(db, parentId)) ?? null) : null;
  let children = await childrenLeadingToUnits(db, parent?.id ?? null);
  while (children.length === 1 && children[0]!.level !== 'unit') {
    parent = children[0]!;
    children = await childrenLeadingToUnits(db, parent.id);
  }
  return { parent, children };
}

export async function unitByJoinCode(db: Executor, code: string): Promise<GridNodeRow | undefined> {
  return /^[A-Za-z0-9]{4,16}$/.test(code.trim()) ? findUnitByJoinCode(db, code) : undefined;
}

/** "湖泽镇 水川村 第三组": the unit and the nodes above it, without the county. */
export async function placeName(db: Executor, node: GridNodeRow): Promise<string> {
  const line = (await ancestry(db, node)).reverse().filter((n) => n.level !== 'county');
  return joinPlaceNames(line.map((n) => n.name));
}

const HAN = /\p{Script=Han}/u;

/** "湖泽镇水川村第三组" in Chinese (no spaces between Chinese names), "Huze Shuichuan Group 3" otherwise. */
export function joinPlaceNames(names: readonly string[]): string {
  return names.reduce((out, name) => (!out ? name : HAN.test(out.slice(-1)) && HAN.test(name.charAt(0)) ? out + name : `${out} ${name}`), '');
}

export interface Carer {
  name: string;
  title: string | null;
}

/** Who looks after a unit grid: its full-time officer on duty, else a part-time one. */
export async function carerOf(db: Executor, unitId: string): Promise<Carer | null> {
  const pick = carerAmong(await staffAt(db, unitId, OFFICER_ROLES));
  return pick ? { name: pick.name, title: pick.title } : null;
}

export type Registration = NewRegistration;

export async function registerFromChat(db: Executor, r: Registration): Promise<{ person: PersonRow; created: boolean }> {
  return registerVillager(db, r);
}

/** Digits with an optional leading +, as Telegram shares them ("8613800000000" or "+86 138…"). */
export function normalisePhone(raw: string): string | null {
  const digits = raw.replace(/[^\d+]/g, '');
  const clean = digits.startsWith('+') ? `+${digits.slice(1).replace(/\+/g, '')}` : digits.replace(/\+/g, '');
  return /^\+?\d{5,20}$/.test(clean) ? clean : null;
}

/** Sets the zone a person reads times in; null: their grid's. */
export async function setTimezone(db: Executor, personId: string, timezone: string | null): Promise<void> {
  await setPersonTimezone(db, personId, timezone);
}
