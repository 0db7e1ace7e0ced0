// Matches a villager's question against the FAQ of the roster. Chinese is not written with spaces,
// so text is compared as character bigrams, weighted by how rare each bigram is among the entries
// (怎么 is in nearly every question and says little; 低保 says a lot). Traditional characters are
// folded to simplified first, so 低保怎麼申請 finds 怎么申请低保. No I/O.
import { Converter } from 'opencc-js/t2cn';

export interface FaqEntry {
  code: string;
  question: string;
  answer: string;
  keywords: readonly string[];
}

export interface FaqMatch {
  entry: FaqEntry;
  /** 0–1. */
  score: number;
}

export interface FaqIndex {
  entries: Array<{ entry: FaqEntry; question: Set<string>; named: Set<string>; told: Set<string>; keywords: string[] }>;
  weight: (gram: string) => number;
}

/** At or above this a match is answered at once. */
export const ANSWER_THRESHOLD = 0.45;
/** At or above this (and below ANSWER_THRESHOLD) a match is offered as "did you mean". */
export const SUGGEST_THRESHOLD = 0.25;
/** Two answers this close are both offered rather than one guessed. */
export const AMBIGUOUS_MARGIN = 0.06;

// Words that ask rather than name a topic: they never count towards a match.
const FILLERS = ['请问', '你好', '您好', '我想', '想问', '问一下', '一下', '怎么', '怎样', '如何', '什么', '哪里', '可以', '能不能', '需要', '要办', '办理', '是不是', '有没有', '的', '了', '吗', '呢', '啊', '吧'];
/** A word no entry uses: it counts against a match, but less than a word entries do use. */
const UNSEEN_WEIGHT = 0.5;
/** Words found only in an entry's answer count this much. */
const ANSWER_WORD = 0.5;
const KEYWORD_BONUS = 0.3;

let toSimplified: ((s: string) => string) | null = null;

/** Full-width to half-width, traditional to simplified, lower case, no punctuation or spaces between runs. */
export function normaliseQuestion(text: string): string {
  const convert = (toSimplified ??= Converter({ from: 'tw', to: 'cn' }));
  return convert(text.normalize('NFKC')).toLowerCase();
}

const HAN = /\p{Script=Han}/u;

/** Character bigrams of each Han run (a lone character stands for itself) and whole Latin words. */
export function bigrams(text: string): Set<string> {
  const out = new Set<string>();
  for (const run of normaliseQuestion(text).match(/\p{Script=Han}+|[a-z0-9]+/gu) ?? []) {
    if (!HAN.test(run)) {
      if (run.length > 1) out.add(run);
      continue;
    }
    if ([...run].length === 1) out.add(run);
    // A filler splits the run, so that no bigram straddles it ("低保怎么申请" → 低保, 申请).
    for (const part of splitFillers(run)) {
      const chars = [...part];
      for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i]! + chars[i + 1]!);
    }
  }
  return out;
}

function splitFillers(run: string): string[] {
  let parts = [run];
  for (const f of FILLERS) parts = parts.flatMap((p) => p.split(f));
  return parts.filter((p) => p.length > 1);
}

export function buildFaqIndex(entries: readonly FaqEntry[]): FaqIndex {
  const indexed = entries.map((entry) => {
    const question = bigrams(entry.question);
    const named = new Set([...question, ...entry.keywords.flatMap((k) => [...bigrams(k)])]);
    return {
      entry,
      question,
      named,
      told: bigrams(entry.answer),
      keywords: entry.keywords.map(flatten).filter((k) => k.length > 1),
    };
  });
  const df = new Map<string, number>();
  for (const e of indexed) for (const g of new Set([...e.named, ...e.told])) df.set(g, (df.get(g) ?? 0) + 1);
  const n = Math.max(1, indexed.length);
  return { entries: indexed, weight: (g) => (df.has(g) ? Math.log(1 + n / df.get(g)!) : UNSEEN_WEIGHT) };
}

const flatten = (s: string) => normaliseQuestion(s).replace(/[\s\p{P}\p{S}]+/gu, '');

/**
 * Every entry scored against the question, best first. The score mixes how much of the villager's
 * words the entry explains (its question and keywords fully, its answer by half) and how much of
 * the entry's own question they cover, with a bonus when they name one of its keywords.
 */
export function matchFaq(index: FaqIndex, question: string): FaqMatch[] {
  const q = [...bigrams(question)];
  const flat = flatten(question);
  if (!q.length) return [];
  const w = index.weight;
  const qWeight = q.reduce((acc, g) => acc + w(g), 0);
  const out: FaqMatch[] = [];
  for (const e of index.entries) {
    let explained = 0;
    let covered = 0;
    for (const g of q) {
      if (e.named.has(g)) explained += w(g);
      else if (e.told.has(g)) explained += ANSWER_WORD * w(g);
      if (e.question.has(g)) covered += w(g);
    }
    const own = [...e.question].reduce((acc, g) => acc + w(g), 0) || 1;
    const keyword = e.keywords.some((k) => flat.includes(k)) ? KEYWORD_BONUS : 0;
    const score = Math.min(1, 0.45 * (explained / qWeight) + 0.35 * (covered / own) + keyword);
    if (score > 0) out.push({ entry: e.entry, score: Math.round(score * 1000) / 1000 });
  }
  return out.sort((a, b) => b.score - a.score);
}

export type FaqVerdict =
  | { kind: 'answer'; match: FaqMatch }
  | { kind: 'choose'; matches: FaqMatch[] }
  | { kind: 'none' };

/** One clear answer, a few to choose from (at most `max`), or none worth showing. */
export function judgeMatches(matches: readonly FaqMatch[], max = 3): FaqVerdict {
  const [top, second] = matches;
  if (!top || top.score < SUGGEST_THRESHOLD) return { kind: 'none' };
  const close = second && second.score >= SUGGEST_THRESHOLD && top.score - second.score < AMBIGUOUS_MARGIN;
  if (top.score >= ANSWER_THRESHOLD && !close) return { kind: 'answer', match: top };
  return { kind: 'choose', matches: matches.filter((m) => m.score >= SUGGEST_THRESHOLD).slice(0, max) };
}
