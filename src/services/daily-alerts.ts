// The two daily runs for the cadres of each node in one time zone:
// - the evening sweep (纠纷不过夜): the disputes not yet settled, to the village and the township;
// - the morning digest: the node's figures and the alerts held back during its quiet hours.
// Each run is recorded per node and local day in the same transaction as its deliveries, so a job
// that runs twice (a retry, a stalled worker) sends once.
import { randomUUID } from 'node:crypto';
import { previousDay, wallClock } from '../domain/alert-policy.js';
import { DEFAULT_DISPUTE_CUTOFF } from '../domain/deadlines.js';
import { listDisputeCutoffs } from '../store/repositories/deadline-repository.js';
import type { GridLevel } from '../domain/types.js';
import type { JobOutcome } from '../ports/jobs.js';
import type { Executor } from '../store/db.js';
import {
  claimAlertRun,
  nodeCounts,
  nodesInZone,
  openDisputesUnder,
  zonesInUse,
  type OpenDispute,
  takeHeldAlerts,
  type GridNodeRow,
} from '../store/repositories/alert-repository.js';
import type { NewDelivery } from '../store/repositories/delivery-repository.js';
import { findNodeByCode } from '../store/repositories/grid-repository.js';
import { alertDeliveries, alertTargets, targetKey, writeDeliveries } from './alert-service.js';
import type { ServiceContext } from '../ports/context.js';
import { gridStats } from './stats-service.js';

export const SWEEP_LEVELS: readonly GridLevel[] = ['village', 'township'];
export const DIGEST_LEVELS: readonly GridLevel[] = ['village', 'township', 'county'];
/** Disputes listed by name in one sweep message; the rest are counted. */
export const SWEEP_LIST_MAX = 20;
/** The settlement rate in the digest covers the matters reported in this many days. */
export const DIGEST_RATE_DAYS = 30;

async function eachNode(ctx: ServiceContext, zone: string, levels: readonly GridLevel[], run: (tx: Executor, node: GridNodeRow, day: string) => Promise<string>, only?: (node: GridNodeRow) => boolean): Promise<JobOutcome> {
  const day = wallClock(ctx.now(), zone).day;
  const counts: Record<string, number> = {};
  let wrote = false;
  for (const node of await nodesInZone(ctx.db, zone, levels)) {
    if (only && !only(node)) continue;
    const outcome = await ctx.db.transaction((tx) => run(tx, node, day));
    counts[outcome] = (counts[outcome] ?? 0) + 1;
    if (outcome === 'sent') wrote = true;
  }
  if (wrote) ctx.outboxWritten();
  return { outcome: 'done', zone, day, ...counts };
}

/** A sweep at one local time in one zone: the nodes whose dispute cut-off it is. */
export interface SweepSlot {
  zone: string;
  /** 'HH:MM', the nodes' dispute cut-off. */
  at: string;
}

/** The sweeps to schedule: each zone and dispute cut-off a village or township uses (a node without one: 20:00). */
export async function sweepSlots(db: Executor): Promise<SweepSlot[]> {
  const cutoffs = await eveningCutoffs(db);
  const slots = new Map<string, SweepSlot>();
  for (const zone of await zonesInUse(db)) {
    for (const node of await nodesInZone(db, zone, SWEEP_LEVELS)) {
      const at = cutoffs.get(node.id) ?? DEFAULT_DISPUTE_CUTOFF.evening;
      slots.set(`${zone}@${at}`, { zone, at });
    }
  }
  return [...slots.values()];
}

async function eveningCutoffs(db: Executor): Promise<Map<string, string>> {
  return new Map((await listDisputeCutoffs(db)).map((r) => [r.gridNodeId, r.evening]));
}

/**
 * 纠纷不过夜: tells each village and township of the zone which disputes below it are still open.
 * With `at`, only the nodes whose own dispute cut-off is that time: each is swept at its cut-off.
 */
export async function eveningSweep(ctx: ServiceContext, zone: string, at?: string): Promise<JobOutcome> {
  const now = ctx.now();
  const cutoffs = at ? await eveningCutoffs(ctx.db) : null;
  const only = cutoffs ? (node: GridNodeRow) => (cutoffs.get(node.id) ?? DEFAULT_DISPUTE_CUTOFF.evening) === at : undefined;
  return eachNode(ctx, zone, SWEEP_LEVELS, async (tx, node, day) => {
    const disputes = await openDisputesUnder(tx, node.path);
    if (!disputes.length) return 'none_open';
    if (!(await claimAlertRun(tx, 'sweep', node.id, day, now))) return 'already_sent';
    const rows = await alertDeliveries(tx, { node, ...(await sweepMessage(tx, node, disputes)), atOnce: true, now });
    await writeDeliveries(tx, rows);
    return rows.length ? 'sent' : 'no_one_to_tell';
  }, only);
}

/**
 * What a node's sweep says. A village: its open disputes one by one (a group reads them without
 * the villagers' words). A township (or any node above the villages): how many in each village,
 * and 查看清单, which sends the list privately to a cadre who may read it.
 */
async function sweepMessage(db: Executor, node: GridNodeRow, disputes: OpenDispute[]): Promise<{ template: string; params: Record<string, unknown> }> {
  const base = { grid: node.name, count: disputes.length, nodeId: node.id };
  if (node.level === 'village') return { template: 'sweep', params: { ...base, ...disputeList(disputes) } };
  return { template: 'sweep_villages', params: { ...base, villages: await villageCounts(db, node, disputes) } };
}

/** The disputes as a notification lists them (the first SWEEP_LIST_MAX; the rest counted), with their references. */
export function disputeList(disputes: readonly OpenDispute[], words: (d: OpenDispute) => boolean = () => true): { items: Array<Record<string, unknown>>; more: number; refs: string[] } {
  const items = disputes.slice(0, SWEEP_LIST_MAX).map((d) => ({
    ref: d.ref,
    grid: d.gridName,
    category: 'dispute',
    // Someone who may not read a matter's words sees where to read them instead.
    ...(words(d) ? { summary: d.summary } : { summaryKey: 'notify:words_hidden' }),
    assignee: d.assignee ?? '',
    reportedAt: d.createdAt.toISOString(),
  }));
  return { items, more: disputes.length - items.length, refs: disputes.map((d) => d.ref) };
}

/** Open disputes per village under `node`, most first (then the one with the oldest dispute); those under no village count for the node itself. */
async function villageCounts(db: Executor, node: GridNodeRow, disputes: readonly OpenDispute[]): Promise<Array<{ village: string; count: number }>> {
  const depth = node.path.split('/').length;
  const counts = new Map<string, number>();
  for (const d of disputes) {
    const code = d.gridPath.split('/')[depth] ?? '';
    counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  const out: Array<{ village: string; count: number }> = [];
  for (const [code, count] of counts) out.push({ village: (code ? await findNodeByCode(db, code) : undefined)?.name ?? node.name, count });
  return out.sort((a, b) => b.count - a.count);
}

/**
 * The morning digest of each village, township and county of the zone: its figures, and to each
 * destination the alerts held for it overnight.
 */
export function morningDigest(ctx: ServiceContext, zone: string): Promise<JobOutcome> {
  const now = ctx.now();
  return eachNode(ctx, zone, DIGEST_LEVELS, async (tx, node, day) => {
    const targets = await alertTargets(tx, node);
    if (!targets.length) return 'no_one_to_tell';
    if (!(await claimAlertRun(tx, 'digest', node.id, day, now))) return 'already_sent';
    const yesterday = previousDay(day);
    const counts = await nodeCounts(tx, node.path, now, yesterday, zone);
    const from = new Date(now.getTime() - DIGEST_RATE_DAYS * 86_400_000);
    const stats = await gridStats(tx, node, { from: wallClock(from, zone).day, to: day }, now);
    const figures = { ...counts, settlementRate: stats.settlementRate.rate, days: DIGEST_RATE_DAYS };
    const held = await takeHeldAlerts(tx, node.id);
    const byTarget = new Map<string, Array<{ template: string; params: Record<string, unknown> }>>();
    for (const h of held) {
      const key = targetKey(h);
      byTarget.set(key, [...(byTarget.get(key) ?? []), { template: h.template, params: h.params }]);
    }
    const base = await alertDeliveries(tx, { node, template: 'digest', params: { grid: node.name, day, ...figures }, atOnce: true, now });
    const rows: NewDelivery[] = base.map((d) => ({ ...d, params: { ...d.params, held: byTarget.get(targetKey(d)) ?? [] } }));
    // Alerts held for a destination the node no longer uses still reach it, in its own digest.
    for (const h of held) {
      const key = targetKey(h);
      if (rows.some((r) => targetKey(r) === key)) continue;
      const like = base[0] ?? { id: '', matterId: null, template: 'digest', gridNodeId: node.id, status: 'pending', params: { grid: node.name, day, ...figures } };
      rows.push({ ...like, id: randomUUID(), personId: h.personId, chatPlatform: h.chatPlatform, chatId: h.chatId, params: { ...like.params, held: byTarget.get(key) ?? [] } });
    }
    await writeDeliveries(tx, rows);
    return 'sent';
  });
}
