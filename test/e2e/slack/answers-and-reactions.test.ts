// What a Slack user sees of their own doing: a reply in a card's thread marked ✅ when it went to
// the villager and 🔒 when it stayed a note; `/grid …` typed in a channel answered there, to them
// alone (an ephemeral through the command's response_url), or in the DM when it is long, asks
// them to write, or the response_url has lapsed.
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StartWorkersOptions } from '../../../src/app/runtime.js';
import { SlackApi, ChannelPacer } from '../../../src/channels/slack/slack-api.js';
import { SlackChannel } from '../../../src/channels/slack/slack-channel.js';
import { answerRefOf } from '../../../src/channels/slack/slack-conversation.js';
import { intake } from '../../../src/services/intake-service.js';
import { performAction } from '../../../src/services/matter-actions.js';
import type { JobOutcome } from '../../../src/ports/jobs.js';
import { matters } from '../../../src/store/schema.js';
import { newGridLeader, newOfficer, newTree, newVillager, type PersonRow, type Tree } from '../../support/factories.js';
import { FakeSlackApi } from '../../support/slack/fake-slack-api.js';
import { testLogger } from '../../support/runtime.js';
import { buttonPress, messageEvent, slashCommand } from '../../support/slack/signed-requests.js';
import { cardsOf, linkSlack, startSlackHarness, type SlackHarness } from '../../support/slack/slack-harness.js';
import { SlackPerson } from '../../support/slack/slack-person.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { waitFor } from '../../support/wait.js';
import { webApi } from '@slack/bolt';

const OFFICER = 'U0OFFICER1';
const OFFICER_DM = FakeSlackApi.dmOf(OFFICER);
const LEADER = 'U0LEADER01';
const VILLAGER = 'U0VILLAGE1';
const CHANNEL = 'C0SHUICHUAN';

describe('Slack: what a person sees of their own doing', () => {
  let store: TestStore;
  let api: FakeSlackApi;
  let h: SlackHarness;
  let tree: Tree;
  let officer: PersonRow;
  let seq = 0;
  // While set, the `chat` jobs wait for it (to let the clock pass a response_url's life).
  let hold: { promise: Promise<void>; release: () => void } | null = null;
  const wrap: StartWorkersOptions['wrap'] = (name, handler) =>
    name !== 'chat'
      ? handler
      : (async (data: never, meta: never) => {
          await hold?.promise;
          return (handler as (d: never, m: never) => Promise<JobOutcome>)(data, meta);
        }) as typeof handler;

  beforeAll(async () => {
    store = await openTestStore('postgres');
    api = await FakeSlackApi.start();
  });
  afterAll(async () => {
    await api?.stop();
    await store?.close();
  });
  beforeEach(async () => {
    await store.reset();
    api.reset();
    hold = null;
    h = await startSlackHarness(store, api, { wrap });
    tree = await newTree(store.db);
    officer = await newOfficer(store.db, tree.unit, '李冬梅');
    await linkSlack(store.db, officer.id, OFFICER);
    const leader = await newGridLeader(store.db, tree.village, '张国华');
    await linkSlack(store.db, leader.id, LEADER);
    await newVillager(store.db, tree.unit, '罗秀英', { telegram: '1001' });
    await linkSlack(store.db, (await newVillager(store.db, tree.unit, '何秋菊')).id, VILLAGER);
  });
  afterEach(async () => {
    hold?.release();
    await h?.close();
  });

  async function reportedWithCard(text = '邻居在我家田边堆柴草，说了不听。') {
    const r = await intake(h.runtime.ctx, { eventId: `telegram:update:r${Date.now()}${++seq}`, platform: 'telegram', externalUserId: '1001', kind: 'report', category: 'dispute', text, receivedAt: h.runtime.ctx.now().toISOString() });
    if (r.status !== 'created') throw new Error(r.status);
    const [card] = await waitFor(async () => {
      const cards = await cardsOf(store.db, r.matter.id);
      return cards.length ? cards : null;
    }, 'the card in the officer DM');
    return { matter: r.matter, card: card! };
  }

  it('marks a relayed thread reply ✅ and a note 🔒; the villager gets the reply and never the note', { timeout: 90_000 }, async () => {
    const { matter, card } = await reportedWithCard();
    await h.send(buttonPress({ user: OFFICER, channel: OFFICER_DM, messageTs: card.ts, value: `mx:take:${matter.ref}` }));
    await waitFor(async () => (await store.db.select().from(matters).where(eq(matters.id, matter.id)))[0]!.step === 'handle', 'the matter taken');

    const reply = messageEvent({ user: OFFICER, channel: OFFICER_DM, threadTs: card.ts, text: '我下午两点到现场看看，请在家等我。' });
    await h.send(reply);
    const check = await h.waitCall('reactions.add', (c) => c.args.timestamp === reply.ts, 'a reaction on the relayed reply');
    expect(check.args).toMatchObject({ channel: OFFICER_DM, name: 'white_check_mark' });
    await waitFor(() => h.telegram.to('1001').find((t) => t.includes('我下午两点到现场看看')), 'the reply on Telegram');

    const note = messageEvent({ user: OFFICER, channel: OFFICER_DM, threadTs: card.ts, text: '备注：刘家脾气急，明天和村主任一起去。' });
    await h.send(note);
    const lock = await h.waitCall('reactions.add', (c) => c.args.timestamp === note.ts, 'a reaction on the note');
    expect(lock.args).toMatchObject({ channel: OFFICER_DM, name: 'lock' });
    await h.idle();
    // One mark each, never the other one.
    expect(api.called('reactions.add').filter((c) => c.args.timestamp === reply.ts).map((c) => c.args.name)).toEqual(['white_check_mark']);
    expect(api.called('reactions.add').filter((c) => c.args.timestamp === note.ts).map((c) => c.args.name)).toEqual(['lock']);
    expect(h.telegram.to('1001').some((t) => t.includes('刘家脾气急'))).toBe(false);
  });

  it('leaves unmarked a thread reply that could not be relayed (the matter already settled)', async () => {
    const { matter, card } = await reportedWithCard();
    expect((await performAction(h.runtime.ctx, { matter: matter.ref, actorId: officer.id, request: { action: 'take' } })).ok).toBe(true);
    expect((await performAction(h.runtime.ctx, { matter: matter.ref, actorId: officer.id, request: { action: 'settle', result: '已调解。' } })).ok).toBe(true);
    const o = new SlackPerson(h, OFFICER).mark();
    const late = messageEvent({ user: OFFICER, channel: OFFICER_DM, threadTs: card.ts, text: '还有一件事要说。' });
    await h.send(late);
    // Told in words why not (the matter is settled), and the message is left unmarked.
    const said = await o.waitForText(/./);
    expect(said.text).not.toContain('已发给群众');
    await h.idle();
    expect(api.called('reactions.add').some((c) => c.args.timestamp === late.ts)).toBe(false);
    expect(h.telegram.to('1001').some((t) => t.includes('还有一件事要说'))).toBe(false);
  });

  it('answers /grid status REF, stats and help typed in a channel there, to the person alone', { timeout: 90_000 }, async () => {
    const { matter } = await reportedWithCard('村口的路灯坏了三天了。');
    const o = new SlackPerson(h, OFFICER);
    const leader = new SlackPerson(h, LEADER);
    const dmBefore = api.called('chat.postMessage').filter((c) => c.args.channel === OFFICER || c.args.channel === LEADER).length;

    const statusUrl = await o.commandIn(CHANNEL, `status ${matter.ref}`);
    const status = await o.waitForAnswer(statusUrl, matter.ref);
    expect(status.text).toContain('分流');
    expect(status.buttons.length).toBeGreaterThan(0); // the detail's buttons come along
    const call = api.responses(statusUrl)[0]!;
    expect(call.args.response_type).toBe('ephemeral');
    expect(call.args.replace_original).toBe(false);

    const statsUrl = await leader.commandIn(CHANNEL, 'stats');
    expect((await leader.waitForAnswer(statsUrl, '水川村')).text).toContain('受理 1 件');

    const helpUrl = await o.commandIn(CHANNEL, 'help');
    const help = await o.waitForAnswer(helpUrl, '/grid stats');
    expect(help.text).toContain('/grid status');

    await h.idle();
    // Nothing of these went to a DM, nor to the channel for everyone.
    expect(api.called('chat.postMessage').filter((c) => c.args.channel === OFFICER || c.args.channel === LEADER).length).toBe(dmBefore);
    expect(api.called('chat.postMessage').some((c) => c.args.channel === CHANNEL)).toBe(false);
    expect(api.called('chat.postEphemeral')).toHaveLength(0);

    // Typed in the DM, the DM is where it is answered (as before).
    const mark = o.mark();
    await o.command('help');
    await mark.waitForText('/grid stats');

    // A press on the ephemeral detail is answered there too: 接单 takes the matter.
    const take = status.buttons.find((b) => b.label === '接单');
    expect(take).toBeTruthy();
    await h.send(buttonPress({ user: OFFICER, channel: CHANNEL, messageTs: '1700000000.999999', value: take!.data, ephemeral: true, responseUrl: `${api.url}/respond/press-1` }));
    await waitFor(async () => (await store.db.select().from(matters).where(eq(matters.id, matter.id)))[0]!.step === 'handle', 'the matter taken from the ephemeral');
    // What the press answers is shown in the channel, to the officer alone.
    // What the press answers is shown in the channel, to the officer alone, through the press's
    // response_url (the app need not be a member of a channel a slash command was typed in).
    const pressed = await waitFor(() => api.responses(`${api.url}/respond/press-1`)[0] ?? null, 'the answer to the press, in the channel');
    expect(String(pressed.args.text)).toContain('已接单');
    await h.idle();
    expect(api.called('chat.postEphemeral')).toHaveLength(0);
    expect(api.called('chat.postMessage').some((c) => c.args.channel === CHANNEL)).toBe(false);
  });

  it('sends to the DM, and says so there, an answer that asks the person to write; a lapsed response_url means the DM', { timeout: 90_000 }, async () => {
    const v = new SlackPerson(h, VILLAGER).mark();
    // /grid report starts a conversation: the first question goes to the DM, the channel is told where.
    const url = await v.commandIn(CHANNEL, 'report');
    await v.waitForAnswer(url, '私信');
    await v.waitForText('哪方面的事');
    expect(api.responses(url)).toHaveLength(1);

    // Slack no longer takes the response_url: the answer goes to the DM.
    const o = new SlackPerson(h, OFFICER).mark();
    const expired = `${api.url}/respond/expired-1`;
    api.expireResponseUrl(expired);
    await h.send(slashCommand({ user: OFFICER, channel: CHANNEL, text: 'help', responseUrl: expired }));
    await o.waitForText('/grid stats');
    expect(api.responses(expired)).toHaveLength(0);

    // Past 30 minutes (the work waited in the queue), nothing is posted to the response_url at all.
    let release = () => {};
    hold = { promise: new Promise<void>((r) => (release = r)), release: () => release() };
    const late = await o.commandIn(CHANNEL, 'help');
    h.clock!.advance(31 * 60_000);
    hold.release();
    await o.waitForText('/grid stats');
    await h.idle();
    expect(api.called('response_url').filter((c) => c.args.url === late)).toHaveLength(0);
  });

  it('refuses a response_url on another host: the answer goes to the DM', async () => {
    const o = new SlackPerson(h, OFFICER).mark();
    await h.send(slashCommand({ user: OFFICER, channel: CHANNEL, text: 'help', responseUrl: 'http://169.254.169.254/latest/meta-data' }));
    await o.waitForText('/grid stats');
    expect(api.called('response_url')).toHaveLength(0);
  });
});

describe('Slack channel: an answer too long for one ephemeral', () => {
  let api: FakeSlackApi;
  beforeAll(async () => {
    api = await FakeSlackApi.start();
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('goes to the DM, and the ephemeral says so in the reader’s language', async () => {
    const client = new webApi.WebClient('xoxb-test-token', { slackApiUrl: `${api.url}/api/`, retryConfig: { retries: 0 } });
    const now = new Date('2026-06-03T10:00:00+08:00');
    const ctx = { now: () => now, logger: testLogger } as never;
    const channel = new SlackChannel(ctx, new SlackApi(client, new ChannelPacer(0)), {} as never);
    const url = `${api.url}/respond/long-1`;
    const text = '数据'.repeat(2000);
    await channel.deliver({ chatId: OFFICER, userId: OFFICER }, { kind: 'message', text, answerTo: { ref: answerRefOf(now, url), locale: 'zh-TW' } });
    const dm = api.called('chat.postMessage');
    expect(dm).toHaveLength(1);
    expect(dm[0]!.args.channel).toBe(OFFICER);
    expect(String(dm[0]!.args.text)).toBe(text);
    const said = api.responses(url);
    expect(said).toHaveLength(1);
    expect(String(said[0]!.args.text)).toContain('私訊');

    // A short one is shown in place, nothing in the DM.
    await channel.deliver({ chatId: OFFICER, userId: OFFICER }, { kind: 'message', text: '好的', answerTo: { ref: answerRefOf(now, url), locale: 'zh-CN' } });
    expect(api.called('chat.postMessage')).toHaveLength(1);
    expect(api.responses(url).map((c) => c.args.text)).toContain('好的');
    // Slack's five posts per response_url: the rest go to the DM.
    for (let i = 0; i < 4; i++) await channel.deliver({ chatId: OFFICER, userId: OFFICER }, { kind: 'message', text: `第${i}条`, answerTo: { ref: answerRefOf(now, url), locale: 'zh-CN' } });
    expect(api.responses(url)).toHaveLength(5);
    expect(api.called('chat.postMessage').map((c) => c.args.text)).toEqual([text, '第3条']);
  });
});
