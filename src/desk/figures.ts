// The one call the desk makes for a node's figures. The stats service (the same numbers as
// `gridline stats` and /stats in chat) is being extended to give everything for a period in one
// function; when it does, this adapter is the one place to switch. Fields the service does not
// give yet are absent, and the pages leave out what they would show.
import { gridStats, type GridStats } from '../services/stats-service.js';
import type { DeskPlace } from '../services/web-desk.js';
import type { ServiceContext } from '../ports/context.js';

export type DeskFigures = GridStats & {
  /** Settled per week (week starting YYYY-MM-DD); not given by the service yet. */
  settledPerWeek?: Array<{ week: string; settled: number }>;
};

/** A node's figures for matters reported between `from` and `to` (YYYY-MM-DD, inclusive, in the node's zone). */
export async function figuresFor(ctx: ServiceContext, node: DeskPlace, range: { from?: string; to?: string }): Promise<DeskFigures> {
  return gridStats(ctx.db, node, range);
}
