import { describe, expect, it } from 'vitest';
import { splitText, TELEGRAM_TEXT_LIMIT } from '../../../../src/channels/telegram/split-text.js';

describe('splitText', () => {
  it('leaves a text within the limit alone', () => {
    expect(splitText('你好')).toEqual(['你好']);
    expect(splitText('')).toEqual(['']);
    expect(splitText('x'.repeat(TELEGRAM_TEXT_LIMIT))).toHaveLength(1);
  });

  it('cuts between paragraphs first, then lines, then sentences, then words', () => {
    expect(splitText('aaaa\n\nbbbb', 8)).toEqual(['aaaa', 'bbbb']);
    expect(splitText('aaaaa\nbbbbb', 8)).toEqual(['aaaaa', 'bbbbb']);
    expect(splitText('路灯坏了。晚上很黑', 6)).toEqual(['路灯坏了。', '晚上很黑']);
    expect(splitText('one two three', 8)).toEqual(['one two', 'three']);
  });

  it('cuts hard when it must, never inside a surrogate pair, and loses nothing', () => {
    const text = '😀'.repeat(10);
    const parts = splitText(text, 5);
    expect(parts.every((p) => p.length <= 5)).toBe(true);
    expect(parts.join('')).toBe(text);
    expect(parts.every((p) => !/[\ud800-\udbff]$/.test(p))).toBe(true);
  });

  it('keeps every part within Telegram’s limit on a long Chinese text', () => {
    const text = '村里的路灯坏了好几盏，晚上出门不方便，老人孩子都怕摔。'.repeat(400);
    const parts = splitText(text);
    expect(parts.length).toBeGreaterThan(2);
    expect(parts.every((p) => p.length <= TELEGRAM_TEXT_LIMIT)).toBe(true);
    expect(parts.join('')).toBe(text);
    expect(parts.slice(0, -1).every((p) => p.endsWith('。'))).toBe(true);
  });
});
