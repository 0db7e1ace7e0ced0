// 答疑: one row per question the FAQ answered in chat (no words kept), counted in the figures.
import { eq } from 'drizzle-orm';
import type { Executor } from '../db.js';
import { faqAnswers } from '../schema.js';

export async function insertFaqAnswer(db: Executor, row: { gridNodeId: string | null; faqCode: string; answeredAt: Date }): Promise<string> {
  const [inserted] = await db.insert(faqAnswers).values(row).returning({ id: faqAnswers.id });
  return inserted!.id;
}

/** The answer did not settle it: the question became `matterId`. */
export async function setFaqAnswerMatter(db: Executor, id: string, matterId: string): Promise<void> {
  await db.update(faqAnswers).set({ matterId }).where(eq(faqAnswers.id, id));
}
