// Texts over WeCom's 2048 bytes become several messages, each within the limit, cut where a
// reader pauses, never inside a character or an emoji, with nothing lost but the spaces at a cut.
import { describe, expect, it } from 'vitest';
import { WECOM_TEXT_BYTES, splitText } from '../../../../src/channels/wecom/split-text.js';

const bytes = (s: string): number => Buffer.byteLength(s);
const squash = (s: string): string => s.replace(/\s+/g, '');

describe('WeCom splitText', () => {
  it('leaves a text within 2048 bytes alone, counting bytes, not characters', () => {
    const fits = '网'.repeat(682); // 2046 bytes
    expect(splitText(fits)).toEqual([fits]);
    expect(splitText('网'.repeat(683))).toHaveLength(2);
  });

  it('cuts Chinese at a sentence end, every part within the limit, nothing lost', () => {
    const sentence = '村口的路灯已经坏了三天，晚上老人孩子走路很不方便。';
    const text = sentence.repeat(60);
    const parts = splitText(text);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(bytes(p)).toBeLessThanOrEqual(WECOM_TEXT_BYTES);
    for (const p of parts.slice(0, -1)) expect(p.endsWith('。')).toBe(true);
    expect(parts.join('')).toBe(text);
  });

  it('prefers a paragraph, then a line', () => {
    const para = '第一段'.repeat(200); // 1800 bytes
    const parts = splitText(`${para}\n\n${'第二段'.repeat(200)}`);
    expect(parts[0]).toBe(para);
    const lines = Array.from({ length: 40 }, (_, i) => `第${i}行：${'情况说明'.repeat(5)}`).join('\n');
    for (const p of splitText(lines)) expect(p.split('\n').every((l) => /^第\d+行：/.test(l))).toBe(true);
  });

  it('never splits an emoji sequence or a surrogate pair, even with no place to pause', () => {
    const family = '👨‍👩‍👧‍👦'; // 25 bytes, one grapheme
    const text = family.repeat(200);
    const parts = splitText(text);
    for (const p of parts) {
      expect(bytes(p)).toBeLessThanOrEqual(WECOM_TEXT_BYTES);
      expect(p.length % family.length).toBe(0);
    }
    expect(squash(parts.join(''))).toBe(squash(text));
    const grinning = '😀'.repeat(600);
    expect(splitText(grinning).join('')).toBe(grinning);
  });

  it('handles a tiny limit and a grapheme larger than it', () => {
    expect(splitText('abc def', 4)).toEqual(['abc', 'def']);
    const zalgo = `a${'\u0301'.repeat(20)}`; // one grapheme of 41 bytes
    const parts = splitText(zalgo, 10);
    for (const p of parts) expect(bytes(p)).toBeLessThanOrEqual(10);
    expect(parts.join('')).toBe(zalgo);
  });
});
