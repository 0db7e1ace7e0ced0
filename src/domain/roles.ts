// Who a person is in the grid tree: staff or resident, officer or cadre, and how the levels rank.
// One place for each of these rules; services, flows, adapters and the roster call them.
import type { GridLevel, Role } from './types.js';

/** 专职/兼职网格员: they patrol a unit grid and are routed its matters. */
export const OFFICER_ROLES: readonly Role[] = ['officer_full', 'officer_part'];
/** 网格长 and 村两委/乡镇干部/县领导: they answer for a level and everything below it in their line. */
export const CADRE_ROLES: readonly Role[] = ['grid_leader', 'cadre'];
/** Who works the grid: matters are routed, transferred and escalated to them; they may go on leave. */
export const STAFF_ROLES: readonly Role[] = [...OFFICER_ROLES, ...CADRE_ROLES];
/** Everyone greeted by their post rather than asked to register: grid staff and departments' liaisons. */
export const POST_ROLES: readonly Role[] = [...STAFF_ROLES, 'liaison'];
/** 村民 and 户长: they live in a unit grid and report. */
export const RESIDENT_ROLES: readonly Role[] = ['villager', 'household_head'];

/** A role held at a node; the store's placements satisfy it. */
export interface RolePlace {
  role: Role;
  node: { id: string; level: GridLevel; path?: string; parentId?: string | null };
}

/** A role, some roles, or placements holding them. */
export type Who = Role | readonly Role[] | readonly Pick<RolePlace, 'role'>[];
const rolesOf = (who: Who): readonly Role[] => (typeof who === 'string' ? [who] : who.map((p: Role | Pick<RolePlace, 'role'>) => (typeof p === 'string' ? p : p.role)));
const holds = (set: readonly Role[]) => (who: Who) => rolesOf(who).some((r) => set.includes(r));

/** Works the grid (an officer, a grid leader or a cadre); a liaison or a villager does not. */
export const isStaff: (who: Who) => boolean = holds(STAFF_ROLES);
/** An officer of some unit grid, full- or part-time. */
export const isOfficer: (who: Who) => boolean = holds(OFFICER_ROLES);
/** A grid leader or a cadre somewhere. */
export const isCadre: (who: Who) => boolean = holds(CADRE_ROLES);
/** Holds a post (staff or liaison): greeted by name and post, shown the staff help. */
export const holdsPost: (who: Who) => boolean = holds(POST_ROLES);
/** A resident: villager or household head. */
export const isResident: (who: Who) => boolean = holds(RESIDENT_ROLES);

/** 有事请假: who may go on leave — those routing or a transfer hands matters to (the staff). */
export function mayGoOnLeave(who: Who): boolean {
  return isStaff(who);
}

/** The staff placements among `places`. */
export function staffPlaces<P extends Pick<RolePlace, 'role'>>(places: readonly P[]): P[] {
  return places.filter((p) => STAFF_ROLES.includes(p.role));
}

const LEVEL_RANK: Readonly<Record<GridLevel, number>> = { household: -1, unit: 0, village: 1, township: 2, county: 3 };

/** Higher is further up the tree: household −1, unit 0, village 1, township 2, county 3. */
export function levelRank(level: GridLevel): number {
  return LEVEL_RANK[level];
}

/** Whether `level` is `than` or above it (a township is at or above a village). */
export function atOrAbove(level: GridLevel, than: GridLevel): boolean {
  return levelRank(level) >= levelRank(than);
}

/** Negative when `a` sits below `b`, for sorting bottom to top. */
export function compareLevels(a: GridLevel, b: GridLevel): number {
  return levelRank(a) - levelRank(b);
}

/**
 * A cadre of the line: someone holding a cadre role at a node of `line` (the matter's node and
 * its ancestors) whose level is `atLeast` or above. A cadre of a parent node counts; a cadre of a
 * sibling village does not. Defaults: any level of the line.
 */
export function isCadreOf(places: readonly RolePlace[], line: readonly { id: string }[], atLeast: GridLevel = 'household'): boolean {
  const ids = new Set(line.map((n) => n.id));
  return places.some((p) => CADRE_ROLES.includes(p.role) && ids.has(p.node.id) && atOrAbove(p.node.level, atLeast));
}

/**
 * Who may read the open matters of a whole node (the evening sweep's 查看清单: every dispute of a
 * township, with the villagers' words): a cadre of the node or of a node above it, at its level or
 * higher. `line`: the node and its ancestors. A village's cadre does not read the township's list.
 */
export function mayReadNodeMatters(places: readonly RolePlace[], line: readonly { id: string; level: GridLevel }[]): boolean {
  const node = line[0];
  return node !== undefined && isCadreOf(places, line, node.level);
}

/**
 * 主动服务: who may send a broadcast to everyone under `target`: a cadre to their node's subtree,
 * an officer to their own unit grid, staff of the county to all.
 */
export function mayBroadcastTo(places: readonly RolePlace[], target: { id: string; path: string }): boolean {
  return places.some(
    (p) =>
      (CADRE_ROLES.includes(p.role) && p.node.path !== undefined && within(target.path, p.node.path)) ||
      (OFFICER_ROLES.includes(p.role) && p.node.id === target.id) ||
      (STAFF_ROLES.includes(p.role) && p.node.level === 'county'),
  );
}

/** A second cadre who may approve a large broadcast to `target`: a cadre covering it, not its author. */
export function mayApproveBroadcast(places: readonly RolePlace[], target: { id: string; path: string }): boolean {
  return places.some((p) => CADRE_ROLES.includes(p.role) && p.node.path !== undefined && within(target.path, p.node.path));
}

/** An officer (full- or part-time) of exactly this grid. */
export function isOfficerOf(places: readonly RolePlace[], nodeId: string): boolean {
  return places.some((p) => OFFICER_ROLES.includes(p.role) && p.node.id === nodeId);
}

/** Whether a node's path lies at or under `top` ('/a/b' covers '/a/b' and '/a/b/c', not '/a/bc'). */
export function within(path: string, top: string): boolean {
  return path === top || path.startsWith(`${top}/`);
}

/** Staff who cover the node at `path`: a staff role held at it or above it. */
export function coversPath(places: readonly RolePlace[], path: string): boolean {
  return places.some((p) => STAFF_ROLES.includes(p.role) && p.node.path !== undefined && within(path, p.node.path));
}

/** The title a staff member signs with on this matter: a staff post in its line, else any title held. */
export function titleOn<P extends RolePlace & { title: string | null }>(places: readonly P[], line: readonly { id: string }[]): string {
  const ids = new Set(line.map((n) => n.id));
  return places.find((p) => STAFF_ROLES.includes(p.role) && ids.has(p.node.id))?.title ?? places.find((p) => p.title)?.title ?? '';
}

/**
 * Who answers for a level, best first: the grid leader before a cadre, those on duty before those
 * on leave. `onDutyOnly` leaves out everyone on leave (a climb never hands a matter to them).
 */
export function answerableFor<S extends { role: Role; onLeave: boolean }>(staff: readonly S[], opts: { onDutyOnly?: boolean } = {}): S[] {
  const order = (s: S) => (s.onLeave ? 2 : 0) + (s.role === 'grid_leader' ? 0 : 1);
  return staff
    .filter((s) => CADRE_ROLES.includes(s.role) && !(opts.onDutyOnly && s.onLeave))
    .map((s, i) => ({ s, i }))
    .sort((a, b) => order(a.s) - order(b.s) || a.i - b.i)
    .map((x) => x.s);
}

/** Where a resident lives: their villager or household-head role at a unit grid. */
export function homeOf<P extends RolePlace>(places: readonly P[]): P | undefined {
  return places.find((p) => RESIDENT_ROLES.includes(p.role) && p.node.level === 'unit');
}

/** Staff at a unit grid: they patrol it and record what they find there (发现). */
export function patrolsAUnit(places: readonly RolePlace[]): boolean {
  return places.some((p) => STAFF_ROLES.includes(p.role) && p.node.level === 'unit');
}

/** Who looks after a unit grid, as a villager is told: its full-time officer on duty, else a part-time one on duty, else whoever is listed. */
export function carerAmong<S extends { role: Role; onLeave: boolean }>(officers: readonly S[]): S | undefined {
  return officers.find((s) => s.role === 'officer_full' && !s.onLeave) ?? officers.find((s) => OFFICER_ROLES.includes(s.role) && !s.onLeave) ?? officers.find((s) => OFFICER_ROLES.includes(s.role));
}

/** Who may take the ledger (民情帐) of the node at `path` as a file: staff who cover it, as for the desk. */
export function mayReadLedger(places: readonly RolePlace[], path: string): boolean {
  return coversPath(places, path);
}

/**
 * Whether the ledger of the node at `path` carries villagers' phone numbers for this reader: staff
 * covering it from the village or below (they are the ones who call the villagers); above the
 * village, only a role the roster lists in `phone_access` at the node where it is held.
 */
export function mayReadResidentPhones(places: readonly (RolePlace & { node: { phoneRoles?: readonly string[] | null } })[], path: string): boolean {
  return places.some(
    (p) =>
      STAFF_ROLES.includes(p.role) &&
      p.node.path !== undefined &&
      within(path, p.node.path) &&
      (!atOrAbove(p.node.level, 'township') || (p.node.phoneRoles ?? []).includes(p.role)),
  );
}
