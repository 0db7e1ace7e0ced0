// The WeCom channel's sending side against the stand-in: what a member and a villager receive for
// each outbound message, and WeCom's refusals as the send worker's errors (wait, unreachable, the
// 微信客服 window closed — never a silent loss).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WecomChannel } from '../../../src/channels/wecom/wecom-channel.js';
import { SendingWindowClosedError } from '../../../src/channels/wecom/wecom-errors.js';
import { RecipientUnreachableError, RetryAfterError } from '../../../src/ports/channel.js';
import { FileFetchError } from '../../../src/ports/files.js';
import { MemoryRateBuckets } from '../../../src/ports/rate-buckets.js';
import { testLogger } from '../../support/runtime.js';
import { FakeWecom, TEST_CORP } from '../../support/wecom/fake-wecom.js';

let fake: FakeWecom;
let channel: WecomChannel;
let n = 0;

beforeAll(async () => {
  fake = await FakeWecom.start();
});

beforeEach(() => {
  channel = new WecomChannel({
    corpId: TEST_CORP.corpId,
    agentId: TEST_CORP.agentId,
    secret: TEST_CORP.secret,
    kfSecret: TEST_CORP.kfSecret,
    apiUrl: fake.url,
    licensedAccounts: 1000,
    logger: testLogger,
    rateBuckets: new MemoryRateBuckets(),
    // A photo from Telegram, as the composition root's file source would fetch it.
    files: async () => ({ bytes: Buffer.alloc(2048, 7), name: 'photo.jpg', mimeType: 'image/jpeg', sizeBytes: 2048 }),
  });
});

afterAll(async () => {
  await fake?.stop();
});

const member = () => ({ chatId: `Member${++n}`, userId: `Member${n}` });
const kfTarget = (ext: string) => ({ chatId: `kf:${TEST_CORP.openKfId}:${ext}`, userId: ext });

describe('WecomChannel', () => {
  it('declares the 微信客服 window for a villager and none for a member', () => {
    expect(channel.sendingWindow(kfTarget('wmA'))).toEqual({ messages: 5, withinMs: 48 * 3600_000 });
    expect(channel.sendingWindow(member())).toBeNull();
  });

  it('sends a member text, split by bytes; buttons as template cards of at most 6', async () => {
    const m = member();
    await channel.deliver(m, { kind: 'message', text: '村'.repeat(1000) });
    const texts = fake.sent.filter((s) => s.touser === m.userId);
    expect(texts.map((s) => s.msgtype)).toEqual(['text', 'text']);
    expect(texts.every((s) => Buffer.byteLength(s.body.text.content) <= 2048)).toBe(true);
    expect(texts.map((s) => s.body.text.content).join('')).toBe('村'.repeat(1000));

    const buttons = ['接单', '回复', '转办', '上报', '吹哨', '办结', '定大小事'].map((label, i) => ({ label, data: `mx:${i}` }));
    const { messageRef } = await channel.deliver(m, { kind: 'message', text: '【新事项】2612-0001\n内容：路灯坏了', buttons: [buttons] });
    const cards = fake.sent.filter((s) => s.touser === m.userId && s.msgtype === 'template_card');
    expect(cards.map((c) => c.body.template_card.button_list.length)).toEqual([6, 1]);
    expect(cards[0]!.body.template_card.main_title.title).toBe('【新事项】2612-0001');
    expect(messageRef).toBe(`${cards[0]!.body.template_card.task_id}:${cards[0]!.responseCode}`);

    // An edit redraws it once with its code; a second edit with the spent code changes nothing and does not fail.
    await channel.deliver(m, { kind: 'edit', messageRef: messageRef!, text: '【新事项】2612-0001\n内容：路灯坏了\n\n✅ 李冬梅已接单', buttons: [buttons.slice(1, 3)] });
    await channel.deliver(m, { kind: 'edit', messageRef: messageRef!, clearButtons: true });
    const updates = fake.cardUpdates.filter((u) => u.responseCode === cards[0]!.responseCode);
    expect(updates).toHaveLength(1);
    expect(updates[0]!.body.template_card.button_list.map((b: { text: string }) => b.text)).toEqual(['回复', '转办']);
  });

  it('sends a villager text and a menu through kf/send_msg; a file from another platform as an image', async () => {
    const ext = `wmChannel${++n}`;
    await fake.villagerWrites(ext, '你好', { callback: false });
    await channel.deliver(kfTarget(ext), {
      kind: 'message',
      text: '是哪方面的事？',
      buttons: [[{ label: '🤝 邻里纠纷', data: 'cat:dispute' }], [{ label: '⚠️ 安全隐患', data: 'cat:hazard' }]],
      attachments: [{ kind: 'photo', platform: 'telegram', fileRef: 'AgAD-telegram-photo' }],
    });
    const sent = fake.kfSent.filter((s) => s.touser === ext);
    expect(sent.map((s) => s.msgtype)).toEqual(['msgmenu', 'image']);
    expect(sent[0]!.body.msgmenu).toEqual({ head_content: '是哪方面的事？', list: [{ type: 'click', click: { id: 'cat:dispute', content: '🤝 邻里纠纷' } }, { type: 'click', click: { id: 'cat:hazard', content: '⚠️ 安全隐患' } }] });
    expect(fake.mediaOf(sent[1]!.body.image.media_id)?.bytes.length).toBe(2048);
    // A matter's line longer than a menu item holds (128 bytes) is cut, not refused.
    await channel.deliver(kfTarget(ext), { kind: 'message', text: '您的事项', buttons: [[{ label: `2612-0001 ${'村口的电线杆歪了'.repeat(8)}`, data: 'mine:1' }]] });
    const item = fake.kfSent.filter((x) => x.touser === ext).at(-1)!.body.msgmenu.list[0].click.content as string;
    expect(Buffer.byteLength(item)).toBeLessThanOrEqual(128);
    expect(item).toMatch(/^2612-0001 村口.*…$/);
  });

  it('hands a file a villager sent on WeChat to another platform, and says why when it is gone', async () => {
    const mediaId = fake.putMedia('image', Buffer.alloc(4096, 3), '田边.jpg', 'image/jpeg');
    const got = await channel.fetcher.fetch({ kind: 'photo', platform: 'wecom', fileRef: `kf:${mediaId}` }, { maxBytes: 50 * 1024 * 1024 });
    expect(got).toMatchObject({ name: '田边.jpg', mimeType: 'image/jpeg', sizeBytes: 4096 });
    await expect(channel.fetcher.fetch({ kind: 'photo', platform: 'wecom', fileRef: 'kf:media-expired' }, { maxBytes: 1024 })).rejects.toBeInstanceOf(FileFetchError);
  });

  it('says plainly when WeCom refuses: the window closed, a wait, a member out of reach', async () => {
    // A villager who never wrote (or wrote 48 hours ago): the window is closed.
    const err = await channel.deliver(kfTarget(`wmSilent${++n}`), { kind: 'message', text: '您好' }).catch((e) => e);
    expect(err).toBeInstanceOf(SendingWindowClosedError);
    expect(err).toMatchObject({ errcode: 95002, reason: 'time' });
    expect(fake.windowRefusals.at(-1)).toMatchObject({ errcode: 95002 });

    const m = member();
    fake.failNext('message/send', 45009);
    await expect(channel.deliver(m, { kind: 'message', text: '您好' })).rejects.toBeInstanceOf(RetryAfterError);

    fake.members.add('SomeoneElse');
    try {
      await expect(channel.deliver(member(), { kind: 'message', text: '您好' })).rejects.toBeInstanceOf(RecipientUnreachableError);
    } finally {
      fake.members.clear();
    }
  });
});
