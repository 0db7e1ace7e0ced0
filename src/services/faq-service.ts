// 咨询: the roster's FAQ, asked in a villager's own words. The table is small (tens of entries), so
// it is read and indexed per question: a roster import shows at once, with no cache to forget.
import type { Executor } from '../store/db.js';
import { insertFaqAnswer, setFaqAnswerMatter } from '../store/repositories/faq-answer-repository.js';
import { listFaqEntries } from '../store/repositories/roster-repository.js';
import { buildFaqIndex, judgeMatches, matchFaq, type FaqEntry, type FaqVerdict } from './faq-match.js';

export async function askFaq(db: Executor, question: string): Promise<FaqVerdict> {
  const entries = await listFaqEntries(db);
  if (!entries.length) return { kind: 'none' };
  return judgeMatches(matchFaq(buildFaqIndex(entries), question));
}

export async function faqEntry(db: Executor, code: string): Promise<FaqEntry | undefined> {
  return (await listFaqEntries(db)).find((e) => e.code === code);
}

/**
 * 答疑: records that the FAQ answered a question asked at `gridNodeId` (the asker's unit grid),
 * for the figures; returns the record's id, to mark if the question still goes to the officer.
 */
export function noteFaqAnswered(db: Executor, answer: { gridNodeId: string | null; code: string; at: Date }): Promise<string> {
  return insertFaqAnswer(db, { gridNodeId: answer.gridNodeId, faqCode: answer.code, answeredAt: answer.at });
}

/** The answer did not settle it: the question became a consultation matter (no longer counted as 答疑). */
export async function faqAnswerBecameMatter(db: Executor, answerId: string, matterId: string): Promise<void> {
  await setFaqAnswerMatter(db, answerId, matterId);
}
