// Climbing never orphans a matter. When a limit passes, the matter's level rises (that level's
// limits apply, its cadres are alerted) but the officer keeps working it, unless he is away (on
// leave, or no message reaches him): then the level's responsible person holds it. An escalation
// by hand (上报) hands it up to the level's responsible person. Whoever is relieved of a matter by a
// climb or by a cadre keeps helping on it; whoever hands it on themselves does not.
import type { LimitKind } from './deadlines.js';
import { LIMIT_KINDS } from './deadlines.js';

/** Why a matter climbs: a person escalated it (上报), or a limit passed. */
export type ClimbCause = 'hand' | 'timer';

/** Whether a holder can work a matter now. */
export interface Availability {
  onLeave: boolean;
  /** False when every way of writing to the person has failed. */
  reachable: boolean;
}

/** Away: on leave, or unreachable. */
export function isAway(a: Availability | null | undefined): boolean {
  return !a || a.onLeave || !a.reachable;
}

export interface ClimbHands {
  cause: ClimbCause;
  /** Who holds the matter now; null when nobody does. */
  holder: string | null;
  holderAway: boolean;
  /** The responsible person of the level the matter climbs to; null when the level has none. */
  responsible: string | null;
}

/**
 * Who holds the matter after it climbs one level. A missed limit leaves it with the holder unless
 * the holder is away; an escalation by hand passes it to the level's responsible person. With no
 * one responsible at that level it stays where it is.
 */
export function holderAfterClimb(h: ClimbHands): string | null {
  if (!h.responsible) return h.holder;
  if (h.cause === 'timer' && h.holder && !h.holderAway) return h.holder;
  return h.responsible;
}

/**
 * Whether the person who held a matter keeps helping on it after it left their hands: yes when
 * someone else moved it (a climb, a cadre's takeover or transfer) or they escalated it themselves
 * (上报 asks for help; the officer still knows the ground); no when they transferred it on.
 */
export function keepsHelping(change: { action: 'escalate' | 'transfer'; actorId: string | null; previousHolder: string | null; nextHolder: string | null }): boolean {
  if (!change.previousHolder || change.previousHolder === change.nextHolder) return false;
  if (change.action === 'escalate') return true;
  return change.actorId !== change.previousHolder;
}

/** A limit's running clock as the covering rule reads it. */
export interface LimitDue {
  kind: LimitKind;
  status: string;
  dueAt: Date;
}

/**
 * The later limit that covers `kind`: one whose running clock falls due at or before this one's.
 * A limit capped at the settle time (a dispute's reply limit at the evening cut-off) is the same
 * deadline: only the covering limit warns and climbs, so the warning comes once and the reason of
 * the climb does not depend on which timer fires first. Null when nothing covers it.
 */
export function coveringLimit(kind: LimitKind, clocks: readonly LimitDue[]): LimitKind | null {
  const own = clocks.find((c) => c.kind === kind);
  if (!own) return null;
  const later = LIMIT_KINDS.slice(LIMIT_KINDS.indexOf(kind) + 1).reverse();
  for (const k of later) {
    const c = clocks.find((x) => x.kind === k);
    if (c && c.status === 'running' && c.dueAt.getTime() <= own.dueAt.getTime()) return k;
  }
  return null;
}

/** A running clock as a tick reads it. */
export interface TickClock extends LimitDue {
  warnAt: Date;
  warnedAt: Date | null;
}

/** What a tick does to one limit: its warning (75%) or its miss (100%). */
export interface DueTimer {
  kind: LimitKind;
  phase: 'warn' | 'due';
  /** Nobody is told: a later limit falls due with it (coveringLimit: that one warns and climbs). */
  quiet: boolean;
}

/**
 * What falls due by `upTo` among a matter's clocks: each running clock's warning not yet given
 * (when it comes before the limit) and its limit. The tick of a due second settles these together.
 */
export function dueTimers(clocks: readonly TickClock[], upTo: Date): DueTimer[] {
  const out: DueTimer[] = [];
  const by = upTo.getTime();
  for (const c of clocks) {
    if (c.status !== 'running') continue;
    const covered = coveringLimit(c.kind, clocks) !== null;
    // A warning not given in time (the service was down) still goes out, before the climb.
    if (!c.warnedAt && c.warnAt.getTime() < c.dueAt.getTime() && c.warnAt.getTime() <= by) out.push({ kind: c.kind, phase: 'warn', quiet: covered });
    if (c.dueAt.getTime() <= by) out.push({ kind: c.kind, phase: 'due', quiet: covered });
  }
  return out;
}

/** Why a climb happened, for the alert: one reason per climb. */
export type ClimbReason = { kind: 'hand'; by: string; note: string } | { kind: 'missed'; limit: LimitKind; dispute: boolean };

/** The locale key of a climb's reason (in the ladder namespace). */
export function climbReasonKey(r: ClimbReason): string {
  if (r.kind === 'hand') return r.note ? 'ladder:reason.hand' : 'ladder:reason.hand_no_note';
  return r.dispute && r.limit === 'settle' ? 'ladder:reason.dispute' : `ladder:reason.${r.limit}`;
}

/** Who may rate a summoned department's part once it signed off. */
export interface RaterStanding {
  /** Holds the matter. */
  holder: boolean;
  /** Blew the whistle that summoned this department. */
  whistler: boolean;
  /** A cadre at township level or above in the matter's line of the tree. */
  townshipCadre: boolean;
}

/** The holder, the whistler or the township rates a department's part (1–5). */
export function mayRateDepartment(s: RaterStanding): boolean {
  return s.holder || s.whistler || s.townshipCadre;
}

/** A department's rating: a whole number from 1 to 5. */
export function isDepartmentRating(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 5;
}
