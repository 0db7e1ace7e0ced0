// The FAQ matcher on questions as villagers type them: word order changed, fillers, traditional
// characters, keywords, and questions the FAQ does not answer.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { bigrams, buildFaqIndex, judgeMatches, matchFaq, type FaqEntry } from '../../../src/services/faq-match.js';

const demo = (parse(readFileSync(new URL('../../../roster/demo.yaml', import.meta.url), 'utf8')) as { faq: FaqEntry[] }).faq;
const index = buildFaqIndex(demo);
const top = (q: string) => matchFaq(index, q)[0];
const verdict = (q: string) => judgeMatches(matchFaq(index, q));

describe('bigrams', () => {
  it('splits Chinese into character pairs, not on spaces, and drops the asking words', () => {
    expect([...bigrams('低保怎么申请')]).toEqual(['低保', '申请']);
    expect([...bigrams('田里的稻草')]).toEqual(['田里', '稻草']);
    expect([...bigrams('低保申请条件')]).toEqual(['低保', '保申', '申请', '请条', '条件']);
    expect(bigrams('低 保')).toEqual(new Set(['低', '保']));
  });
  it('folds traditional and full-width forms', () => {
    expect(bigrams('低保怎麼申請')).toEqual(bigrams('低保怎么申请'));
    expect(bigrams('ＡＢＣ医保')).toEqual(bigrams('abc医保'));
  });
});

describe('matchFaq on the demo roster', () => {
  it.each([
    ['低保怎么申请', 'dibao'],
    ['低保申请条件', 'dibao'],
    ['我想办低保', 'dibao'],
    ['请问一下低保要带什么材料', 'dibao'],
    ['低保怎麼申請', 'dibao'],
    ['医保在哪里交', 'yibao'],
    ['交医保', 'yibao'],
    ['今年的医疗保险怎么缴费', 'yibao'],
    ['我家要盖房子，要办什么手续', 'jianfang'],
    ['宅基地审批', 'jianfang'],
    ['秸秆怎么处理', 'jiegan'],
    ['孩子户口怎么迁', 'hukou'],
    ['养老金怎么认证', 'yanglao-renzheng'],
    ['養老金資格認證', 'yanglao-renzheng'],
  ])('%s → %s, answered at once', (q, code) => {
    const v = verdict(q);
    expect(top(q)?.entry.code).toBe(code);
    expect(v.kind).toBe('answer');
  });

  it('offers a likely entry as "did you mean" when the words only half fit', () => {
    const v = verdict('田里的稻草能不能烧');
    expect(v.kind).toBe('choose');
    if (v.kind === 'choose') expect(v.matches[0]?.entry.code).toBe('jiegan');
  });

  it.each(['今天天气怎么样', '你好', '怎么办', '村里的路灯坏了', 'hello'])('%s → nothing worth answering', (q) => {
    expect(verdict(q).kind).toBe('none');
  });
});

describe('telling close entries apart', () => {
  const entries: FaqEntry[] = [
    ...demo,
    { code: 'dibao-tiaojian', question: '低保申请条件是什么？', answer: '家庭人均收入低于当地低保标准……', keywords: ['低保条件', '低保标准'] },
  ];
  const idx = buildFaqIndex(entries);
  it('"低保申请条件" finds the entry on conditions, "低保怎么申请" the one on applying', () => {
    expect(matchFaq(idx, '低保申请条件')[0]?.entry.code).toBe('dibao-tiaojian');
    expect(matchFaq(idx, '怎么申请低保')[0]?.entry.code).toBe('dibao');
  });
  it('offers both when a question fits both about as well', () => {
    const twins = buildFaqIndex([
      { code: 'a', question: '城乡低保怎么申请？', answer: '向村委会提出申请。', keywords: [] },
      { code: 'b', question: '城乡低保怎么年审？', answer: '每年复核一次。', keywords: [] },
      ...demo,
    ]);
    const v = judgeMatches(matchFaq(twins, '城乡低保'));
    expect(v.kind).toBe('choose');
    if (v.kind === 'choose') expect(v.matches.slice(0, 2).map((m) => m.entry.code).sort()).toEqual(['a', 'b']);
  });
});
