// 小事不出村，大事不出镇: how far a matter may climb, and who is alerted when it may climb no further.
import { compareLevels } from './roles.js';
import { MATTER_LEVELS, type MatterLevel, type Size } from './types.js';

/** The highest level a matter of this size may be worked at. County departments come only by whistle. */
export function ladderTop(size: Size): MatterLevel {
  return size === 'small' ? 'village' : 'township';
}

const above = (level: MatterLevel): MatterLevel | null => MATTER_LEVELS[MATTER_LEVELS.indexOf(level) + 1] ?? null;

export interface Climb {
  /** The level the matter moves to; null when it stays where it is. */
  to: MatterLevel | null;
  /** The level whose cadres are alerted. */
  alert: MatterLevel;
}

/**
 * One step up the ladder. A matter at the top of its ladder stays, and the level above is
 * alerted instead (a small matter past the village alerts the township but stays in the village).
 */
export function climb(size: Size, level: MatterLevel): Climb {
  const top = ladderTop(size);
  const next = above(level);
  if (level === top || next === null || compareLevels(level, top) > 0) {
    return { to: null, alert: next ?? level };
  }
  return { to: next, alert: next };
}

/** A poor rating reopens the matter one level above the one that closed it, within its ladder. */
export function reopenLevel(size: Size, closedAt: MatterLevel): MatterLevel {
  const next = above(closedAt);
  const top = ladderTop(size);
  if (!next) return closedAt;
  return compareLevels(next, top) > 0 ? (compareLevels(closedAt, top) > 0 ? closedAt : top) : next;
}
