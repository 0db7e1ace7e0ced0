// 回访: the villager's answer to the follow-up question (follow-up.ts asks it). Recorded once per
// settlement as a matter event; 还没解决 goes the way a 不满意 rating goes while the matter may
// still be rated (performAction, evaluate), else its holder is alerted; the officer who was
// reminded hears the answer and when it came.
import { randomUUID } from 'node:crypto';
import { isFollowUpAnswer, type FollowUpAnswer } from '../domain/index.js';
import type { ServiceContext } from '../ports/context.js';
import { followUpAnswered, followUpAsked } from '../store/repositories/broadcast-repository.js';
import { createDeliveries } from '../store/repositories/delivery-repository.js';
import { appendEvents, findMatterByRef, lockMatter } from '../store/repositories/matter-repository.js';
import { enqueue } from '../store/repositories/outbox-repository.js';
import { performAction } from './matter-actions.js';
import { sendJobs } from './send-jobs.js';

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
