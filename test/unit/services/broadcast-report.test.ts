// What a broadcast's author reads about the copies that did not go (issue 18): the progress says
// how many wait for a closed sending window and how long; the finished progress and the report
// list what was not delivered by reason, only the reasons there are, in every language.
import { describe, expect, it } from 'vitest';
import { renderBroadcast } from '../../../src/services/broadcast-render.js';
import { progressText, type BroadcastProgress } from '../../../src/services/broadcast-service.js';

const base: BroadcastProgress = { total: 5, sent: 2, waiting: 0, queued: 0, stopped: 1, failed: 1, blocked: 1, windowWaiting: 0, expired: 0, responses: {} };

describe('not delivered, by reason', () => {
  it('says while sending how many wait for their window, and for how long', () => {
    const text = progressText('zh-CN', { ...base, windowWaiting: 2 }, false);
    expect(text).toContain('💬 2 人在微信上超过 48 小时没回话，平台不让主动发，等他们下次发消息再送（最多等 7 天）');
  });

  it('lists the reasons at the end, counting the expired as not delivered', () => {
    expect(progressText('zh-CN', { ...base, expired: 1 }, true).split('\n')).toEqual([
      '📢 发送完毕：已送到 2 / 5 人，不愿接收 1 人，没送到 2 人。',
      '没送到：联系不上（把机器人屏蔽了或者账号停用了）1 人',
      '没送到：微信超过48小时未回话（7 天内也没再来消息）1 人',
    ]);
    const report = (locale: string) => renderBroadcast({ template: 'broadcast_report', params: { total: 5, sent: 2, stopped: 1, failed: 2, blocked: 1, expired: 1, attend: 0, ack: 0 } }, locale)!.text.split('\n');
    expect(report('zh-CN').slice(1)).toEqual(['没送到：联系不上（把机器人屏蔽了或者账号停用了）1 人', '没送到：微信超过48小时未回话（7 天内也没再来消息）1 人']);
    expect(report('zh-TW').slice(1)).toEqual(['沒送到：聯絡不上（封鎖了機器人或帳號停用了）1 人', '沒送到：微信超過48小時未回話（7 天內也沒再傳訊息）1 人']);
    expect(report('en').slice(1)).toEqual(['Not delivered, unreachable (blocked the bot or left): 1', 'Not delivered, silent on WeChat for over 48 hours (and did not write within 7 days): 1']);
  });

  it('adds nothing when everyone got it', () => {
    const all = renderBroadcast({ template: 'broadcast_report', params: { total: 3, sent: 3, stopped: 0, failed: 0, attend: 0, ack: 0 } }, 'zh-CN')!;
    expect(all.text).toBe('通知发完了：共 3 人，送到 3 人，不愿接收 0 人，没送到 0 人。报名参加 0 人，回复收到 0 人。');
  });
});
