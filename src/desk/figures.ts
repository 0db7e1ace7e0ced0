// The one call the desk makes for a node's figures: the stats service's statsFor, the same numbers
// as `gridline stats` and /stats in chat, with the grids directly below for the drill-down.
import { statsFor, type GridStats, type Period } from '../services/stats-service.js';
import type { DeskPlace } from '../services/web-desk.js';
import type { ServiceContext } from '../ports/context.js';

export type DeskFigures = GridStats;

/** A node's figures for matters reported between `from` and `to` (YYYY-MM-DD, inclusive, in the node's zone), with its children's. */
export async function figuresFor(ctx: ServiceContext, node: DeskPlace, range: { from?: string; to?: string }): Promise<DeskFigures> {
  const period: Period = range.from || range.to ? { kind: 'dates', from: range.from ?? null, to: range.to ?? null } : { kind: 'all' };
  return (await statsFor(ctx.db, [node], period, ctx.now(), { children: true }))[0]!;
}
