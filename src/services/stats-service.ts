// The figures a cadre reads off gridline for a node of the grid tree and everything below it:
// matters by type, settled, in progress, 办结率, 初信初访化解率, share settled at each level
// (小事不出村，大事不出镇), response, satisfaction, time taken, deadlines missed, 吹哨报到.
import { staffPlaces, within } from '../domain/roles.js';
import { CATEGORIES, MATTER_LEVELS, type Category, type MatterLevel } from '../domain/types.js';
import type { Executor } from '../store/db.js';
import { findNodeByCode, findNodeNamed } from '../store/repositories/grid-repository.js';
import { listTopics } from '../store/repositories/matter-defaults-repository.js';
import { listMatters } from '../store/repositories/matter-repository.js';
import { placementsOf } from '../store/repositories/people-repository.js';
import {
  departmentFigures,
  matterFigures,
  rootNodes,
  topicFigures,
  type DepartmentFiguresRow,
  type GridNodeRow,
  type MatterFiguresRow,
} from '../store/repositories/stats-repository.js';

/** A share: `count` of `of`, and the rate, null when `of` is 0. */
export interface Share {
  count: number;
  of: number;
  rate: number | null;
}

export interface CategoryFigures {
  accepted: number;
  settled: number;
  open: number;
  withdrawn: number;
  settlementRate: number | null;
}

export type DepartmentFigures = { id: string } & Pick<DepartmentFiguresRow, 'code' | 'name' | 'summoned' | 'reportedIn' | 'reportedLate' | 'signedOff' | 'ratings' | 'averageRating'>;

export interface GridStats {
  grid: { code: string; name: string; level: string; timezone: string };
  /** Days the matters were reported on (inclusive), read in `grid.timezone`; null is open-ended. */
  range: { from: string | null; to: string | null };
  accepted: number;
  settled: number;
  open: number;
  withdrawn: number;
  byCategory: Record<Category, CategoryFigures>;
  /** 办结率: settled / (accepted − withdrawn). */
  settlementRate: Share;
  /** 初信初访化解率: settled by the first assignee with no escalation or reopening, of settled. */
  firstContact: Share;
  /** Settled matters by the level they were settled at. */
  settledAt: Record<MatterLevel, Share>;
  /** 小事不出村: settled at unit or village level, of settled. */
  withinVillage: Share;
  /** 大事不出镇: settled at unit, village or township level, of settled. */
  withinTownship: Share;
  /** Got a staff take or reply, of matters not withdrawn before one. */
  response: Share;
  satisfaction: { evaluated: number; satisfied: number; basicallySatisfied: number; unsatisfied: number; rate: number | null };
  /** Medians in minutes, from the report; null when no matter got that far. */
  medianMinutes: { accept: number | null; acceptSamples: number; settle: number | null; settleSamples: number };
  deadlinesMissed: { total: number; accept: number; reply: number; settle: number };
  departments: DepartmentFigures[];
  /** 多网合一: by topic, most matters first; `name` as the roster writes it (null: not in its list). */
  byTopic: TopicFigures[];
}

export interface TopicFigures {
  topic: string;
  name: string | null;
  accepted: number;
  settled: number;
  open: number;
  big: number;
}

export type StatsNode =
  | { ok: true; node: GridNodeRow }
  | { ok: false; reason: 'unknown_grid' | 'no_grid' }
  | { ok: false; reason: 'many_roots'; roots: string[] };

const share = (count: number, of: number): Share => ({ count, of, rate: of > 0 ? count / of : null });

/** A real calendar day written YYYY-MM-DD. */
export function isCalendarDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** The node named by `code`, or the root of the tree when none is named. */
export async function statsNode(db: Executor, code?: string): Promise<StatsNode> {
  if (code) {
    const node = await findNodeNamed(db, code);
    return node ? { ok: true, node } : { ok: false, reason: 'unknown_grid' };
  }
  const roots = await rootNodes(db);
  if (roots.length === 1) return { ok: true, node: roots[0]! };
  if (roots.length === 0) return { ok: false, reason: 'no_grid' };
  return { ok: false, reason: 'many_roots', roots: roots.map((r) => r.code) };
}

function emptyRow(): MatterFiguresRow {
  return {
    total: true, category: null, accepted: 0, settled: 0, open: 0, withdrawn: 0, firstContact: 0,
    settledUnit: 0, settledVillage: 0, settledTownship: 0, settledCounty: 0, responseEligible: 0, responded: 0,
    evaluated: 0, satisfied: 0, basicallySatisfied: 0, unsatisfied: 0, medianAcceptMinutes: null, acceptSamples: 0,
    medianSettleMinutes: null, settleSamples: 0, missedAccept: 0, missedReply: 0, missedSettle: 0, missedTotal: 0,
  };
}

/** Dates must already be checked with isCalendarDate. */
export async function gridStats(db: Executor, node: GridNodeRow, range: { from?: string; to?: string } = {}): Promise<GridStats> {
  const scope = { path: node.path, timezone: node.timezone, from: range.from, to: range.to };
  const [rows, depts, topics, topicList] = await Promise.all([matterFigures(db, scope), departmentFigures(db, scope), topicFigures(db, scope), listTopics(db)]);
  const topicNames = new Map(topicList.map((t) => [t.code, t.name]));
  const t = rows.find((r) => r.total) ?? emptyRow();
  const byCategory = Object.fromEntries(
    CATEGORIES.map((c) => {
      const r = rows.find((x) => !x.total && x.category === c) ?? emptyRow();
      return [c, { accepted: r.accepted, settled: r.settled, open: r.open, withdrawn: r.withdrawn, settlementRate: share(r.settled, r.accepted - r.withdrawn).rate }];
    }),
  ) as Record<Category, CategoryFigures>;
  const atLevel: Record<MatterLevel, number> = { unit: t.settledUnit, village: t.settledVillage, township: t.settledTownship, county: t.settledCounty };
  return {
    grid: { code: node.code, name: node.name, level: node.level, timezone: node.timezone },
    range: { from: range.from ?? null, to: range.to ?? null },
    accepted: t.accepted,
    settled: t.settled,
    open: t.open,
    withdrawn: t.withdrawn,
    byCategory,
    settlementRate: share(t.settled, t.accepted - t.withdrawn),
    firstContact: share(t.firstContact, t.settled),
    settledAt: Object.fromEntries(MATTER_LEVELS.map((l) => [l, share(atLevel[l], t.settled)])) as Record<MatterLevel, Share>,
    withinVillage: share(atLevel.unit + atLevel.village, t.settled),
    withinTownship: share(atLevel.unit + atLevel.village + atLevel.township, t.settled),
    response: share(t.responded, t.responseEligible),
    satisfaction: {
      evaluated: t.evaluated,
      satisfied: t.satisfied,
      basicallySatisfied: t.basicallySatisfied,
      unsatisfied: t.unsatisfied,
      rate: share(t.satisfied + t.basicallySatisfied, t.evaluated).rate,
    },
    medianMinutes: { accept: t.medianAcceptMinutes, acceptSamples: t.acceptSamples, settle: t.medianSettleMinutes, settleSamples: t.settleSamples },
    deadlinesMissed: { total: t.missedTotal, accept: t.missedAccept, reply: t.missedReply, settle: t.missedSettle },
    departments: depts.map((d) => ({
      id: d.departmentId,
      code: d.code,
      name: d.name,
      summoned: d.summoned,
      reportedIn: d.reportedIn,
      reportedLate: d.reportedLate,
      signedOff: d.signedOff,
      ratings: d.ratings,
      averageRating: d.averageRating,
    })),
    byTopic: topics.map((t) => ({ topic: t.topic, name: topicNames.get(t.topic) ?? null, accepted: t.accepted, settled: t.settled, open: t.open, big: t.big })),
  };
}

/** Most grids whose figures one person's desk shows. */
export const DESK_GRIDS = 12;

/**
 * The grids a staff member's figures are about: every node she covers (a node inside another
 * she covers is already counted there), then the grids of the matters she holds outside them
 * (a matter transferred or escalated to her). Ordered by the tree; none for a villager.
 */
export async function deskGrids(db: Executor, personId: string): Promise<GridNodeRow[]> {
  const covered = staffPlaces(await placementsOf(db, personId)).map((p) => p.node);
  if (!covered.length) return [];
  const held = await listMatters(db, { assigneeId: personId, state: 'open', limit: 200 });
  const heldCodes = [...new Set(held.map((m) => m.grid))];
  const heldNodes = (await Promise.all(heldCodes.map((code) => findNodeByCode(db, code)))).filter((n): n is GridNodeRow => Boolean(n));
  const all = [...covered, ...heldNodes];
  const kept = all.filter((n, i) => all.findIndex((x) => x.id === n.id) === i && !all.some((o) => o.id !== n.id && o.path !== n.path && within(n.path, o.path)));
  return kept.sort((a, b) => a.path.localeCompare(b.path)).slice(0, DESK_GRIDS);
}

/** The figures of each of the person's desk grids (deskGrids). */
export async function deskStats(db: Executor, personId: string): Promise<GridStats[]> {
  const grids = await deskGrids(db, personId);
  return Promise.all(grids.map((g) => gridStats(db, g)));
}
