// 小事不出村，大事不出镇: what a matter starts as (size, topic) and what makes it urgent. Size is a
// decision people make in chat; these are only the starting points, which the roster may replace.
import type { Category, Size } from './types.js';

/** A roster row: matters of `category` (and, when given, of this urgency) start with this size and topic. */
export interface MatterDefaultRule {
  category: Category | '*';
  /** Null or absent matches either. */
  urgent?: boolean | null;
  size?: Size | null;
  topic?: string | null;
}

/** The built-in starting points; the roster's rows come after these, so they win ties. */
export const DEFAULT_MATTER_DEFAULTS: readonly MatterDefaultRule[] = [
  { category: '*', size: 'small', topic: 'general' },
  { category: 'hazard', topic: 'safety' },
  // Someone in danger now: the township may have to act, so it starts big.
  { category: 'hazard', urgent: true, size: 'big', topic: 'safety' },
];

/** Only a 隐患 can be urgent: the reporter is asked whether anyone is in danger now. */
export function mayBeUrgent(category: Category): boolean {
  return category === 'hazard';
}

/** 隐患 with someone in danger now: its alerts pass quiet hours. Nothing else is urgent. */
export function isUrgent(category: Category, dangerNow: boolean | null | undefined): boolean {
  return mayBeUrgent(category) && dangerNow === true;
}

function specificity(r: MatterDefaultRule): number {
  return (r.category === '*' ? 0 : 2) + (r.urgent === undefined || r.urgent === null ? 0 : 1);
}

/**
 * The size and topic a new matter starts with: for each, the most specific row that sets it
 * (category outranks urgency; the later of equals wins). Defaults: small, 'general'.
 */
export function startingPoint(rules: readonly MatterDefaultRule[], matter: { category: Category; urgent: boolean }): { size: Size; topic: string } {
  let size: { v: Size; s: number } = { v: 'small', s: -1 };
  let topic: { v: string; s: number } = { v: 'general', s: -1 };
  for (const r of rules) {
    if (r.category !== '*' && r.category !== matter.category) continue;
    if (r.urgent !== undefined && r.urgent !== null && r.urgent !== matter.urgent) continue;
    const s = specificity(r);
    if (r.size && s >= size.s) size = { v: r.size, s };
    if (r.topic && s >= topic.s) topic = { v: r.topic, s };
  }
  return { size: size.v, topic: topic.v };
}

/** The topics offered when the roster lists none (多网合一). */
export const DEFAULT_TOPIC_CODES: readonly string[] = ['general', 'safety', 'environment', 'petition', 'school', 'sanitation'];
