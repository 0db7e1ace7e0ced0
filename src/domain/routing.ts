// Routing policy: the unit grid's on-duty full-timer with the fewest open matters, then on-duty
// part-time backups, then the village's grid leader. A tie goes to whoever routing handed a matter
// to longest ago (never counts as longest), then to the roster code. Every candidate is explained.

/** Whom routing weighs: the unit grid's officers, then its village's grid leader. */
export const ROUTING_ROLES = ['officer_full', 'officer_part', 'grid_leader'] as const;
export type RoutingRole = (typeof ROUTING_ROLES)[number];

export interface RoutingCandidate {
  personId: string;
  name: string;
  /** Officers belong to the unit grid; grid leaders to its village. */
  role: RoutingRole;
  onLeave: boolean;
  reachable: boolean;
  openMatters: number;
  /** When routing last handed this person a new matter (ISO time); null or absent: never. */
  lastAssignedAt?: string | null;
  /** The person's roster code: the last tie-break, so the order is the one the roster shows. */
  code?: string | null;
}

export type RoutingOutcome =
  | 'chosen'
  | 'on_leave'
  | 'unreachable'
  | 'more_open_matters'
  /** As many open matters as the chosen one, but routing gave them one more recently. */
  | 'assigned_more_recently'
  /** As many open matters and the same last assignment (e.g. never): the roster code comes after. */
  | 'later_in_roster'
  | 'not_needed';
export type RoutingRule = 'full_time_on_duty' | 'part_time_backup' | 'grid_leader' | 'nobody';

export interface RoutingDecision {
  assigneeId: string | null;
  level: 'unit' | 'village';
  rule: RoutingRule;
  /** Every candidate exactly once, in the order they were weighed. */
  considered: Array<{
    personId: string;
    name: string;
    role: RoutingRole;
    openMatters: number;
    lastAssignedAt: string | null;
    code: string | null;
    outcome: RoutingOutcome;
  }>;
}

const TIERS: ReadonlyArray<{ role: RoutingRole; rule: Exclude<RoutingRule, 'nobody'>; level: 'unit' | 'village' }> = [
  { role: 'officer_full', rule: 'full_time_on_duty', level: 'unit' },
  { role: 'officer_part', rule: 'part_time_backup', level: 'unit' },
  { role: 'grid_leader', rule: 'grid_leader', level: 'village' },
];

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const lastAssigned = (c: RoutingCandidate) => (c.lastAssignedAt ? Date.parse(c.lastAssignedAt) : Number.NEGATIVE_INFINITY);

/** Fewest open matters; then the longest since routing last gave them one; then roster code; then id. */
export function byRoutingOrder(a: RoutingCandidate, b: RoutingCandidate): number {
  if (a.openMatters !== b.openMatters) return a.openMatters - b.openMatters;
  const la = lastAssigned(a);
  const lb = lastAssigned(b);
  if (la !== lb) return la < lb ? -1 : 1;
  // A person without a code (never an officer from the roster) sorts after those with one.
  if ((a.code ?? null) !== (b.code ?? null)) return a.code == null ? 1 : b.code == null ? -1 : cmp(a.code, b.code);
  return cmp(a.personId, b.personId);
}

/** Why `loser` (on duty and reachable) was not chosen over `winner`, who sorted first. */
function lostBecause(loser: RoutingCandidate, winner: RoutingCandidate): RoutingOutcome {
  if (loser.openMatters !== winner.openMatters) return 'more_open_matters';
  if (lastAssigned(loser) !== lastAssigned(winner)) return 'assigned_more_recently';
  return 'later_in_roster';
}

/** Picks who gets a newly routed matter; deterministic for the same candidates in any order. */
export function chooseAssignee(candidates: readonly RoutingCandidate[]): RoutingDecision {
  const considered: RoutingDecision['considered'] = [];
  let chosen: { id: string; rule: RoutingRule; level: 'unit' | 'village' } | null = null;

  for (const tier of TIERS) {
    const inTier = candidates.filter((c) => c.role === tier.role).sort(byRoutingOrder);
    const winner: RoutingCandidate | undefined = chosen === null ? inTier.find((c) => !c.onLeave && c.reachable) : undefined;
    for (const c of inTier) {
      const outcome: RoutingOutcome =
        chosen !== null
          ? 'not_needed'
          : c.onLeave
            ? 'on_leave'
            : !c.reachable
              ? 'unreachable'
              : c === winner
                ? 'chosen'
                : lostBecause(c, winner!);
      considered.push({ personId: c.personId, name: c.name, role: c.role, openMatters: c.openMatters, lastAssignedAt: c.lastAssignedAt ?? null, code: c.code ?? null, outcome });
    }
    if (winner !== undefined) chosen = { id: winner.personId, rule: tier.rule, level: tier.level };
  }

  if (chosen === null) return { assigneeId: null, level: 'village', rule: 'nobody', considered };
  return { assigneeId: chosen.id, level: chosen.level, rule: chosen.rule, considered };
}
