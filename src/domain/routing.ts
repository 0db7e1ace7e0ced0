// Routing policy: the unit grid's on-duty full-timer with the fewest open matters, then on-duty
// part-time backups, then the village's grid leader. Every candidate is explained.

export type RoutingRole = 'officer_full' | 'officer_part' | 'grid_leader';

export interface RoutingCandidate {
  personId: string;
  name: string;
  /** Officers belong to the unit grid; grid leaders to its village. */
  role: RoutingRole;
  onLeave: boolean;
  reachable: boolean;
  openMatters: number;
}

export type RoutingOutcome = 'chosen' | 'on_leave' | 'unreachable' | 'more_open_matters' | 'not_needed';
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
    /** 'more_open_matters' also covers losing a tie, which goes to the lower personId. */
    outcome: RoutingOutcome;
  }>;
}

const TIERS: ReadonlyArray<{ role: RoutingRole; rule: Exclude<RoutingRule, 'nobody'>; level: 'unit' | 'village' }> = [
  { role: 'officer_full', rule: 'full_time_on_duty', level: 'unit' },
  { role: 'officer_part', rule: 'part_time_backup', level: 'unit' },
  { role: 'grid_leader', rule: 'grid_leader', level: 'village' },
];

function byLoad(a: RoutingCandidate, b: RoutingCandidate): number {
  if (a.openMatters !== b.openMatters) return a.openMatters - b.openMatters;
  return a.personId < b.personId ? -1 : a.personId > b.personId ? 1 : 0;
}

/** Picks who gets a newly routed matter; deterministic for the same candidates in any order. */
export function chooseAssignee(candidates: readonly RoutingCandidate[]): RoutingDecision {
  const considered: RoutingDecision['considered'] = [];
  let chosen: { id: string; rule: RoutingRule; level: 'unit' | 'village' } | null = null;

  for (const tier of TIERS) {
    const inTier = candidates.filter((c) => c.role === tier.role).sort(byLoad);
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
                : 'more_open_matters';
      considered.push({ personId: c.personId, name: c.name, role: c.role, openMatters: c.openMatters, outcome });
    }
    if (winner !== undefined) chosen = { id: winner.personId, rule: tier.rule, level: tier.level };
  }

  if (chosen === null) return { assigneeId: null, level: 'village', rule: 'nobody', considered };
  return { assigneeId: chosen.id, level: chosen.level, rule: chosen.rule, considered };
}
