import { describe, expect, it } from 'vitest';
import { cleanDeep, cleanText, hasVisibleText, MAX_INPUT_CHARS } from '../../../src/domain/clean-text.js';

const FAMILY = '👨‍👩‍👧‍👦';
const FLAG_SCOTLAND = '🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}';

describe('cleanText', () => {
  it.each([
    ['NUL', '邻居\u0000堆柴草', '邻居堆柴草'],
    ['C0 controls but tab and line feed', 'a\u0001b\u0007c\u001Bd\te\nf\u000Bg\u000Ch', 'abcd\te\nfgh'],
    ['DEL and C1 controls', 'a\u007Fb\u0085c\u009Bd', 'abcd'],
    ['carriage returns become line feeds', '第一行\r\n第二行\r第三行', '第一行\n第二行\n第三行'],
    ['a lone high surrogate', 'ab\uD83Dc', 'abc'],
    ['a lone low surrogate', '\uDE00abc', 'abc'],
    ['bidi overrides and isolates', 'ref \u202E8100-0000\u202C ok \u2066x\u2069', 'ref 8100-0000 ok x'],
    ['LTR, RTL and Arabic letter marks', '\u200Eabc\u200F\u061C', 'abc'],
  ])('removes %s', (_what, raw, clean) => {
    const r = cleanText(raw);
    expect(r.text).toBe(clean);
    expect(r.changed).toBe(true);
    expect(r.visible).toBe(true);
  });

  it('puts text in NFC: a letter and its combining mark become one character', () => {
    const r = cleanText('cafe\u0301 和 e\u0301');
    expect(r.text).toBe('café 和 é');
    expect([...r.text]).toHaveLength(8);
  });

  it.each([
    ['emoji ZWJ sequences', `一家人 ${FAMILY} 和 👩🏽‍🌾`],
    ['flag tag sequences', FLAG_SCOTLAND],
    ['variation selectors on a base character', '☎️ 电话 ❤︎'],
    ['CJK, traditional and simplified', '水川村第三组 鄰居在我家田邊堆柴草 𠮷野家'],
    ['zero-width joiners inside words', 'می\u200Cخواهم'],
    ['plain text', '邻居在我家田边堆柴草，说了不听。'],
  ])('keeps %s intact', (_what, text) => {
    const r = cleanText(text);
    expect(r.text).toBe(text.normalize('NFC'));
    expect(r.changed).toBe(false);
    expect(r.visible).toBe(true);
  });

  it.each([
    ['zero-width spaces', '\u200B\u200B\u200B'],
    ['zero-width joiners and a word joiner', '\u200D\u200C\u2060\uFEFF'],
    ['white space of every kind', ' \t\n\u00A0\u2003\u3000\u2028'],
    ['combining marks alone', '\u0301\u0308\u20DD'],
    ['variation selectors alone', '\uFE0F\uFE0E\u{E0100}'],
    ['Hangul fillers and the braille blank', '\u3164\u115F\u2800'],
    ['bidi controls and NULs only', '\u202E\u0000\u2066'],
    ['tags alone', '\u{E0067}\u{E007F}'],
    ['nothing', ''],
  ])('finds no visible content in %s, and keeps nothing', (_what, raw) => {
    const r = cleanText(raw);
    expect(r.visible).toBe(false);
    expect(r.text).toBe('');
    expect(hasVisibleText(raw)).toBe(false);
  });

  it('caps a 100 KB text at MAX_INPUT_CHARS without splitting a character', () => {
    const raw = '村'.repeat(30_000) + FAMILY.repeat(5_000);
    expect(Buffer.byteLength(raw)).toBeGreaterThan(100_000);
    const r = cleanText(raw);
    expect(r.truncated).toBe(true);
    expect([...r.text].length).toBeLessThanOrEqual(MAX_INPUT_CHARS);
    const cut = cleanText(`${'a'.repeat(9)}${FAMILY}`, { maxChars: 12 });
    // The family emoji is 7 code points: it does not fit, and is not split.
    expect(cut.text).toBe('a'.repeat(9));
    expect(cut.truncated).toBe(true);
    expect(cleanText('a'.repeat(12), { maxChars: 12 }).truncated).toBe(false);
  });

  it('makes a name one line', () => {
    expect(cleanText('  王\n秀英\t\u0000 ', { singleLine: true }).text).toBe('王 秀英');
  });

  it('gives "" for anything but a string', () => {
    expect(cleanText(undefined).text).toBe('');
    expect(cleanText(42).text).toBe('');
  });

  it('leaves text that JSON and Postgres accept', () => {
    const nasty = '\u0000\uD800x\uDFFF\u202E\u0007y';
    const r = cleanText(nasty);
    expect(r.text).toBe('xy');
    expect(Buffer.from(r.text).toString()).toBe(r.text);
    expect(JSON.stringify(r.text)).not.toMatch(/\\u00|\\ud[89a-f]/i);
  });
});

describe('cleanDeep', () => {
  it('cleans every string and key of plain data and keeps the rest', () => {
    const input = { text: 'a\u0000b', n: 3, ok: true, none: null, list: ['\u200B', 'c\uD800'], nested: { 'k\u0000ey': { deep: '\u202Ed' } } };
    expect(cleanDeep(input)).toEqual({ text: 'ab', n: 3, ok: true, none: null, list: ['', 'c'], nested: { key: { deep: 'd' } } });
  });

  it('keeps objects that are not plain data as they are', () => {
    const at = new Date(0);
    expect(cleanDeep({ at }).at).toBe(at);
  });
});
