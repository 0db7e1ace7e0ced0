// 咨询: the roster's FAQ, asked in a villager's own words. The table is small (tens of entries), so
// it is read and indexed per question: a roster import shows at once, with no cache to forget.
import type { Executor } from '../store/db.js';
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
