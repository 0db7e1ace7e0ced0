// The WeCom API client against the WeCom stand-in: the token cached and refreshed once however
// many sends find it expired (in one process and across two sharing a cache), 微信客服's sync
// paged by cursor, the sending window refused with WeCom's errcode and mapped, the app's
// frequency limit mapped to a wait, media both ways, a card redrawn once per response code.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FileTooLargeError } from '../../../src/ports/files.js';
import { RecipientUnreachableError, RetryAfterError } from '../../../src/ports/channel.js';
import { MemoryTokenCache } from '../../../src/channels/wecom/token-cache.js';
import { WecomApi } from '../../../src/channels/wecom/wecom-api.js';
import { SendingWindowClosedError, WecomApiError, convertWecomError } from '../../../src/channels/wecom/wecom-errors.js';
import type { ButtonInteractionCard } from '../../../src/channels/wecom/wecom-types.js';
import { splitText } from '../../../src/channels/wecom/split-text.js';
import { memberBuckets } from '../../../src/channels/wecom/send-budget.js';
import { MemoryRateBuckets } from '../../../src/ports/rate-buckets.js';
import { FakeWecom, LIMITS, TEST_CORP } from '../../support/wecom/fake-wecom.js';

let clockMs = Date.parse('2026-06-03T02:00:00Z');
const now = (): number => clockMs;
let fake: FakeWecom;

beforeAll(async () => {
  fake = await FakeWecom.start({ now });
});
afterAll(async () => {
  await fake.stop();
});
afterEach(() => {
  clockMs += 24 * 3600_000; // each test starts a fresh day: no limits carried over
});

function appApi(cache = new MemoryTokenCache(), secret: string = TEST_CORP.secret): WecomApi {
  return new WecomApi({ corpId: TEST_CORP.corpId, secret, secretName: String(TEST_CORP.agentId), baseUrl: fake.url, tokenCache: cache, now });
}

function kfApi(): WecomApi {
  return new WecomApi({ corpId: TEST_CORP.corpId, secret: TEST_CORP.kfSecret, secretName: 'kf', baseUrl: fake.url, now });
}

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

const card = (taskId: string): ButtonInteractionCard => ({
  card_type: 'button_interaction',
  main_title: { title: '事项 0000-0018 · 纠纷', desc: '水川村第三组' },
  sub_title_text: '邻居在我家田边堆柴草',
  task_id: taskId,
  button_list: [
    { text: '接单', key: 'take:m1' },
    { text: '转办', key: 'transfer:m1', style: 2 },
  ],
});

describe('WeCom API client against the stand-in', () => {
  it('caches the token: many sends, one gettoken', async () => {
    const api = appApi();
    const before = fake.tokensIssued.get(TEST_CORP.secret) ?? 0;
    for (let i = 0; i < 3; i++) await api.sendAppMessage(TEST_CORP.agentId, `cache${i}`, { msgtype: 'text', text: { content: '您有一件新事项' } });
    await Promise.all([1, 2, 3].map((i) => api.sendAppMessage(TEST_CORP.agentId, `cache-c${i}`, { msgtype: 'text', text: { content: '您有一件新事项' } })));
    expect((fake.tokensIssued.get(TEST_CORP.secret) ?? 0) - before).toBe(1);
  });

  it('a token expiring mid-send is fetched again once for 20 concurrent sends, in two processes sharing the cache, and nothing is lost', async () => {
    const shared = new MemoryTokenCache();
    const a = appApi(shared);
    const b = appApi(shared);
    await a.sendAppMessage(TEST_CORP.agentId, 'expiry0', { msgtype: 'text', text: { content: '开始' } });
    const before = fake.tokensIssued.get(TEST_CORP.secret) ?? 0;
    const sentBefore = fake.sent.length;
    fake.expireTokens();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).sendAppMessage(TEST_CORP.agentId, `expiry${i + 1}`, { msgtype: 'text', text: { content: `第${i + 1}条` } })));
    expect(results.every((r) => r.msgid)).toBe(true);
    expect((fake.tokensIssued.get(TEST_CORP.secret) ?? 0) - before).toBe(1);
    expect(fake.sent.length - sentBefore).toBe(20);
    expect(fake.calls.filter((c) => c.errcode === 42001).length).toBeGreaterThan(0);
  });

  it('a token WeCom ends early (40014) is replaced too', async () => {
    const api = appApi();
    await api.sendAppMessage(TEST_CORP.agentId, 'revoke0', { msgtype: 'text', text: { content: '一' } });
    fake.revokeTokens();
    await api.sendAppMessage(TEST_CORP.agentId, 'revoke1', { msgtype: 'text', text: { content: '二' } });
    expect(api.tokens.fetches).toBe(2);
  });

  it('a wrong secret is a named error with a hint naming the variable, never retried', async () => {
    const err = await caught(appApi(new MemoryTokenCache(), 'wrong').sendAppMessage(TEST_CORP.agentId, 'x', { msgtype: 'text', text: { content: 'x' } }));
    expect(err).toBeInstanceOf(WecomApiError);
    expect((err as WecomApiError).errcode).toBe(40001);
    expect((err as WecomApiError).method).toBe('gettoken');
    expect((err as WecomApiError).hint).toMatch(/WECOM_SECRET/);
  });

  it("the app's per-member limit (30 a minute) answers 45009, mapped to a wait of a minute", async () => {
    const api = appApi();
    for (let i = 0; i < LIMITS.perMemberPerMinute; i++) await api.sendAppMessage(TEST_CORP.agentId, 'busy-officer', { msgtype: 'text', text: { content: `通知${i}` } });
    const err = await caught(api.sendAppMessage(TEST_CORP.agentId, 'busy-officer', { msgtype: 'text', text: { content: '再一条' } }));
    expect((err as WecomApiError).errcode).toBe(45009);
    const mapped = convertWecomError(err);
    expect(mapped).toBeInstanceOf(RetryAfterError);
    expect((mapped as RetryAfterError).retryAfterMs).toBe(60_000);
    // Another member is not held by it; a minute later the same member is served again.
    await api.sendAppMessage(TEST_CORP.agentId, 'other-officer', { msgtype: 'text', text: { content: '通知' } });
    clockMs += 61_000;
    await api.sendAppMessage(TEST_CORP.agentId, 'busy-officer', { msgtype: 'text', text: { content: '一分钟后' } });
  });

  it('a text over 2048 bytes is refused (45002); split, it goes out in parts', async () => {
    const api = appApi();
    const long = '村口的路灯已经坏了三天，晚上老人孩子走路很不方便。'.repeat(30);
    expect(((await caught(api.sendAppMessage(TEST_CORP.agentId, 'long-officer', { msgtype: 'text', text: { content: long } }))) as WecomApiError).errcode).toBe(45002);
    const parts = splitText(long);
    for (const content of parts) await api.sendAppMessage(TEST_CORP.agentId, 'long-officer', { msgtype: 'text', text: { content } });
    expect(fake.sent.filter((s) => s.touser === 'long-officer').map((s) => s.body.text.content).join('')).toBe(long);
  });

  it('paced by the member budgets, 70 messages to one officer go out with no refusal', async () => {
    const api = appApi();
    const buckets = new MemoryRateBuckets(now);
    const refusedBefore = fake.calls.filter((c) => c.errcode === 45009).length;
    for (let i = 0; i < 70; i++) {
      let wait = 0;
      for (const b of memberBuckets(TEST_CORP.corpId, TEST_CORP.agentId, 'paced-officer')) {
        const slot = await buckets.reserve(b);
        if ('waitMs' in slot) wait = Math.max(wait, slot.waitMs);
      }
      clockMs += wait;
      await api.sendAppMessage(TEST_CORP.agentId, 'paced-officer', { msgtype: 'text', text: { content: `通知${i}` } });
    }
    expect(fake.calls.filter((c) => c.errcode === 45009).length).toBe(refusedBefore);
    expect(fake.sent.filter((s) => s.touser === 'paced-officer')).toHaveLength(70);
  });

  it('a member outside the app is unreachable (81013)', async () => {
    fake.members.add('only-this-one');
    try {
      const err = await caught(appApi().sendAppMessage(TEST_CORP.agentId, 'left-the-county', { msgtype: 'text', text: { content: 'x' } }));
      expect(convertWecomError(err)).toBeInstanceOf(RecipientUnreachableError);
    } finally {
      fake.members.clear();
    }
  });

  it('sends a template card and redraws it once per response code (72 hours)', async () => {
    const api = appApi();
    const sent = await api.sendAppMessage(TEST_CORP.agentId, 'card-officer', { msgtype: 'template_card', template_card: card('matter-m1-1') });
    expect(sent.response_code).toBeTruthy();
    expect(fake.sent.at(-1)).toMatchObject({ msgtype: 'template_card', body: { template_card: { task_id: 'matter-m1-1', button_list: [{ key: 'take:m1' }, { key: 'transfer:m1' }] } } });
    await api.updateTemplateCard(TEST_CORP.agentId, ['card-officer'], sent.response_code!, { button: { replace_name: '已接单' } });
    expect(fake.cardUpdates.at(-1)).toMatchObject({ responseCode: sent.response_code, body: { button: { replace_name: '已接单' }, userids: ['card-officer'] } });
    const again = await caught(api.updateTemplateCard(TEST_CORP.agentId, ['card-officer'], sent.response_code!, { button: { replace_name: '又一次' } }));
    expect(again).toBeInstanceOf(WecomApiError);
    // A press gives a fresh code: the whole card is redrawn with it.
    const pressed = fake.pressCode(sent.response_code!);
    await api.updateTemplateCard(TEST_CORP.agentId, ['card-officer'], pressed, { template_card: card('matter-m1-1') });
    const late = fake.pressCode(sent.response_code!);
    clockMs += LIMITS.responseCodeMs + 1;
    expect(await caught(api.updateTemplateCard(TEST_CORP.agentId, ['card-officer'], late, { button: { replace_name: '太晚' } }))).toBeInstanceOf(WecomApiError);
  });

  it('uploads a file and fetches one back, refusing what is too large on either side', async () => {
    const api = appApi();
    const photo = Buffer.from('\x89PNG fake photo bytes of the broken lamp');
    const { mediaId } = await api.uploadMedia('image', { bytes: photo, name: '路灯.png', mimeType: 'image/png' });
    expect(fake.mediaOf(mediaId)).toMatchObject({ type: 'image', name: '路灯.png', mimeType: 'image/png' });
    const got = await api.getMedia(mediaId, { maxBytes: 1024 });
    expect(Buffer.from(got.bytes).equals(photo)).toBe(true);
    expect(got).toMatchObject({ name: '路灯.png', mimeType: 'image/png', sizeBytes: photo.length });
    expect(await caught(api.getMedia(mediaId, { maxBytes: 10 }))).toBeInstanceOf(FileTooLargeError);
    expect(await caught(api.uploadMedia('voice', { bytes: new Uint8Array(LIMITS.mediaBytes.voice! + 1), name: 'v.amr', mimeType: 'audio/amr' }))).toBeInstanceOf(FileTooLargeError);
    expect(((await caught(api.getMedia('no-such-media', { maxBytes: 1024 }))) as WecomApiError).errcode).toBe(40007);
    await api.sendAppMessage(TEST_CORP.agentId, 'file-officer', { msgtype: 'image', image: { media_id: mediaId } });
  });
});

describe('微信客服 through the client against the stand-in', () => {
  it('pages kf/sync_msg by cursor: every message once, in order, resuming from a saved cursor', async () => {
    const api = kfApi();
    // Skip what earlier tests left in the log: start from the end.
    let cursor: string | undefined;
    for (let more = true; more; ) {
      const page = await api.kfSyncMsg({ cursor, limit: 1000 });
      cursor = page.next_cursor;
      more = page.has_more;
    }
    for (let i = 0; i < 25; i++) await fake.villagerWrites(i % 2 ? 'wmPagingA' : 'wmPagingB', `第${i}条`, { callback: false });
    const token = fake.issueSyncToken();
    const seen: string[] = [];
    const hasMore: boolean[] = [];
    for (let more = true; more; ) {
      const page = await api.kfSyncMsg({ cursor, token, limit: 10 });
      seen.push(...page.msg_list.map((m) => m.text!.content));
      hasMore.push(page.has_more);
      cursor = page.next_cursor;
      more = page.has_more;
    }
    expect(hasMore).toEqual([true, true, false]);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `第${i}条`));
    // Resuming from the saved cursor gives only what came after.
    await fake.villagerWrites('wmPagingA', '又一条', { callback: false });
    const next = await api.kfSyncMsg({ cursor, limit: 10 });
    expect(next.msg_list.map((m) => m.text?.content)).toEqual(['又一条']);
    expect(next.has_more).toBe(false);
  });

  it('refuses a sync token that is not WeCom\'s or is older than 10 minutes (95007)', async () => {
    const api = kfApi();
    expect(((await caught(api.kfSyncMsg({ token: 'forged' }))) as WecomApiError).errcode).toBe(95007);
    const token = fake.issueSyncToken();
    clockMs += LIMITS.syncTokenMs + 1;
    expect(((await caught(api.kfSyncMsg({ token }))) as WecomApiError).errcode).toBe(95007);
  });

  it('the window: 5 messages after the villager writes, the 6th refused (95001) and mapped; their next message reopens it', async () => {
    const api = kfApi();
    const who = 'wmWindowVillager';
    const refusedBefore = fake.windowRefusals.length;
    expect(((await caught(api.kfSendMsg(who, TEST_CORP.openKfId, { msgtype: 'text', text: { content: '没写过' } }))) as WecomApiError).errcode).toBe(95002);
    await fake.villagerWrites(who, '村口路灯坏了', { callback: false });
    for (let i = 0; i < LIMITS.windowMessages; i++) await api.kfSendMsg(who, TEST_CORP.openKfId, { msgtype: 'text', text: { content: `进展${i}` } });
    const sixth = await caught(api.kfSendMsg(who, TEST_CORP.openKfId, { msgtype: 'text', text: { content: '第六条' } }));
    expect((sixth as WecomApiError).errcode).toBe(95001);
    const mapped = convertWecomError(sixth);
    expect(mapped).toBeInstanceOf(SendingWindowClosedError);
    expect((mapped as SendingWindowClosedError).reason).toBe('count');
    expect(fake.windowRefusals.length - refusedBefore).toBe(2);
    await fake.villagerWrites(who, '还有人管吗', { callback: false });
    await api.kfSendMsg(who, TEST_CORP.openKfId, { msgtype: 'text', text: { content: '您的事项有新进展' } });
    expect(fake.windowOf(who).left).toBe(LIMITS.windowMessages - 1);
  });

  it('the window closes 48 hours after the villager last wrote (95002)', async () => {
    const api = kfApi();
    const who = 'wmLateVillager';
    await fake.villagerWrites(who, '问一下', { callback: false });
    clockMs += LIMITS.windowMs - 60_000;
    await api.kfSendMsg(who, TEST_CORP.openKfId, { msgtype: 'text', text: { content: '还在窗口内' } });
    clockMs += 60_000;
    const late = convertWecomError(await caught(api.kfSendMsg(who, TEST_CORP.openKfId, { msgtype: 'text', text: { content: '过了48小时' } })));
    expect(late).toBeInstanceOf(SendingWindowClosedError);
    expect((late as SendingWindowClosedError).reason).toBe('time');
  });

  it('sends a menu (at most 10 items); a welcome answers the QR code once, within 20 seconds', async () => {
    const api = kfApi();
    const who = 'wmMenuVillager';
    await fake.villagerWrites(who, '办结了', { callback: false });
    const items = (n: number) => Array.from({ length: n }, (_, i) => ({ type: 'click' as const, click: { id: `rate:m1:${i}`, content: `${i}星` } }));
    await api.kfSendMsg(who, TEST_CORP.openKfId, { msgtype: 'msgmenu', msgmenu: { head_content: '请评价', list: items(5) } }, 'gridline-out-1');
    expect(fake.kfSent.at(-1)).toMatchObject({ msgid: 'gridline-out-1', msgtype: 'msgmenu', body: { msgmenu: { head_content: '请评价' } } });
    expect(fake.kfSent.at(-1)!.body.msgmenu.list.map((i: { click: { id: string } }) => i.click.id)).toEqual(['rate:m1:0', 'rate:m1:1', 'rate:m1:2', 'rate:m1:3', 'rate:m1:4']);
    expect(((await caught(api.kfSendMsg(who, TEST_CORP.openKfId, { msgtype: 'msgmenu', msgmenu: { list: items(11) } }))) as WecomApiError).errcode).toBe(95008);
    const { welcomeCode } = await fake.villagerEnters('wmPosterVillager', 'SC03', { callback: false });
    await api.kfSendMsgOnEvent(welcomeCode, { msgtype: 'text', text: { content: '欢迎加入水川村第三组' } });
    expect(fake.kfSent.at(-1)).toMatchObject({ touser: 'wmPosterVillager', onEvent: true });
    expect(await caught(api.kfSendMsgOnEvent(welcomeCode, { msgtype: 'text', text: { content: '再一次' } }))).toBeInstanceOf(WecomApiError);
    expect(fake.windowOf('wmPosterVillager').open).toBe(false);
  });
});
