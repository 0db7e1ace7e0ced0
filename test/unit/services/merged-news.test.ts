// The one message that carries what a closed sending window held: one matter's news with its
// newest, or one short line per matter, in the reader's language, short enough for one message.
import { describe, expect, it } from 'vitest';
import { MERGED_TEMPLATE, renderMerged, windowNote } from '../../../src/services/send-window.js';

const TZ = 'Asia/Shanghai';
const reply = (ref: string, matterId: string, text: string) => ({ template: 'reply', matterId, params: { ref, assignee: '李冬梅', title: '第三组专职网格员', text } });
const settled = (ref: string, matterId: string) => ({ template: 'settled', matterId, params: { ref, assignee: '李冬梅', result: '路灯已经换新' } });
const merged = (news: unknown[], matterId: string | null = null) => ({ params: { news }, matterId, personId: 'p1' });

describe('renderMerged', () => {
  it('one matter: how many news, and the newest in full, with its buttons', () => {
    const m = renderMerged(merged([reply('0000-0018', 'm1', '明天来修'), reply('0000-0018', 'm1', '材料买好了'), settled('0000-0018', 'm1')], 'm1'), 'zh-CN', TZ);
    expect(m.text.startsWith('您的事项 0000-0018 有 3 条新进展，最新的是：\n')).toBe(true);
    expect(m.text).toContain('已办结');
    expect(m.text).toContain('路灯已经换新');
    // The matter is named up front, not again as its news's 【heading】.
    expect(m.text).not.toContain('【0000-0018】');
    // One piece of news alone goes as it would have: no count, no second heading.
    const one = renderMerged(merged([reply('0000-0018', 'm1', '明天来修')], 'm1'), 'zh-CN', TZ).text;
    expect(one).toBe('【0000-0018】第三组专职网格员李冬梅回复您：\n明天来修');
    expect(m.text).not.toContain('明天来修');
    // The settled notice's rating buttons come with it.
    expect(m.buttons?.flat().map((b) => b.data)).toEqual(['mx:evaluate:0000-0018:satisfied', 'mx:evaluate:0000-0018:basically_satisfied', 'mx:evaluate:0000-0018:unsatisfied']);
    expect(m.about).toEqual({ template: MERGED_TEMPLATE, matterId: 'm1' });
  });

  it('several matters: one short line each, newest first, the rest counted, and still one short message', () => {
    const long = '村口那段路的路灯线路老化，电工检查后说要整段换线，今天先把灯杆上的开关换了，线路的事情要等供电所排期，大概下周能来。'.repeat(3);
    const news = [1, 2, 3, 4, 5, 6, 7].map((i) => reply(`0000-000${i}`, `m${i}`, long));
    news.push(reply('0000-0002', 'm2', '又有新消息'));
    const m = renderMerged(merged(news), 'zh-CN', TZ);
    const lines = m.text.split('\n');
    expect(lines[0]).toBe('您反映的事项有 8 条新进展：');
    expect(lines[1]).toBe('· 0000-0002（2 条）：第三组专职网格员李冬梅回复您： 又有新消息');
    expect(lines.slice(2, 6).map((l) => l.slice(2, 11))).toEqual(['0000-0007', '0000-0006', '0000-0005', '0000-0004']);
    expect(lines[6]).toBe('· 还有 2 件事项也有新进展');
    expect(lines[7]).toBe('详情在“我的事项”里看。');
    for (const l of lines.slice(2, 6)) expect([...l].length).toBeLessThanOrEqual(80);
    // WeChat's one text message is 2048 bytes.
    expect(Buffer.byteLength(m.text)).toBeLessThan(2048);
    expect(m.buttons).toBeUndefined();
  });

  it('a merged message held in turn is merged again without nesting', () => {
    const inner = { template: MERGED_TEMPLATE, matterId: 'm1', params: { news: [reply('0000-0018', 'm1', '第一条')] } };
    const m = renderMerged(merged([inner, reply('0000-0018', 'm1', '第二条')], 'm1'), 'zh-CN', TZ);
    expect(m.text).toContain('有 2 条新进展');
    expect(m.text).toContain('第二条');
  });

  it('in zh-TW and English', () => {
    const two = merged([reply('0000-0018', 'm1', '明天來修'), reply('0000-0019', 'm2', 'Tomorrow')]);
    expect(renderMerged(two, 'zh-TW', TZ).text).toContain('您反映的事項有 2 則新進展');
    expect(renderMerged(two, 'zh-TW', TZ).text).toContain('「我的事項」');
    expect(renderMerged(two, 'en', TZ).text).toContain('Your matters have 2 new updates');
    expect(renderMerged(merged([reply('0000-0018', 'm1', 'x'), reply('0000-0018', 'm1', 'y')], 'm1'), 'en', TZ).text).toMatch(/^Your matter 0000-0018 has 2 new updates; the latest:\n/);
  });
});

describe('windowNote', () => {
  it('is for receipts under a window only, with its numbers', () => {
    const kf = { messages: 5, withinMs: 48 * 3_600_000 };
    expect(windowNote('receipt', kf, 'zh-CN')).toBe('您发消息后48小时内，我们最多能主动给您发5条消息；再有进展，会在您下次发消息时一并告诉您。');
    expect(windowNote('receipt_pending', { messages: 5, withinMs: 24 * 3_600_000 }, 'zh-TW')).toContain('24小時內');
    expect(windowNote('reply', kf, 'zh-CN')).toBeNull();
    expect(windowNote('receipt', null, 'zh-CN')).toBeNull();
  });
});
