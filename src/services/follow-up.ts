// 回访: a few days after a matter is settled (the grid's roster `follow_up.days`, default 3) it is
// looked at again. When what the villager made of it is one the roster picked (default: not rated,
// or rated 不满意 — it was reopened and settled again; 基本满意/满意 only when turned on), the
// officer who holds it is reminded to call or visit, and the villager is asked once how it is now
// (roster `follow_up.ask_villager`, default yes), never in their quiet hours. Their answer is a
// matter event everyone on the matter reads in its history (follow-up-answer.ts); 还没解决 goes the way a 不满意 rating
// goes (reopened a level up) while the matter can still be rated, else its holder is alerted.
// A settlement after it (reopened and settled once more) brings its own look; this one then does
// nothing.
import { randomUUID } from 'node:crypto';
import { broadcastDueAt, followUpOutcome, followUpPolicy, type FollowUpPolicy } from '../domain/index.js';
import { outboxJob, type JobOutcome, type OutboxJob } from '../ports/jobs.js';
import type { ServiceContext } from '../ports/context.js';
import { followUpWritten, ratingsOf, recipientState } from '../store/repositories/broadcast-repository.js';
import { createDeliveries } from '../store/repositories/delivery-repository.js';
import type { GridNodeRow } from '../store/repositories/grid-repository.js';
import { findNode } from '../store/repositories/grid-repository.js';
import { lockMatter } from '../store/repositories/matter-repository.js';
import { enqueue } from '../store/repositories/outbox-repository.js';
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
      const state = await recipientState(tx, villager);
      const due = broadcastDueAt(now, state.zone ?? node?.timezone ?? 'Asia/Shanghai', state.quiet ?? undefined);
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
