// Picks the officer for a received matter and tells them, the villager, and (when nobody can
// take it) the village cadres. Idempotent: a matter already routed is left as it is.
import { sendJobs } from './send-jobs.js';
import { randomUUID } from 'node:crypto';
import { answerableFor, CADRE_ROLES, chooseAssignee, dueAt, resolveTimeLimit, transition, type RoutingCandidate } from '../domain/index.js';
import type { JobOutcome } from '../ports/jobs.js';
import { deliveriesWrite, jobsWrite, supersedeWaiting, type NewDelivery } from '../store/repositories/delivery-repository.js';
import { writeTogether } from '../store/together.js';
import { findNode, nodeWithLine } from '../store/repositories/grid-repository.js';
import { eventsWrite, lockMatter, matterWrite, messagesOf } from '../store/repositories/matter-repository.js';
import { routingStaff, staffAt } from '../store/repositories/people-repository.js';
import { alertDeliveries } from './alert-service.js';
import { withCardActions } from './card-service.js';
import type { ServiceContext } from '../ports/context.js';
import { deadlineRules, syncDeadlines } from './deadline-sync.js';
import { receivedOf, WAITING_RECEIPT } from './intake-service.js';
import { policies } from './policy-cache.js';

export async function routeMatter(ctx: ServiceContext, matterId: string): Promise<JobOutcome> {
  const limits = await policies(ctx.db);
  const outcome = await ctx.db.transaction(async (tx): Promise<JobOutcome> => {
    const matter = await lockMatter(tx, matterId);
    if (!matter) return { outcome: 'missing' };
    if (matter.step !== 'accept' || matter.state !== 'open') return { outcome: 'already_routed', step: matter.step };

    // The unit and the line above it (the village, and what the cards' buttons need): one read.
    const { node: unit, line } = await nodeWithLine(tx, matter.gridNodeId);
    if (!unit) return { outcome: 'missing_grid' };
    // Reads that do not depend on each other, and the waiting receipt taken back (四个一: while the
    // villager's first receipt still waits, it is replaced by one that names who handles it):
    // issued together, postgres-js pipelines them on the transaction's connection.
    const [staff, rules, reportMessages, oneReceipt] = await Promise.all([
      routingStaff(tx, unit.id, unit.parentId),
      // The deadline clocks start here (accept and settle counted from the report) and commit with the routing.
      deadlineRules(tx, unit, matter.category),
      messagesOf(tx, matter.id),
      matter.reporterId ? supersedeWaiting(tx, matter.id, WAITING_RECEIPT) : false,
    ]);
    const candidates: RoutingCandidate[] = staff.map((s) => ({
      personId: s.personId,
      name: s.name,
      role: s.role as RoutingCandidate['role'],
      onLeave: s.onLeave,
      reachable: s.reachable,
      openMatters: s.openMatters,
      lastAssignedAt: s.lastAssignedAt,
      code: s.code,
    }));
    const decision = chooseAssignee(candidates);
    const now = ctx.now();
    const explanation = { rule: decision.rule, considered: decision.considered };
    const deliveries: NewDelivery[] = [];
    const writes: Array<ReturnType<typeof matterWrite> | ReturnType<typeof eventsWrite>> = [];
    // The report as the villager gave it, for the card and the receipt.
    const report = reportMessages.find((m) => m.direction === 'in');
    const receiptParams = { ref: matter.ref, category: matter.category, received: receivedOf(report?.text ?? matter.summary, report?.attachments ?? []) };

    if (!decision.assigneeId) {
      // Nobody on duty: the matter waits at the village and its cadres are told at once.
      const village = unit.parentId ? (line.find((n) => n.id === unit.parentId) ?? (await findNode(tx, unit.parentId))) : undefined;
      const synced = await syncDeadlines(tx, { ...matter, level: 'village' }, { now, policies: limits, rules, pausedSince: null });
      if (matter.reporterId) {
        // The villager is told who at the village answers for it now (亮身份), by name.
        const head = village ? await villageResponsible(tx, village.id) : null;
        const due = synced.settleDue ?? matter.dueAt;
        const params = { ...(oneReceipt ? receiptParams : { ref: matter.ref }), grid: unit.name, ...(head ? { assignee: head.name, title: head.title ?? '' } : {}), ...(due ? { dueAt: due.toISOString() } : {}) };
        const template = `${oneReceipt ? 'receipt' : 'routed'}_${head ? 'village' : 'nobody'}`;
        deliveries.push({ id: randomUUID(), personId: matter.reporterId, matterId: matter.id, template, params });
      }
      // Written with the notices, at the end (what is read before does not read them).
      writes.push(
        matterWrite(tx, matter.id, { level: 'village' }),
        eventsWrite(tx, [{ matterId: matter.id, at: now, action: 'route_failed', stepFrom: matter.step, stepTo: matter.step, levelFrom: matter.level, levelTo: 'village', data: explanation }]),
      );
      // The village's alert destination; in its quiet hours only what cannot wait goes at once.
      if (village) deliveries.push(...(await alertDeliveries(tx, { node: village, template: 'unassigned', params: { grid: unit.name }, matter, now })));
      await withCardActions(tx, { ...matter, level: 'village' }, deliveries, { line });
    } else {
      const next = transition(matter, 'route', ['system']);
      const chosen = staff.find((s) => s.personId === decision.assigneeId)!;
      const limit = resolveTimeLimit(limits, { category: matter.category, size: matter.size, level: decision.level });
      const routed = { ...matter, step: next.step, state: next.state, level: decision.level, assigneeId: decision.assigneeId, dispatchedAt: now };
      const due = (await syncDeadlines(tx, routed, { now, policies: limits, rules, pausedSince: null })).settleDue ?? dueAt(matter.createdAt, limit.settleMinutes);
      // Written with the notices, at the end (what is read before does not read them).
      writes.push(
        matterWrite(tx, matter.id, {
          step: next.step,
          state: next.state,
          level: decision.level,
          assigneeId: decision.assigneeId,
          firstAssigneeId: matter.firstAssigneeId ?? decision.assigneeId,
          dispatchedAt: now,
          dueAt: due,
        }),
        eventsWrite(tx, [
          {
            matterId: matter.id,
            at: now,
            action: 'route',
            stepFrom: matter.step,
            stepTo: next.step,
            levelFrom: matter.level,
            levelTo: decision.level,
            assigneeId: decision.assigneeId,
            data: explanation,
          },
        ]),
      );
      // The card carries the villager's own words in full, their photos, voice and location.
      const words = report?.text ? clipWords(report.text) : matter.summary;
      deliveries.push({
        id: randomUUID(),
        personId: decision.assigneeId,
        matterId: matter.id,
        template: 'assigned',
        params: { ref: matter.ref, category: matter.category, grid: unit.name, summary: words, dueAt: due.toISOString(), rule: decision.rule, ...(report?.attachments.length ? { attachments: report.attachments } : {}) },
      });
      const told = matter.reporterId ?? matter.recordedById;
      const who = { assignee: chosen.name, title: chosen.title ?? '', dueAt: due.toISOString() };
      if (oneReceipt && matter.reporterId) {
        deliveries.push({ id: randomUUID(), personId: matter.reporterId, matterId: matter.id, template: 'receipt', params: { ...receiptParams, ...who } });
      } else if (told && told !== decision.assigneeId) {
        // The receipt went out before routing finished: the officer's name follows it.
        deliveries.push({ id: randomUUID(), personId: told, matterId: matter.id, template: 'routed', params: { ref: matter.ref, ...who } });
      }
      await withCardActions(tx, routed, deliveries, { line });
    }
    // The matter's change and its event, the notices and their send jobs: one statement.
    // Alerts held for the morning digest get no send job.
    await writeTogether(tx, [...writes, deliveriesWrite(tx, deliveries), jobsWrite(tx, sendJobs(deliveries))]);
    return { outcome: decision.assigneeId ? 'routed' : 'unassigned', assigneeId: decision.assigneeId, rule: decision.rule };
  });
  if (outcome.outcome === 'routed' || outcome.outcome === 'unassigned') ctx.outboxWritten();
  return outcome;
}

/** Who answers for the village when no officer is on duty: its grid leader, else a cadre; on duty first. */
async function villageResponsible(db: Parameters<typeof staffAt>[0], villageId: string): Promise<{ name: string; title: string | null } | null> {
  const [head] = answerableFor(await staffAt(db, villageId, CADRE_ROLES));
  return head ? { name: head.name, title: head.title } : null;
}

/** A card's text stays well within one chat message. */
const CARD_WORDS = 1500;
const clipWords = (text: string) => ([...text].length <= CARD_WORDS ? text : `${[...text].slice(0, CARD_WORDS - 1).join('')}…`);
