// What the web desk shows a signed-in staff member: the part of the grid tree they cover (the same
// rule as the chat: coversPath), its matters found by filters, one matter with what the person may
// do to it (openMatter and the domain's step table, as in chat), and its roster. Actions go through
// performAction (matter-actions.ts), which authorises every one again.
import { coversPath, mayReadLedger, OFFICER_ROLES, STAFF_ROLES, CADRE_ROLES, parseRef, staffPlaces, within, atOrAbove, type Relation } from '../domain/index.js';
import type { ServiceContext } from '../ports/context.js';
import { ancestry, findNode, findNodeByCode, type GridNodeRow } from '../store/repositories/grid-repository.js';
import { findMatterByRef, matterEventsOf, messagesOf } from '../store/repositories/matter-repository.js';
import { childNodes, nodesUnder, peopleUnder, searchMatters, type FoundMatter, type MatterSearch, type PlacedPerson } from '../store/repositories/web-desk-repository.js';
import { listTopics } from '../store/repositories/matter-defaults-repository.js';
import { windowHeldUnder } from '../store/repositories/window-repository.js';
import { holderOf, openMatter, type Matter, type TimelineEvent } from './desk-service.js';
import type { DeskViewer } from './desk-sign-in.js';
import { summonableDepartments, transferTargets } from './transfer-targets.js';

export type { FoundMatter, PlacedPerson, GridNodeRow as DeskPlace };

/** The outermost nodes the person holds a staff post at: their desk starts there. */
export function deskTops(viewer: DeskViewer): GridNodeRow[] {
  const nodes = staffPlaces(viewer.placements).map((p) => p.node);
  return nodes
    .filter((n, i) => nodes.findIndex((x) => x.id === n.id) === i && !nodes.some((o) => o.id !== n.id && o.path !== n.path && within(n.path, o.path)))
    .sort((a, b) => a.path.localeCompare(b.path));
}

/** The node by its code if the person covers it; their first top node when no code is given. Null: not theirs (or unknown). */
export async function deskNode(ctx: ServiceContext, viewer: DeskViewer, code?: string): Promise<GridNodeRow | null> {
  if (!code) return deskTops(viewer)[0] ?? null;
  const node = await findNodeByCode(ctx.db, code);
  return node && coversPath(viewer.placements, node.path) ? node : null;
}

/** The nodes from the person's top down to `node` (for a breadcrumb), top first. */
export async function deskTrail(ctx: ServiceContext, viewer: DeskViewer, node: GridNodeRow): Promise<GridNodeRow[]> {
  return (await ancestry(ctx.db, node)).filter((n) => coversPath(viewer.placements, n.path)).reverse();
}

export const deskChildren = (ctx: ServiceContext, node: GridNodeRow): Promise<GridNodeRow[]> => childNodes(ctx.db, node.id);

/**
 * News about the node's matters held for villagers whose sending window is closed (they get it,
 * merged, when they next write), and how many villagers: a cadre sees who has not heard yet.
 */
export const deskHeldMessages = (ctx: ServiceContext, node: GridNodeRow): Promise<{ messages: number; people: number }> => windowHeldUnder(ctx.db, node.path);

/** Whether the person may watch the queues (bull-board): a cadre at a county node, the county's administrators. */
export function mayWatchQueues(viewer: DeskViewer): boolean {
  return viewer.placements.some((p) => CADRE_ROLES.includes(p.role) && atOrAbove(p.node.level, 'county'));
}

/** What the desk's matter list is filtered by: the search's own fields, with overdue as a yes/no and a page. */
export type MatterFilter = Omit<MatterSearch, 'gridPath' | 'overdueAt' | 'timezone' | 'offset' | 'limit'> & { overdue?: boolean; page: number };

export const DESK_PAGE_SIZE = 20;

/** Matters of the node's subtree (the node must be one deskNode gave). */
export async function deskMatters(ctx: ServiceContext, node: GridNodeRow, f: MatterFilter): Promise<{ total: number; items: FoundMatter[]; pages: number }> {
  const page = Math.max(1, f.page);
  const r = await searchMatters(ctx.db, {
    gridPath: node.path,
    timezone: node.timezone,
    category: f.category,
    topic: f.topic,
    state: f.state,
    level: f.level,
    size: f.size,
    supervised: f.supervised,
    overdueAt: f.overdue ? ctx.now() : undefined,
    from: f.from,
    to: f.to,
    ref: f.ref,
    words: f.words,
    offset: (page - 1) * DESK_PAGE_SIZE,
    limit: DESK_PAGE_SIZE,
  });
  return { ...r, pages: Math.max(1, Math.ceil(r.total / DESK_PAGE_SIZE)) };
}

export const deskTopics = (ctx: ServiceContext) => listTopics(ctx.db);

export interface DeskMatterPage {
  matter: Matter;
  relations: Relation[];
  grid: GridNodeRow | undefined;
  holder: { name: string; title: string | null } | null;
  events: TimelineEvent[];
  messages: Awaited<ReturnType<typeof messagesOf>>;
  transferTargets: Awaited<ReturnType<typeof transferTargets>>;
  departments: Array<{ id: string; code: string; name: string }>;
}

/** One matter for the person, or null when it is none of their business (as in chat: not found). */
export async function deskMatter(ctx: ServiceContext, viewer: DeskViewer, ref: string): Promise<DeskMatterPage | null> {
  const access = await openMatter(ctx.db, viewer.person.id, ref, viewer.placements);
  let m: Matter;
  let relations: Relation[];
  // The desk is the staff's: a matter the person only reported is not shown here.
  if (access.ok && access.relations.some((r) => r !== 'reporter')) ({ matter: m, relations } = access);
  else {
    // What the person's matter list and ledger hold (their subtree) they may read here too, even a
    // matter that climbed above them; what they may do with it stays the chat's rule (no relation, no button).
    const canonical = parseRef(ref);
    const found = canonical ? await findMatterByRef(ctx.db, canonical) : undefined;
    const grid = found ? await findNode(ctx.db, found.gridNodeId) : undefined;
    if (!found || !grid || !mayReadLedger(staffPlaces(viewer.placements), grid.path)) return null;
    m = found;
    relations = [];
  }
  const [grid, holder, events, messages, targets, departments] = await Promise.all([
    findGrid(ctx, m.gridNodeId),
    holderOf(ctx.db, m),
    matterEventsOf(ctx.db, m.id),
    messagesOf(ctx.db, m.id),
    transferTargets(ctx.db, m),
    summonableDepartments(ctx.db, m),
  ]);
  return { matter: m, relations, grid, holder, events, messages, transferTargets: targets, departments };
}

const findGrid = (ctx: ServiceContext, id: string): Promise<GridNodeRow | undefined> => findNode(ctx.db, id);

export interface RosterNode {
  node: GridNodeRow;
  depth: number;
  officers: PlacedPerson[];
  cadres: PlacedPerson[];
}

/** The subtree with its staff, in tree order. */
export async function deskRoster(ctx: ServiceContext, node: GridNodeRow): Promise<RosterNode[]> {
  const [nodes, staff] = await Promise.all([nodesUnder(ctx.db, node.path), peopleUnder(ctx.db, node.path, STAFF_ROLES)]);
  const base = node.path.split('/').length;
  return nodes.map((n) => ({
    node: n,
    depth: n.path.split('/').length - base,
    officers: staff.filter((s) => s.nodeId === n.id && OFFICER_ROLES.includes(s.role)),
    cadres: staff.filter((s) => s.nodeId === n.id && !OFFICER_ROLES.includes(s.role)),
  }));
}
