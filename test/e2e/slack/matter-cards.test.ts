// Officers work matters from Slack cards while the villager stays on Telegram: signed requests to
// the app's own HTTP server, the Web API pointed at a local stand-in that records every call.
import { and, eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { intake } from '../../../src/services/intake-service.js';
import { performAction } from '../../../src/services/matter-actions.js';
import { deliveries, matterEvents, matters, messages } from '../../../src/store/schema.js';
import { newBackup, newOfficer, newTree, newVillager, type PersonRow, type Tree } from '../../support/factories.js';
import { FakeSlackApi } from '../../support/slack/fake-slack-api.js';
import { buttonPress, messageEvent } from '../../support/slack/signed-requests.js';
import { cardsOf, linkSlack, startSlackHarness, type SlackHarness } from '../../support/slack/slack-harness.js';
import { SlackPerson } from '../../support/slack/slack-person.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { waitFor } from '../../support/wait.js';

const OFFICER = 'U0OFFICER1';
const OFFICER_DM = FakeSlackApi.dmOf(OFFICER);
const BACKUP = 'U0BACKUP01';

describe('matter cards in Slack', () => {
  let store: TestStore;
  let api: FakeSlackApi;
  let h: SlackHarness;
  let tree: Tree;
  let officer: PersonRow;
  let villager: PersonRow;
  let seq = 0;

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
    h = await startSlackHarness(store, api);
    tree = await newTree(store.db);
    officer = await newOfficer(store.db, tree.unit, '李冬梅');
    await linkSlack(store.db, officer.id, OFFICER);
    villager = await newVillager(store.db, tree.unit, '罗秀英', { telegram: '1001' });
  });
  afterEach(async () => {
    await h?.close();
  });

  const matterRow = async (id: string) => (await store.db.select().from(matters).where(eq(matters.id, id)))[0]!;

  /** A villager's report on Telegram, routed to the officer, whose card lands in their Slack DM. */
  async function reportedWithCard(text = '邻居在我家田边堆柴草，说了不听。') {
    const r = await intake(h.runtime.ctx, { eventId: `telegram:update:${Date.now()}${++seq}`, platform: 'telegram', externalUserId: '1001', kind: 'report', category: 'dispute', text, receivedAt: h.runtime.ctx.now().toISOString() });
    if (r.status !== 'created') throw new Error(r.status);
    const post = await h.waitCall('chat.postMessage', (c) => c.args.channel === OFFICER && FakeSlackApi.textOf(c).includes(r.matter.ref), 'the card in the officer DM');
    const [card] = await waitFor(async () => {
      const cards = await cardsOf(store.db, r.matter.id);
      return cards.length ? cards : null;
    }, 'the card to be recorded');
    return { matter: r.matter, post, card: card! };
  }

  it('takes, replies in the thread, hears the villager, keeps notes inside, and settles in a modal', async () => {
    const { matter, post, card } = await reportedWithCard();
    expect(card.channel).toBe(OFFICER_DM);
    const blocks = JSON.stringify(post.args.blocks);
    expect(blocks).toContain('邻居在我家田边堆柴草'); // the villager's words
    expect(blocks).toContain('分流'); // the step
    expect(blocks).toContain('mx:take:'); // the buttons
    expect(post.token).toBe('xoxb-test-token');

    // 接单 from the card: the villager hears it on Telegram, the card shows the new step in place.
    expect((await h.send(buttonPress({ user: OFFICER, channel: OFFICER_DM, messageTs: card.ts, value: `mx:take:${matter.ref}` }))).status).toBe(200);
    await waitFor(async () => (await matterRow(matter.id)).step === 'handle', 'the matter to be taken');
    await waitFor(() => h.telegram.to('1001').some((t) => t.includes('已由') && t.includes('李冬梅')), 'the villager to hear it was taken');
    const updated = await h.waitCall('chat.update', (c) => c.args.ts === card.ts && FakeSlackApi.textOf(c).includes('处置'), 'the card updated in place');
    expect(updated.args.channel).toBe(OFFICER_DM);
    expect(JSON.stringify(updated.args.blocks)).not.toContain('mx:take:');

    // A reply in the card's thread reaches the villager with the officer's name and role.
    const reply = messageEvent({ user: OFFICER, channel: OFFICER_DM, threadTs: card.ts, text: '我下午两点到现场看看，请在家等我。' });
    expect((await h.send(reply)).status).toBe(200);
    const relayed = await waitFor(() => h.telegram.to('1001').find((t) => t.includes('我下午两点到现场看看')), 'the reply on Telegram');
    expect(relayed).toContain('李冬梅');
    expect(relayed).toContain('第三组专职网格员');
    // The flows say it was sent, in the officer's DM.
    await h.waitCall('chat.postMessage', (c) => c.args.channel === OFFICER && !c.args.thread_ts && String(c.args.text).includes('已发给群众'));
    await h.waitCall('chat.update', (c) => c.args.ts === card.ts && FakeSlackApi.textOf(c).includes('跟踪'), 'the card at 跟踪');

    // The villager answers on Telegram: it appears in the card's thread.
    const added = await performAction(h.runtime.ctx, { matter: matter.ref, actorId: villager.id, request: { action: 'add_info', text: '柴草是刘家的，堆了半个月了。' } });
    expect(added.ok).toBe(true);
    const inThread = await h.waitCall('chat.postMessage', (c) => c.args.thread_ts === card.ts && FakeSlackApi.textOf(c).includes('柴草是刘家的'), 'the villager answer in the thread');
    expect(inThread.args.channel).toBe(OFFICER_DM);

    // note: stays inside — never relayed to the villager.
    const before = h.telegram.sent.length;
    const deliveriesBefore = (await store.db.select().from(deliveries).where(eq(deliveries.personId, villager.id))).length;
    const note = messageEvent({ user: OFFICER, channel: OFFICER_DM, threadTs: card.ts, text: 'note: 刘家脾气急，明天和村主任一起去。' });
    await h.send(note);
    const noteNote = messageEvent({ user: OFFICER, channel: OFFICER_DM, threadTs: card.ts, text: '备注：先别告诉罗家赔偿的事。' });
    await h.send(noteNote);
    await waitFor(async () => (await store.db.select().from(messages).where(and(eq(messages.matterId, matter.id), eq(messages.direction, 'internal')))).length === 2, 'both notes kept');
    await waitFor(() => api.called('chat.postMessage').filter((c) => c.args.channel === OFFICER && String(c.args.text) === '已记录。').length === 2, 'both notes acknowledged');
    await h.idle();
    expect(h.telegram.sent.length).toBe(before);
    expect(h.telegram.sent.some((s) => s.message.text.includes('刘家脾气急') || s.message.text.includes('赔偿的事'))).toBe(false);
    expect((await store.db.select().from(deliveries).where(eq(deliveries.personId, villager.id))).length).toBe(deliveriesBefore);
    const internal = await store.db.select().from(messages).where(and(eq(messages.matterId, matter.id), eq(messages.direction, 'internal')));
    expect(internal.map((m) => m.text).sort()).toEqual(['先别告诉罗家赔偿的事。', '刘家脾气急，明天和村主任一起去。']);

    // 办结: the button asks for the result in the DM; its 填写 button opens a modal for it.
    const o = new SlackPerson(h, OFFICER).mark();
    await h.send(buttonPress({ user: OFFICER, channel: OFFICER_DM, messageTs: card.ts, value: `mx:settle:${matter.ref}` }));
    await o.waitForText('办理结果');
    await o.answerInModal('填写', '已到现场协调，刘家当天把柴草搬走了。');
    await waitFor(async () => (await matterRow(matter.id)).state === 'settled', 'the matter to be settled');
    const settled = await waitFor(() => h.telegram.to('1001').find((t) => t.includes('已办结')), 'the villager to hear the result');
    expect(settled).toContain('刘家当天把柴草搬走了');
    const final = await h.waitCall('chat.update', (c) => c.args.ts === card.ts && FakeSlackApi.textOf(c).includes('已办结'), 'the card showing it settled');
    expect(JSON.stringify(final.args.blocks)).toContain('刘家当天把柴草搬走了');
    expect(JSON.stringify(final.args.blocks)).not.toContain('mx:settle:');
  });

  it('refuses a press by someone without the right, with an ephemeral message, and changes nothing', async () => {
    const backup = await newBackup(store.db, tree.unit, '刘建国');
    await linkSlack(store.db, backup.id, BACKUP);
    const { matter, card } = await reportedWithCard();
    // The backup officer of the same grid forges the officer's 接单 button.
    await h.send(buttonPress({ user: BACKUP, channel: FakeSlackApi.dmOf(BACKUP), messageTs: card.ts, value: `mx:take:${matter.ref}` }));
    const refusal = await h.waitCall('chat.postEphemeral', (c) => c.args.user === BACKUP, 'the refusal');
    expect(String(refusal.args.text)).toContain('这一步您没有权限操作');
    // Someone unknown to the roster learns nothing.
    await h.send(buttonPress({ user: 'U0STRANGER', channel: 'D0STRANGER', messageTs: '1.1', value: `mx:settle:${matter.ref}` }));
    const stranger = await h.waitCall('chat.postEphemeral', (c) => c.args.user === 'U0STRANGER', 'the stranger refusal');
    expect(String(stranger.args.text)).toContain('找不到这个事项');
    expect(api.called('views.open')).toHaveLength(0);
    expect(api.called('chat.postMessage').filter((c) => c.args.channel === 'U0STRANGER' || c.args.channel === BACKUP)).toHaveLength(0);
    const m = await matterRow(matter.id);
    expect(m.step).toBe('dispatch');
    expect(m.assigneeId).toBe(officer.id);
  });

  it('handles a retried event once', async () => {
    const { matter, card } = await reportedWithCard();
    const reply = messageEvent({ user: OFFICER, channel: OFFICER_DM, threadTs: card.ts, text: '收到，马上处理。' });
    expect((await h.send(reply)).status).toBe(200);
    // Slack did not hear our 200 in time and sends the same event again, twice.
    const retry = { ...reply, headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } };
    expect((await h.send(retry)).status).toBe(200);
    expect((await h.send({ ...reply, headers: { 'x-slack-retry-num': '2', 'x-slack-retry-reason': 'http_timeout' } })).status).toBe(200);
    await waitFor(() => h.telegram.to('1001').some((t) => t.includes('收到，马上处理')), 'the reply');
    await h.idle();
    expect(h.telegram.to('1001').filter((t) => t.includes('收到，马上处理'))).toHaveLength(1);
    const replies = await store.db.select().from(matterEvents).where(and(eq(matterEvents.matterId, matter.id), eq(matterEvents.action, 'reply')));
    expect(replies).toHaveLength(1);
  });
});
