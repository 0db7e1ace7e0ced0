// 大事/小事, the topic and personal data in Slack: the holder's card carries the villager's phone as a
// tel: link and a button to mark the matter big or small (the choice and the reason asked in the
// DM), and the card shows the size afterwards; a node's channel card leaves out the villager's
// words and name, which a cadre gets privately with one tap ("查看内容").
import { and, eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { intake } from '../../../src/services/intake-service.js';
import { performAction } from '../../../src/services/matter-actions.js';
import { matterEvents, matters, people } from '../../../src/store/schema.js';
import { setAlerts } from '../../support/alert-factories.js';
import { newGridLeader, newOfficer, newTree, newVillager, type PersonRow, type Tree } from '../../support/factories.js';
import { FakeSlackApi, type SlackCall } from '../../support/slack/fake-slack-api.js';
import { buttonPress, messageEvent, slashCommand } from '../../support/slack/signed-requests.js';
import { cardsOf, linkSlack, startSlackHarness, type SlackHarness } from '../../support/slack/slack-harness.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { waitFor } from '../../support/wait.js';

const OFFICER = 'U0OFFICER1';
const OFFICER_DM = FakeSlackApi.dmOf(OFFICER);
const LEADER = 'U0LEADER01';
const CHANNEL = 'C0VILLAGE1';

/** The value of the button labelled `label` in a posted message. */
function buttonValue(call: SlackCall, label: string): string {
  const blocks = (call.args.blocks ?? []) as Array<{ type: string; elements?: Array<{ text?: { text?: string }; value?: string }> }>;
  const b = blocks.flatMap((x) => (x.type === 'actions' ? (x.elements ?? []) : [])).find((e) => e.text?.text === label);
  if (!b?.value) throw new Error(`no button "${label}" in ${FakeSlackApi.textOf(call)}`);
  return b.value;
}

describe('size, topic and personal data in Slack', () => {
  let store: TestStore;
  let api: FakeSlackApi;
  let h: SlackHarness;
  let tree: Tree;
  let officer: PersonRow;
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
    const villager = await newVillager(store.db, tree.unit, '罗秀英', { telegram: '1001' });
    await store.db.update(people).set({ phone: '+86 138-0000-1234' }).where(eq(people.id, villager.id));
  });
  afterEach(async () => {
    await h?.close();
  });

  async function reportedWithCard(text = '村口的桥栏杆断了一截，孩子上学要过桥。') {
    const r = await intake(h.runtime.ctx, { eventId: `telegram:update:${Date.now()}${++seq}`, platform: 'telegram', externalUserId: '1001', kind: 'report', category: 'hazard', text, receivedAt: new Date().toISOString() });
    if (r.status !== 'created') throw new Error(r.status);
    const post = await h.waitCall('chat.postMessage', (c) => c.args.channel === OFFICER && FakeSlackApi.textOf(c).includes(r.matter.ref), 'the card in the officer DM');
    const [card] = await waitFor(async () => ((await cardsOf(store.db, r.matter.id)).length ? cardsOf(store.db, r.matter.id) : null), 'the card recorded');
    return { matter: r.matter, post, card: card! };
  }

  it('the holder\'s card has a tel: link; 定大小事 asks in the DM, takes the reason, and the card shows 大事', async () => {
    const { matter, post, card } = await reportedWithCard();
    const blocks = JSON.stringify(post.args.blocks);
    expect(blocks).toContain('<tel:+8613800001234|+86 138-0000-1234>');
    expect(blocks).toContain('小事');
    expect(blocks).toContain(`mx:mark_size:${matter.ref}`);

    await h.send(buttonPress({ user: OFFICER, channel: OFFICER_DM, messageTs: card.ts, value: `mx:mark_size:${matter.ref}` }));
    const ask = await h.waitCall('chat.postMessage', (c) => c.args.channel === OFFICER && FakeSlackApi.textOf(c).includes('定为大事还是小事'), 'the question in the DM');
    await h.send(buttonPress({ user: OFFICER, channel: OFFICER_DM, messageTs: String(ask.args.ts ?? '1.1'), value: buttonValue(ask, '🔺 大事') }));
    await h.waitCall('chat.postMessage', (c) => c.args.channel === OFFICER && FakeSlackApi.textOf(c).includes('为什么定为大事'), 'the reason asked');
    await h.send(messageEvent({ user: OFFICER, channel: OFFICER_DM, text: '桥是镇里修的，要镇里来加固。' }));
    await h.waitCall('chat.postMessage', (c) => c.args.channel === OFFICER && FakeSlackApi.textOf(c).includes(`事项 ${matter.ref} 已定为大事`), 'the answer');
    const marked = await waitFor(async () => (await store.db.select().from(matters).where(eq(matters.id, matter.id)))[0]!.size === 'big' || null, 'marked big');
    expect(marked).toBe(true);
    const [event] = await store.db.select().from(matterEvents).where(and(eq(matterEvents.matterId, matter.id), eq(matterEvents.action, 'mark_size')));
    expect(event!.note).toBe('桥是镇里修的，要镇里来加固。');
    await h.waitCall('chat.update', (c) => c.args.ts === card.ts && JSON.stringify(c.args.blocks).includes('大事'), 'the card showing 大事');

    // 选专题 from the same card; the cadre's /grid stats counts it under its topic.
    await h.send(buttonPress({ user: OFFICER, channel: OFFICER_DM, messageTs: card.ts, value: `mx:set_topic:${matter.ref}` }));
    const topics = await h.waitCall('chat.postMessage', (c) => c.args.channel === OFFICER && FakeSlackApi.textOf(c).includes(`事项 ${matter.ref} 归哪个专题`), 'the topic list');
    await h.send(buttonPress({ user: OFFICER, channel: OFFICER_DM, messageTs: String(topics.args.ts ?? '1.1'), value: buttonValue(topics, '校园周边') }));
    await h.waitCall('chat.postMessage', (c) => c.args.channel === OFFICER && FakeSlackApi.textOf(c).includes('已归入“校园周边”'), 'the topic set');
    await h.waitCall('chat.update', (c) => c.args.ts === card.ts && JSON.stringify(c.args.blocks).includes('校园周边'), 'the card showing the topic');
    // The flows answer the command in the officer's DM with the app.
    await h.send(slashCommand({ user: OFFICER, channel: OFFICER_DM, text: 'stats', responseUrl: `${api.url}/respond/topic-stats` }));
    const stats = await h.waitCall('chat.postMessage', (c) => c.args.channel === OFFICER && FakeSlackApi.textOf(c).includes('分专题'), 'the answer to /grid stats');
    expect(FakeSlackApi.textOf(stats)).toContain('分专题：校园周边 1 件');
  });

  it('a channel card leaves out the words and the name; 查看内容 sends them privately to a cadre', async () => {
    const leader = await newGridLeader(store.db, tree.village, '张国华');
    await linkSlack(store.db, leader.id, LEADER);
    await setAlerts(store.db, tree.village, { slackChannel: CHANNEL, dm: false });
    const { matter } = await reportedWithCard('后山的石头松了，罗家房子后面。');
    const up = await performAction(h.runtime.ctx, { matter: matter.ref, actorId: officer.id, request: { action: 'escalate', reason: '需要村里出面' } });
    expect(up.ok).toBe(true);
    const alert = await h.waitCall('chat.postMessage', (c) => c.args.channel === CHANNEL && FakeSlackApi.textOf(c).includes(matter.ref), 'the channel card');
    const text = FakeSlackApi.textOf(alert);
    expect(text).not.toContain('后山的石头');
    expect(text).not.toContain('罗秀英');
    expect(text).not.toContain('138');
    expect(text).toContain(`mx:view:${matter.ref}`);

    await h.send(buttonPress({ user: LEADER, channel: CHANNEL, messageTs: String(alert.args.ts ?? '1.1'), value: `mx:view:${matter.ref}` }));
    const words = await h.waitCall('chat.postMessage', (c) => (c.args.channel === LEADER || c.args.channel === FakeSlackApi.dmOf(LEADER)) && FakeSlackApi.textOf(c).includes('【群众原话】'), 'the words in the cadre DM');
    expect(FakeSlackApi.textOf(words)).toContain('后山的石头松了');
    await h.waitCall('chat.postEphemeral', (c) => c.args.user === LEADER && String(c.args.text).includes('已私信发给您'), 'the notice where pressed');
    // Nothing with the words went to the channel.
    expect(api.called('chat.postMessage').filter((c) => c.args.channel === CHANNEL).some((c) => FakeSlackApi.textOf(c).includes('后山的石头'))).toBe(false);
  });
});
