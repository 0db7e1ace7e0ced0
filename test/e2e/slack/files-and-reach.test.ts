// Files cross platforms, and a person on both platforms is reached where they were last or where
// they chose. Both stand-ins in one deployment: the villager on the Telegram emulator (its getFile,
// file URL and uploads), the officer in Slack (files.info, url_private, the external upload flow).
import { randomBytes } from 'node:crypto';
import { and, eq, isNotNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { intake } from '../../../src/services/intake-service.js';
import { identities, matters } from '../../../src/store/schema.js';
import { newOfficer, newTree, newVillager } from '../../support/factories.js';
import { FakeSlackApi } from '../../support/slack/fake-slack-api.js';
import { messageEvent } from '../../support/slack/signed-requests.js';
import { cardsOf, linkSlack, startSlackHarness, type SlackHarness } from '../../support/slack/slack-harness.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { TelegramEmulator } from '../../support/telegram/emulator.js';
import { TelegramPerson } from '../../support/telegram/person.js';
import { refIn, saw, beginReport, registerVillager } from '../../support/telegram-flows.js';
import { waitFor } from '../../support/wait.js';

let store: TestStore;
let api: FakeSlackApi;
let emulator: TelegramEmulator;
let h: SlackHarness;
let seq = 0;

beforeAll(async () => {
  store = await openTestStore('postgres');
  api = await FakeSlackApi.start();
  emulator = await TelegramEmulator.start();
  h = await startSlackHarness(store, api, { emulator });
});

afterAll(async () => {
  await h?.close();
  await emulator?.close();
  await api?.stop();
  await store?.close();
});

/** A fresh grid (so routing has one officer to choose), its officer in Slack, a villager on Telegram. */
async function setting(n: number) {
  const tree = await newTree(store.db);
  const slackUser = `U0OFFIC${String(n).padStart(3, '0')}`;
  const officer = await newOfficer(store.db, tree.unit, '李冬梅');
  await linkSlack(store.db, officer.id, slackUser);
  const v = new TelegramPerson(emulator, { userId: 881_000 + n, firstName: '罗秀英', languageCode: 'zh-hans' });
  const villager = await newVillager(store.db, tree.unit, '罗秀英', { telegram: String(v.userId) });
  return { tree, officer, villager, v, slackUser, dm: FakeSlackApi.dmOf(slackUser) };
}

/** A report filed straight into intake (as the Telegram flow would), and its card in the officer's DM. */
async function reported(telegramUser: number, slackUser: string, text = '村口的路灯坏了一个星期了。') {
  const r = await intake(h.runtime.ctx, { eventId: `telegram:update:files-${Date.now()}-${++seq}`, platform: 'telegram', externalUserId: String(telegramUser), kind: 'report', category: 'help', text, receivedAt: h.runtime.ctx.now().toISOString() });
  if (r.status !== 'created') throw new Error(r.status);
  await h.waitCall('chat.postMessage', (c) => c.args.channel === slackUser && FakeSlackApi.textOf(c).includes(r.matter.ref), 'the card in the officer DM');
  const card = (await waitFor(async () => (await cardsOf(store.db, r.matter.id))[0], 'the card recorded'))!;
  return { matter: r.matter, card };
}

describe('files across platforms', () => {
  it('a Telegram photo appears as a file in the Slack thread', async () => {
    const tree = await newTree(store.db);
    const officer = await newOfficer(store.db, tree.unit, '李冬梅');
    await linkSlack(store.db, officer.id, 'U0PHOTO001');
    const v = new TelegramPerson(emulator, { userId: 881_100, firstName: '罗秀英', languageCode: 'zh-hans' }).mark();

    await registerVillager(v, tree.unit.joinCode!, '罗秀英');
    await beginReport(v, '🤝 邻里纠纷', '邻居家的鸡天天跑到我家菜地里啄菜。');
    const photo = randomBytes(3000);
    await v.sendPhoto({ caption: '被啄坏的白菜', bytes: photo });
    await h.idle();
    await v.press('✅ 说完了');
    await v.waitForText('事情发生在哪里');
    await v.say('跳过');
    await v.press('📨 提交');
    const ref = refIn((await saw(v, '已受理，受理编号')).text);

    const [m] = await store.db.select().from(matters).where(eq(matters.ref, ref));
    const card = (await waitFor(async () => (await cardsOf(store.db, m!.id))[0], 'the card recorded'))!;
    const shared = await h.waitCall('files.completeUploadExternal', (c) => c.args.thread_ts === card.ts, 'the photo shared into the card thread');
    expect(shared.args.channel_id).toBe(card.channel);
    expect(shared.args.files[0].title).toBe('被啄坏的白菜');
    // The very bytes the villager sent, fetched from Telegram (getFile, then the file URL) and uploaded.
    expect(api.uploadOf(shared)?.equals(photo)).toBe(true);
    expect(emulator.downloads.length).toBeGreaterThan(0);
    expect(api.called('files.getUploadURLExternal').some((c) => Number(c.args.length) === photo.length)).toBe(true);
  });

  it('a Slack file reaches the villager on Telegram', async () => {
    const s = await setting(1);
    const { card } = await reported(s.v.userId, s.slackUser);
    s.v.mark();
    const bytes = randomBytes(5000);
    api.putFile({ id: 'F0PHOTO0001', name: '修好的路灯.jpg', mimetype: 'image/jpeg', bytes });
    await h.send(messageEvent({ user: s.slackUser, channel: s.dm, threadTs: card.ts, text: '', files: [{ id: 'F0PHOTO0001', name: '修好的路灯.jpg', mimetype: 'image/jpeg', size: bytes.length }] }));

    // Not an empty "回复您：": the text says a photo came, and the photo follows.
    const reply = await saw(s.v, '回复您：');
    expect(reply.text).toContain('只发来了照片 1 张');
    const upload = await waitFor(() => emulator.uploads.find((u) => u.chatId === String(s.v.userId)), 'the photo sent to the villager');
    expect(upload.method).toBe('sendPhoto');
    expect(upload.bytes.equals(bytes)).toBe(true);
    // Downloaded from url_private with the bot's token.
    const download = api.called('download').find((c) => c.args.file === 'F0PHOTO0001');
    expect(download?.token).toBe('xoxb-test-token');
  });

  it('a file too large to cross gives a note, and the words still go out', async () => {
    const s = await setting(2);
    const { card } = await reported(s.v.userId, s.slackUser);
    s.v.mark();
    api.putFile({ id: 'F0BIGVIDEO1', name: '现场录像.mov', mimetype: 'video/quicktime', bytes: randomBytes(100), size: 60 * 1024 * 1024 });
    await h.send(messageEvent({ user: s.slackUser, channel: s.dm, threadTs: card.ts, text: '路灯明天就修，录像发您看看。', files: [{ id: 'F0BIGVIDEO1', name: '现场录像.mov', mimetype: 'video/quicktime', size: 60 * 1024 * 1024 }] }));

    await saw(s.v, '路灯明天就修，录像发您看看。');
    const note = await saw(s.v, '没能一起转过来');
    expect(note.text).toContain('视频（现场录像.mov）');
    expect(note.text).toContain('60MB');
    expect(note.text).toContain('50MB');
    await h.idle();
    // Refused by its size before anything was downloaded.
    expect(api.called('download').some((c) => c.args.file === 'F0BIGVIDEO1')).toBe(false);
    expect(emulator.uploads.some((u) => u.chatId === String(s.v.userId))).toBe(false);
  });

  it('a file that cannot be fetched is tried again, then the note', async () => {
    const s = await setting(3);
    const { card } = await reported(s.v.userId, s.slackUser);
    s.v.mark();
    api.putFile({ id: 'F0GONE00001', name: '通知.pdf', mimetype: 'application/pdf', bytes: randomBytes(800) });
    api.failDownloads(3);
    await h.send(messageEvent({ user: s.slackUser, channel: s.dm, threadTs: card.ts, text: '通知发您了。', files: [{ id: 'F0GONE00001', name: '通知.pdf', mimetype: 'application/pdf', size: 800 }] }));
    const note = await saw(s.v, '试了几次都不行');
    expect(note.text).toContain('文件（通知.pdf）');
    expect(api.called('download').filter((c) => c.args.file === 'F0GONE00001')).toHaveLength(3);
  });
});

describe('a person on both platforms', () => {
  it('is reached on the platform last used, and on the chosen one after choosing', async () => {
    const tree = await newTree(store.db);
    const o = new TelegramPerson(emulator, { userId: 881_200, firstName: '冬梅', languageCode: 'zh-hans' });
    const officer = await newOfficer(store.db, tree.unit, '李冬梅', { telegram: String(o.userId) });
    const SLACK = 'U0BOTHPLAT';
    await linkSlack(store.db, officer.id, SLACK);
    const v = new TelegramPerson(emulator, { userId: 881_201, firstName: '罗秀英' });
    await newVillager(store.db, tree.unit, '罗秀英', { telegram: String(v.userId) });
    const seenOn = async (platform: 'slack' | 'telegram') =>
      waitFor(async () => (await store.db.select().from(identities).where(and(eq(identities.personId, officer.id), eq(identities.platform, platform), isNotNull(identities.lastSeenAt))))[0], `the officer seen on ${platform}`);
    const fileReport = async (text: string) => {
      const r = await intake(h.runtime.ctx, { eventId: `telegram:update:reach-${Date.now()}-${++seq}`, platform: 'telegram', externalUserId: String(v.userId), kind: 'report', category: 'help', text, receivedAt: h.runtime.ctx.now().toISOString() });
      if (r.status !== 'created') throw new Error(r.status);
      return r.matter.ref;
    };
    const onSlack = (ref: string) => api.called('chat.postMessage').some((c) => c.args.channel === SLACK && FakeSlackApi.textOf(c).includes(ref));
    const onTelegram = (ref: string) => o.messages().some((m) => m.text.includes(ref));

    // Last wrote from Slack: the next matter's card is in Slack, not on Telegram.
    await h.send(messageEvent({ user: SLACK, channel: FakeSlackApi.dmOf(SLACK), text: '在吗' }));
    await seenOn('slack');
    const first = await fileReport('水渠堵了。');
    await h.waitCall('chat.postMessage', (c) => c.args.channel === SLACK && FakeSlackApi.textOf(c).includes(first), 'the card in Slack');
    await h.idle();
    expect(onTelegram(first)).toBe(false);

    // Then wrote on Telegram: the next one comes there.
    o.mark();
    await o.command('/help');
    await o.waitForText('');
    await seenOn('telegram');
    const second = await fileReport('桥栏杆松了。');
    await saw(o, second);
    await h.idle();
    expect(onSlack(second)).toBe(false);

    // Chooses Slack (from Telegram, where he just wrote): notices go to Slack from then on.
    o.mark();
    await o.command('/reach');
    const pick = await o.waitForText('以后的通知发到哪边');
    expect(pick.buttons.flat().map((b) => b.label)).toEqual(['发到 Telegram', '发到 Slack', '✓ 哪边最近用过就发哪边']);
    await o.press('发到 Slack');
    await o.waitForText('以后通知都发到 Slack');
    const third = await fileReport('垃圾三天没人收。');
    await h.waitCall('chat.postMessage', (c) => c.args.channel === SLACK && FakeSlackApi.textOf(c).includes(third), 'the card in Slack after choosing');
    await h.idle();
    expect(onTelegram(third)).toBe(false);

    // Back to following him: Telegram, where he last wrote.
    o.mark();
    await o.command('/reach');
    await o.press('哪边最近用过就发哪边');
    await o.waitForText('最近在哪边说话');
    const fourth = await fileReport('路边的树倒了。');
    await saw(o, fourth);
  });

  it('says there is nothing to choose for someone on one platform only', async () => {
    const tree = await newTree(store.db);
    const v = new TelegramPerson(emulator, { userId: 881_300, firstName: '王秀英' });
    await newVillager(store.db, tree.unit, '王秀英', { telegram: String(v.userId) });
    v.mark();
    await v.command('/reach');
    await v.waitForText('您现在只在 Telegram 上和我们联系');
  });
});
