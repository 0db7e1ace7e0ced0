// 回访: a few days after a matter is settled (the grid's roster `follow_up.days`, default 3) it is
// looked at again. When what the villager made of it is one the roster picked (default: not rated,
// or rated 不满意 — it was reopened and settled again; 基本满意/满意 only when turned on), the
// officer who holds it is reminded to call or visit, and the villager is asked once how it is now
// (roster `follow_up.ask_villager`, default yes), never in their quiet hours. Their answer is a
// matter event everyone on the matter reads in its history; 还没解决 goes the way a 不满意 rating
// goes (reopened a level up) while the matter can still be rated, else its holder is alerted.
// A settlement after it (reopened and settled once more) brings its own look; this one then does
// nothing.
import { randomUUID } from 'node:crypto';
import { broadcastDueAt, followUpOutcome, followUpPolicy, isFollowUpAnswer, type FollowUpAnswer, type FollowUpPolicy } from '../domain/index.js';
import { outboxJob, type JobOutcome, type OutboxJob } from '../ports/jobs.js';
import type { ServiceContext } from '../ports/context.js';
import { followUpAnswered, followUpAsked, followUpWritten, ratingsOf, recipientState } from '../store/repositories/broadcast-repository.js';
import { createDeliveries } from '../store/repositories/delivery-repository.js';
import type { GridNodeRow } from '../store/repositories/grid-repository.js';
import { findNode } from '../store/repositories/grid-repository.js';
import { appendEvents, findMatterByRef, lockMatter } from '../store/repositories/matter-repository.js';
import { enqueue } from '../store/repositories/outbox-repository.js';
import { performAction } from './matter-actions.js';
import { sendJobs } from './send-jobs.js';

const DAY_MS = 86_400_000;

/** The 回访 policy of a grid node (its roster settings, resolved down the tree at import). */
export function followUpPolicyOf(node: Pick<GridNodeRow, 'followUpDays' | 'followUpOutcomes' | 'followUpAsk'> | null | undefined): FollowUpPolicy {
  return followUpPolicy(node ? { days: node.followUpDays, outcomes: node.followUpOutcomes, askVillager: node.followUpAsk } : null);
}

/** The look at a matter settled at `settledAt`, `days` later. */
export function followUpJob(matterId: string, settledAt: Date, days = followUpPolicy(null).days): OutboxJob {
  return outboxJob('broadcast', { op: 'follow_up', matterId, settledAt: settledAt.toISOString() }, { runAt: new Date(settledAt.getTime() + days * DAY_MS) });
}

export async function followUpDue(ctx: ServiceContext, data: { matterId: string; settledAt: string }): Promise<JobOutcome> {
  const out = await ctx.db.transaction(async (tx) => {
    const matter = await lockMatter(tx, data.matterId);
    if (!matter?.assigneeId) return { outcome: 'no_holder' };
    // Settled again since (or never settled as this job says): that settlement's own look decides.
    if (matter.feedbackAt?.toISOString() !== data.settledAt) return { outcome: 'settled_again' };
    const node = await findNode(tx, matter.gridNodeId);
    const policy = followUpPolicyOf(node);
    const reason = followUpOutcome(matter, await ratingsOf(tx, matter.id));
    if (!reason || !policy.outcomes.includes(reason)) return { outcome: 'not_needed', ...(reason ? { reason } : {}) };
    // Under the matter's lock: a job run twice at once writes once.
    if (await followUpWritten(tx, matter.id, data.settledAt)) return { outcome: 'duplicate' };
    const now = ctx.now();
    const days = Math.max(1, Math.round((now.getTime() - Date.parse(data.settledAt)) / DAY_MS));
    const villager = policy.askVillager ? matter.reporterId : null;
    const common = { ref: matter.ref, category: matter.category, summary: matter.summary, days, settledAt: data.settledAt };
    const rows = [
      {
        id: randomUUID(),
        personId: matter.assigneeId,
        matterId: matter.id,
        template: 'follow_up',
        params: { ...common, reasonKey: `notify:follow_up_reason.${reason}`, asked: '', ...(villager ? { askedKey: 'notify:follow_up_asked' } : {}) },
      },
    ];
    await createDeliveries(tx, rows);
    await enqueue(tx, sendJobs(rows));
    if (villager) {
      // The question waits for the villager's morning: never in their quiet hours.
      const due = broadcastDueAt(now, (await recipientState(tx, villager)).zone ?? node?.timezone ?? 'Asia/Shanghai');
      const later = due.getTime() > now.getTime() ? due : null;
      const ask = { id: randomUUID(), personId: villager, matterId: matter.id, template: 'follow_up_ask', params: { ...common, officerId: matter.assigneeId }, dueAt: later };
      await createDeliveries(tx, [ask]);
      await enqueue(tx, sendJobs([ask], later ? { at: later } : {}));
    }
    return { outcome: 'reminded', reason, asked: Boolean(villager) };
  });
  ctx.outboxWritten();
  return out;
}

export type FollowUpAnswerResult =
  /** `level`: where a 还没解决 reopened it. */
  | { ok: true; ref: string; answer: FollowUpAnswer; reopened: boolean; level: string }
  /** `stale`: no such question to this person (forged data, or someone else's button); `answered`: pressed before. */
  | { ok: false; code: 'stale' | 'answered' };

/**
 * The villager pressed one of the question's buttons. Button data is written by the client: the
 * matter must be one this person was asked about, and each settlement's question is answered
 * once (under the matter's lock: two presses at once record one answer).
 */
export async function answerFollowUp(ctx: ServiceContext, input: { personId: string; ref: string; answer: string; eventId: string }): Promise<FollowUpAnswerResult> {
  if (!isFollowUpAnswer(input.answer)) return { ok: false, code: 'stale' };
  const answer = input.answer;
  const found = await findMatterByRef(ctx.db, input.ref);
  if (!found || found.reporterId !== input.personId) return { ok: false, code: 'stale' };
  const asked = await followUpAsked(ctx.db, found.id, input.personId);
  const settledAt = typeof asked?.params.settledAt === 'string' ? asked.params.settledAt : null;
  if (!asked || !settledAt || asked.status === 'pending') return { ok: false, code: 'stale' };
  const now = ctx.now();
  const recorded = await ctx.db.transaction(async (tx) => {
    const matter = (await lockMatter(tx, found.id))!;
    if (await followUpAnswered(tx, matter.id, settledAt)) return null;
    await appendEvents(tx, [
      { matterId: matter.id, at: now, actorId: input.personId, action: 'follow_up_answer', stepFrom: matter.step, stepTo: matter.step, levelFrom: matter.level, levelTo: matter.level, data: { answer, settledAt } },
    ]);
    return matter;
  });
  if (!recorded) return { ok: false, code: 'answered' };
  // 还没解决: as a 不满意 rating goes, while the matter may still be rated (reopened a level up).
  let reopened = false;
  let level: string = recorded.level;
  if (answer === 'unsolved' && recorded.state === 'settled') {
    const r = await performAction(ctx, { matter: recorded.id, actorId: input.personId, request: { action: 'evaluate', rating: 'unsatisfied' }, eventId: `${input.eventId}:follow_up` });
    reopened = r.ok && !r.duplicate;
    if (r.ok) level = r.matter.level;
  }
  // The officer who was reminded hears the answer and when it came; the holder too when it is
  // not solved and nobody reopened it (a closed matter).
  const officer = typeof asked.params.officerId === 'string' ? asked.params.officerId : null;
  const tell = [...new Set([officer, answer === 'unsolved' && !reopened ? recorded.assigneeId : null].filter((x): x is string => Boolean(x)))];
  const rows = tell.map((personId) => ({
    id: randomUUID(),
    personId,
    matterId: recorded.id,
    template: answer === 'unsolved' && !reopened ? 'follow_up_unsolved' : 'follow_up_answered',
    params: { ref: recorded.ref, category: recorded.category, answerKey: `notify:follow_up_answer.${answer}`, answeredAt: now.toISOString(), level, note: '', ...(reopened ? { noteKey: 'notify:follow_up_reopened_note' } : {}) },
  }));
  await createDeliveries(ctx.db, rows);
  await enqueue(ctx.db, sendJobs(rows));
  return { ok: true, ref: recorded.ref, answer, reopened, level };
}
