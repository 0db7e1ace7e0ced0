// Who may receive a matter by transfer (转办): one rule for the list offered and for the action.
import { STAFF_ROLES, type RolePlace } from './roles.js';

export type TransferRefusal =
  /** The target already holds the matter (a holder "transferring" to themselves). */
  | 'holder'
  /** No staff post in the matter's line or its village's unit grids. */
  | 'outside_line';

export type TransferCheck<P extends RolePlace> = { ok: true; place: P } | { ok: false; reason: TransferRefusal };

/**
 * Whether `targetId`, holding `places`, may be handed the matter: someone who works its grid or a
 * level above it (a node of `line`, the matter's node first, then its ancestors), or another unit
 * grid of the same village. Not its current holder. A person on leave may: the choice is shown
 * marked and left to whoever transfers. The actor may transfer to themselves (a cadre taking over).
 * Returns the post that qualifies them (its title is shown).
 */
export function mayReceiveTransfer<P extends RolePlace>(
  target: { personId: string; places: readonly P[] },
  matter: { assigneeId: string | null },
  line: readonly { id: string; level: string }[],
): TransferCheck<P> {
  if (target.personId === matter.assigneeId) return { ok: false, reason: 'holder' };
  const ids = new Set(line.map((n) => n.id));
  const village = line.find((n) => n.level === 'village');
  const place = target.places.find((p) => STAFF_ROLES.includes(p.role) && (ids.has(p.node.id) || (village !== undefined && p.node.parentId === village.id)));
  return place ? { ok: true, place } : { ok: false, reason: 'outside_line' };
}
