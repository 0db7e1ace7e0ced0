// The cadres' side in Slack: the morning digest names `/grid stats` (the command as Slack writes
// it), to a cadre's DM and to a node's channel; `/grid leave` answers with `/grid back`, an unknown
// word with `/grid help`; and the evening sweep in a node's channel carries no villager's words.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eveningSweep, morningDigest } from '../../../src/services/daily-alerts.js';
import { intake } from '../../../src/services/intake-service.js';
import { performAction } from '../../../src/services/matter-actions.js';
import { setAlerts } from '../../support/alert-factories.js';
import { newGridLeader, newOfficer, newTree, newVillager, type Tree } from '../../support/factories.js';
import { FakeSlackApi } from '../../support/slack/fake-slack-api.js';
import { slashCommand } from '../../support/slack/signed-requests.js';
import { linkSlack, startSlackHarness, type SlackHarness } from '../../support/slack/slack-harness.js';
import { SlackPerson } from '../../support/slack/slack-person.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { waitFor } from '../../support/wait.js';

const SH = 'Asia/Shanghai';
const OFFICER = 'U0OFFICER1';
const TOWN = 'U0TOWN0001';
const VILLAGE_CHANNEL = 'C0SHUICHUAN';

describe('commands named as Slack writes them', () => {
  let store: TestStore;
  let api: FakeSlackApi;
  let h: SlackHarness;
  let tree: Tree;
  let responses = 0;
  let officerId = '';

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
    officerId = (await newOfficer(store.db, tree.unit, '李冬梅')).id;
    await linkSlack(store.db, officerId, OFFICER);
    await linkSlack(store.db, (await newGridLeader(store.db, tree.township, '何建军')).id, TOWN);
    await newVillager(store.db, tree.unit, '罗秀英', { telegram: '1001' });
    await setAlerts(store.db, tree.village, { slackChannel: VILLAGE_CHANNEL, dm: false });
  });
  afterEach(async () => {
    await h?.close();
  });

  /** Whatever the bot said anywhere (a DM, a channel, a response_url) that contains `marker`. */
  const said = (marker: string) => waitFor(() => api.calls.map((c) => FakeSlackApi.textOf(c)).find((t) => t.includes(marker)) ?? null, `a message with "${marker}"`);
  const inChannel = (channel: string, marker: string) =>
    waitFor(() => api.called('chat.postMessage').find((c) => c.args.channel === channel && String(c.args.text).includes(marker)) ?? null, `"${marker}" in ${channel}`);

  it('the morning digest says /grid stats, to a cadre and in a node’s channel', async () => {
    await morningDigest(h.runtime.ctx, SH);
    const town = await waitFor(() => new SlackPerson(h, TOWN).messages().find((m) => m.text.includes('【每日简报】湖泽镇')) ?? null, 'the township digest in the cadre’s DM');
    expect(town.text).toContain('完整的统计数据：发送 /grid stats 查看');
    const channel = await inChannel(VILLAGE_CHANNEL, '【每日简报】水川村');
    expect(String(channel.args.text)).toContain('发送 /grid stats 查看');
    for (const text of [town.text, String(channel.args.text)]) expect(text).not.toMatch(/(^|[^d] )\/stats/);
  });

  it('/grid leave answers with /grid back; an unknown word with /grid help', async () => {
    await h.send(slashCommand({ user: OFFICER, channel: FakeSlackApi.dmOf(OFFICER), text: 'leave', responseUrl: `${api.url}/respond/${++responses}` }));
    expect(await said('已为您登记请假')).toContain('回来后发 /grid back。');
    await h.send(slashCommand({ user: OFFICER, channel: FakeSlackApi.dmOf(OFFICER), text: 'nosuch', responseUrl: `${api.url}/respond/${++responses}` }));
    expect(await said('这个指令')).toContain('我不认识 /grid nosuch 这个指令。发送 /grid help 看看我能做什么。');
  });

  it('the evening sweep in a node’s channel carries no villager’s words', async () => {
    const words = '两家为排水沟争执，要动手了';
    const r = await intake(h.runtime.ctx, { eventId: 'telegram:update:cmdnames1', platform: 'telegram', externalUserId: '1001', kind: 'report', category: 'dispute', text: words, receivedAt: h.runtime.ctx.now().toISOString() });
    if (r.status !== 'created') throw new Error(r.status);
    await h.idle();
    await eveningSweep(h.runtime.ctx, SH);
    const sweep = await inChannel(VILLAGE_CHANNEL, '【纠纷不过夜】');
    expect(String(sweep.args.text)).toContain(r.matter.ref);
    const town = await waitFor(() => new SlackPerson(h, TOWN).messages().find((m) => m.text.includes('【纠纷不过夜】湖泽镇')) ?? null, 'the township sweep');
    expect(town.text).toContain('· 水川村 1 件');
    await h.idle();
    for (const c of api.called('chat.postMessage').filter((x) => x.args.channel === VILLAGE_CHANNEL)) expect(FakeSlackApi.textOf(c)).not.toContain(words);
    expect(town.text).not.toContain(words);
  });

  it('a matter’s card in a node’s channel shows neither the villager’s words nor the result’s, before or after it is settled', async () => {
    const words = '隔壁把猪圈搭到了我家门口';
    const result = '已协调罗秀英家和邻居，猪圈三天内拆除';
    const r = await intake(h.runtime.ctx, { eventId: 'telegram:update:cmdnames2', platform: 'telegram', externalUserId: '1001', kind: 'report', category: 'dispute', text: words, receivedAt: h.runtime.ctx.now().toISOString() });
    if (r.status !== 'created') throw new Error(r.status);
    await h.idle();
    expect((await performAction(h.runtime.ctx, { matter: r.matter.ref, actorId: officerId, request: { action: 'take' } })).ok).toBe(true);
    expect((await performAction(h.runtime.ctx, { matter: r.matter.ref, actorId: officerId, request: { action: 'escalate', reason: '两家都不听劝' } })).ok).toBe(true);
    await inChannel(VILLAGE_CHANNEL, r.matter.ref);
    await h.idle();
    expect((await performAction(h.runtime.ctx, { matter: r.matter.ref, actorId: officerId, request: { action: 'settle', result } })).ok).toBe(true);
    await waitFor(() => api.called('chat.update').find((c) => c.args.channel === VILLAGE_CHANNEL) ?? null, 'the channel card redrawn');
    await h.idle();
    const inVillage = api.calls.filter((c) => c.args.channel === VILLAGE_CHANNEL).map((c) => FakeSlackApi.textOf(c));
    expect(inVillage.length).toBeGreaterThan(1);
    for (const t of inVillage) for (const secret of [words, result, '两家都不听劝', '罗秀英']) expect(t).not.toContain(secret);
    // The officer's own card does show them (the test would see a leak).
    expect(api.calls.filter((c) => c.args.channel === OFFICER || c.args.channel === FakeSlackApi.dmOf(OFFICER)).map((c) => FakeSlackApi.textOf(c)).join('\n')).toContain(words);
  });
});
