// The figures a cadre reads off gridline for a node of the grid tree and everything below it:
// matters by type, settled, in progress, 办结率, 初信初访化解率, share settled at each level
// (小事不出村，大事不出镇), response, satisfaction, time taken, deadlines missed, overdue, 督办,
// 吹哨报到, 答疑 and 代办, settled per week and the grids below. One computation (statsFor) serves
// the CLI (`gridline stats`), the chat (/stats) and the web desk; each only renders the object.
import { periodDays, share, wallClock, type Period, type Share } from '../domain/index.js';
import { staffPlaces, within } from '../domain/roles.js';
import { CATEGORIES, MATTER_LEVELS, type Category, type MatterLevel } from '../domain/types.js';
import type { Executor } from '../store/db.js';
import { findNodeNamed, findNodesByCodes } from '../store/repositories/grid-repository.js';
import { listTopics } from '../store/repositories/matter-defaults-repository.js';
import { listMatters } from '../store/repositories/matter-repository.js';
import { placementsOf } from '../store/repositories/people-repository.js';
import {
  childNodes,
  departmentFigures,
  faqFigures,
  matterFigures,
  rootNodes,
  settledByWeek,
  topicFigures,
  type DepartmentFiguresRow,
  type GridNodeRow,
  type MatterFiguresRow,
  type StatsScope,
} from '../store/repositories/stats-repository.js';

export { isCalendarDate, type Period, type Share } from '../domain/index.js';

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
  /** The period asked for: its name, or the days given. */
  period: Period;
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
  /** Open and past their time limit now. */
  overdue: number;
  /** 督办: matters a cadre supervised. */
  supervised: number;
  /** 答疑: questions the FAQ answered in chat that did not become a matter (asked in the period). */
  faqAnswers: number;
  /** 代办: matters an officer filed for a villager. */
  errands: number;
  departments: DepartmentFigures[];
  /** 多网合一: by topic, most matters first; `name` as the roster writes it (null: not in its list). */
  byTopic: TopicFigures[];
  /** Settled matters by the week (its Monday, YYYY-MM-DD) they were settled in, oldest first. */
  settledByWeek: Array<{ week: string; settled: number }>;
  /** The grids directly below, side by side (drill-down); empty for a unit grid. */
  children: ChildFigures[];
}

/** One grid below, for comparison. */
export interface ChildFigures {
  grid: { code: string; name: string; level: string };
  accepted: number;
  settled: number;
  open: number;
  overdue: number;
  settlementRate: Share;
  withinVillage: Share;
  satisfactionRate: number | null;
  faqAnswers: number;
  errands: number;
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
    key: '', overdue: 0, supervised: 0, errands: 0,
    total: true, category: null, accepted: 0, settled: 0, open: 0, withdrawn: 0, firstContact: 0,
    settledUnit: 0, settledVillage: 0, settledTownship: 0, settledCounty: 0, responseEligible: 0, responded: 0,
    evaluated: 0, satisfied: 0, basicallySatisfied: 0, unsatisfied: 0, medianAcceptMinutes: null, acceptSamples: 0,
    medianSettleMinutes: null, settleSamples: 0, missedAccept: 0, missedReply: 0, missedSettle: 0, missedTotal: 0,
  };
}

/** The period's days for a node: a named period is read on today's date in the node's zone. */
function scopeOf(key: string, node: GridNodeRow, period: Period, now: Date): StatsScope {
  return { key, path: node.path, timezone: node.timezone, ...periodDays(period, wallClock(now, node.timezone).day) };
}

const CHILD = 'c:';

/**
 * The figures of each node for a period, in the order given: all nodes in one set of queries
 * (never a query per grid). `now` decides the days of a named period (in each node's zone) and
 * what is overdue. With `children` (default true), each node's grids below are compared too.
 * Days given must already be checked with isCalendarDate.
 */
export async function statsFor(db: Executor, nodes: readonly GridNodeRow[], period: Period, now: Date, opts: { children?: boolean } = {}): Promise<GridStats[]> {
  if (!nodes.length) return [];
  const kids = opts.children === false ? [] : await childNodes(db, nodes.map((n) => n.id));
  const scopes = nodes.map((n) => scopeOf(n.id, n, period, now));
  const kidScopes = kids.map((k) => scopeOf(CHILD + k.id, k, period, now));
  const [rows, depts, topics, weeks, faq, topicList] = await Promise.all([
    matterFigures(db, [...scopes, ...kidScopes], now),
    departmentFigures(db, scopes),
    topicFigures(db, scopes),
    settledByWeek(db, scopes),
    faqFigures(db, [...scopes, ...kidScopes]),
    listTopics(db),
  ]);
  const topicNames = new Map(topicList.map((t) => [t.code, t.name]));
  const answered = new Map(faq.map((f) => [f.key, f.answered]));
  const totalOf = (key: string) => rows.find((r) => r.key === key && r.total) ?? emptyRow();

  return nodes.map((node, i) => {
    const scope = scopes[i]!;
    const mine = rows.filter((r) => r.key === node.id);
    const t = totalOf(node.id);
    const byCategory = Object.fromEntries(
      CATEGORIES.map((c) => {
        const r = mine.find((x) => !x.total && x.category === c) ?? emptyRow();
        return [c, { accepted: r.accepted, settled: r.settled, open: r.open, withdrawn: r.withdrawn, settlementRate: share(r.settled, r.accepted - r.withdrawn).rate }];
      }),
    ) as Record<Category, CategoryFigures>;
    const atLevel: Record<MatterLevel, number> = { unit: t.settledUnit, village: t.settledVillage, township: t.settledTownship, county: t.settledCounty };
    return {
      grid: { code: node.code, name: node.name, level: node.level, timezone: node.timezone },
      period,
      range: { from: scope.from ?? null, to: scope.to ?? null },
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
      overdue: t.overdue,
      supervised: t.supervised,
      faqAnswers: answered.get(node.id) ?? 0,
      errands: t.errands,
      departments: depts
        .filter((d) => d.key === node.id)
        .map((d) => ({
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
      byTopic: topics.filter((x) => x.key === node.id).map((x) => ({ topic: x.topic, name: topicNames.get(x.topic) ?? null, accepted: x.accepted, settled: x.settled, open: x.open, big: x.big })),
      settledByWeek: weeks.filter((w) => w.key === node.id).map((w) => ({ week: w.week, settled: w.settled })),
      children: kids
        .filter((k) => k.parentId === node.id)
        .map((k) => {
          const c = totalOf(CHILD + k.id);
          return {
            grid: { code: k.code, name: k.name, level: k.level },
            accepted: c.accepted,
            settled: c.settled,
            open: c.open,
            overdue: c.overdue,
            settlementRate: share(c.settled, c.accepted - c.withdrawn),
            withinVillage: share(c.settledUnit + c.settledVillage, c.settled),
            satisfactionRate: share(c.satisfied + c.basicallySatisfied, c.evaluated).rate,
            faqAnswers: answered.get(CHILD + k.id) ?? 0,
            errands: c.errands,
          };
        }),
    };
  });
}

/** One node's figures over days (the digest's last 30 days, the CLI's --from/--to); `now` decides what is overdue. */
export async function gridStats(db: Executor, node: GridNodeRow, range: { from?: string; to?: string } = {}, now: Date = new Date()): Promise<GridStats> {
  const period: Period = range.from || range.to ? { kind: 'dates', from: range.from ?? null, to: range.to ?? null } : { kind: 'all' };
  return (await statsFor(db, [node], period, now))[0]!;
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
  const heldNodes = await findNodesByCodes(db, [...new Set(held.map((m) => m.grid))]);
  const all = [...covered, ...heldNodes];
  const kept = all.filter((n, i) => all.findIndex((x) => x.id === n.id) === i && !all.some((o) => o.id !== n.id && o.path !== n.path && within(n.path, o.path)));
  return kept.sort((a, b) => a.path.localeCompare(b.path)).slice(0, DESK_GRIDS);
}

/** The figures of each of the person's desk grids (deskGrids) for a period (default: all time). */
export async function deskStats(db: Executor, personId: string, period: Period = { kind: 'all' }, now: Date = new Date()): Promise<GridStats[]> {
  return statsFor(db, await deskGrids(db, personId), period, now);
}
