// Cadre alerts: who an alert of a grid node reaches (its Telegram group, its Slack channel, or its
// cadres' DMs) and whether it goes now or waits for the morning digest (quiet hours; disputes and
// urgent hazards never wait). Callers write the deliveries in their own transaction.
import { randomUUID } from 'node:crypto';
import { DEFAULT_QUIET_HOURS, holdAlert, type QuietHours } from '../domain/alert-policy.js';
import { groupView } from '../domain/group-view.js';
import { CADRE_ROLES } from '../domain/roles.js';
import type { Category, Platform } from '../domain/types.js';
import type { Executor } from '../store/db.js';
import type { GridNodeRow } from '../store/repositories/grid-repository.js';
import { sendJobs } from './send-jobs.js';
import { createDeliveries, type NewDelivery } from '../store/repositories/delivery-repository.js';
import { enqueue } from '../store/repositories/outbox-repository.js';
import { staffAt } from '../store/repositories/people-repository.js';

export type AlertTarget = { kind: 'person'; personId: string } | { kind: 'chat'; platform: Platform; chatId: string };

/** The node's quiet hours; rows written before they were set fall back to the default. */
export function quietHoursOf(node: Pick<GridNodeRow, 'quietFrom' | 'quietTo'>): QuietHours {
  return node.quietFrom && node.quietTo ? { from: node.quietFrom, to: node.quietTo } : { ...DEFAULT_QUIET_HOURS };
}

/**
 * Where the node's alerts go: its Telegram group and Slack channel, and its cadres' DMs when
 * `alertDm` says so or no group is named.
 */
export async function alertTargets(db: Executor, node: GridNodeRow): Promise<AlertTarget[]> {
  const targets: AlertTarget[] = [];
  if (node.alertTelegramChat) targets.push({ kind: 'chat', platform: 'telegram', chatId: node.alertTelegramChat });
  if (node.alertSlackChannel) targets.push({ kind: 'chat', platform: 'slack', chatId: node.alertSlackChannel });
  if (node.alertDm === true || !targets.length) {
    for (const c of await staffAt(db, node.id, CADRE_ROLES)) {
      if (!targets.some((t) => t.kind === 'person' && t.personId === c.personId)) targets.push({ kind: 'person', personId: c.personId });
    }
  }
  return targets;
}

export function targetKey(t: AlertTarget | Pick<NewDelivery, 'personId' | 'chatPlatform' | 'chatId'>): string {
  if ('kind' in t) return t.kind === 'person' ? `p:${t.personId}` : `c:${t.platform}:${t.chatId}`;
  return t.personId ? `p:${t.personId}` : `c:${t.chatPlatform}:${t.chatId}`;
}

export interface AlertSpec {
  node: GridNodeRow;
  template: string;
  params: Record<string, unknown>;
  /** The matter it is about; its category decides whether quiet hours hold it. */
  matter?: { id: string; ref: string; category: Category; summary: string; urgent?: boolean | null } | null;
  /** A person not to alert (the one who acted). */
  exclude?: string | null;
  /** Send even in quiet hours (the sweep of disputes). */
  atOnce?: boolean;
  now: Date;
}

/**
 * The deliveries of one alert: one per target, status 'pending', or 'held' for the node's morning
 * digest when it comes in the node's quiet hours and may wait.
 */
export async function alertDeliveries(db: Executor, spec: AlertSpec): Promise<NewDelivery[]> {
  const targets = (await alertTargets(db, spec.node)).filter((t) => !(t.kind === 'person' && t.personId === spec.exclude));
  const held = !spec.atOnce && holdAlert(spec.now, spec.node.timezone, quietHoursOf(spec.node), spec.matter ?? null);
  const m = spec.matter;
  const params = { ...(m ? { ref: m.ref, category: m.category, summary: m.summary } : {}), ...spec.params };
  return targets.map((t) => ({
    id: randomUUID(),
    matterId: m?.id ?? null,
    template: spec.template,
    gridNodeId: spec.node.id,
    status: held ? 'held' : 'pending',
    ...(t.kind === 'person'
      ? { personId: t.personId, params }
      : // A group's row keeps only what a group may read (groupView; the renderer applies it again).
        { personId: null, chatPlatform: t.platform, chatId: t.chatId, params: { ...groupView(params).params, locale: spec.node.alertLocale } }),
  }));
}

/** Writes deliveries and the send jobs for those not held; true when an outbox row was written. */
export async function writeDeliveries(db: Executor, rows: NewDelivery[]): Promise<boolean> {
  if (!rows.length) return false;
  await createDeliveries(db, rows);
  const jobs = sendJobs(rows);
  await enqueue(db, jobs);
  return jobs.length > 0;
}
