// The whistle, whole, from Slack: the holder who blew it hears each department's sign-off in
// their DM, a settle press while a department still works is refused at once naming it, and each
// department's part is rated 1–5 from the sign-off's button, with a word typed in the DM.
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { intake } from '../../../src/services/intake-service.js';
import { performAction } from '../../../src/services/matter-actions.js';
import { summons } from '../../../src/store/schema.js';
import { newDepartmentWithLiaison } from '../../support/alert-factories.js';
import { newOfficer, newPerson, newTree, newVillager } from '../../support/factories.js';
import { FakeSlackApi } from '../../support/slack/fake-slack-api.js';
import { buttonPress } from '../../support/slack/signed-requests.js';
import { linkSlack, startSlackHarness, type SlackHarness } from '../../support/slack/slack-harness.js';
import { SlackPerson } from '../../support/slack/slack-person.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { waitFor } from '../../support/wait.js';

const TOWN = 'U0TOWN0002';
const OFFICER = 'U0OFFICER2';

describe('rating departments from Slack', () => {
  let store: TestStore;
  let api: FakeSlackApi;
  let h: SlackHarness;

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
  });
  afterEach(async () => {
    await h?.close();
  });

  it('refuses the early settle press naming the department at work, and rates each part after its sign-off', async () => {
    const tree = await newTree(store.db);
    const officer = await newOfficer(store.db, tree.unit, '李冬梅');
    await linkSlack(store.db, officer.id, OFFICER);
    const town = await newPerson(store.db, { name: '何建军', role: 'grid_leader', at: tree.township, title: '湖泽镇网格长' });
    await linkSlack(store.db, town.id, TOWN);
    await newVillager(store.db, tree.unit, '罗秀英', { telegram: '1001' });
    const farm = await newDepartmentWithLiaison(store.db, { code: 'nongban', name: '湖泽镇农业农村办', at: tree.township, liaison: '周明', telegram: '5001' });
    const water = await newDepartmentWithLiaison(store.db, { code: 'shuili', name: '湖泽镇水利站', at: tree.township, liaison: '吴海', telegram: '5002' });
    const r = await intake(h.runtime.ctx, { eventId: `telegram:update:w${Date.now()}`, platform: 'telegram', externalUserId: '1001', kind: 'report', category: 'help', size: 'big', text: '山塘堤坝渗水，下游有五户人家。', receivedAt: new Date().toISOString() });
    if (r.status !== 'created') throw new Error(r.status);
    h.runtime.ctx.outboxWritten();
    const ref = r.matter.ref;
    // The township holds it and has whistled both departments (both done from chat in the Telegram suite).
    await waitFor(async () => (await performAction(h.runtime.ctx, { matter: ref, actorId: town.id, request: { action: 'transfer', toPersonId: town.id } })).ok || null, 'the takeover');
    expect((await performAction(h.runtime.ctx, { matter: ref, actorId: town.id, request: { action: 'take' } })).ok).toBe(true);
    expect((await performAction(h.runtime.ctx, { matter: ref, actorId: town.id, request: { action: 'whistle', departments: ['nongban', 'shuili'], reason: '堤坝渗水，请农办、水利站到场' } })).ok).toBe(true);
    expect((await performAction(h.runtime.ctx, { matter: ref, actorId: farm.liaison.id, request: { action: 'sign_off', department: 'nongban', note: '下游农田没有受淹。' } })).ok).toBe(true);
    h.runtime.ctx.outboxWritten();

    // Relieved by the township's takeover, the officer still helps on it: `/grid mine` says so.
    const o = new SlackPerson(h, OFFICER);
    await o.command('mine');
    // The flows answer the command in the person's DM with the app.
    const mine = await o.waitForText('您协助办理的事项（1 件）');
    expect(mine.text).toMatch(new RegExp(`您协助办理的事项（1 件）[\\s\\S]*${ref}`));

    const t = new SlackPerson(h, TOWN);
    const signedOff = await t.waitForText('【部门办结】湖泽镇农业农村办');
    expect(signedOff.buttons.map((b) => b.label)).toContain('评价湖泽镇农业农村办');

    // 办结 now: refused at the press, before any modal, naming the station.
    const opened = api.called('views.open').length;
    await h.send(buttonPress({ user: TOWN, channel: t.dm, messageTs: signedOff.ts, value: `mx:settle:${ref}` }));
    const refusal = await waitFor(() => t.ephemerals().find((x) => x.includes('湖泽镇水利站')) ?? null, 'the refusal naming the station');
    expect(refusal).not.toContain('湖泽镇农业农村办');
    expect(api.called('views.open').length).toBe(opened);

    // The farm office's part: 5, with a word written in the modal.
    t.mark();
    await t.press('评价湖泽镇农业农村办');
    await t.waitForText('请为湖泽镇农业农村办在事项');
    await t.press('5 分 · 很好');
    await t.waitForText('想对这个部门说句话吗');
    // A step that may be skipped shows its skip button; the word is typed in the DM.
    await t.say('来得快，查得细。');
    await t.waitForText('已为湖泽镇农业农村办在事项');

    // The station signs off; its part gets a 4 without a word.
    expect((await performAction(h.runtime.ctx, { matter: ref, actorId: water.liaison.id, request: { action: 'sign_off', department: 'shuili', note: '渗水点已封堵。' } })).ok).toBe(true);
    h.runtime.ctx.outboxWritten();
    await t.waitForText('【部门办结】湖泽镇水利站');
    t.mark();
    await t.press('评价湖泽镇水利站');
    await t.waitForText('请为湖泽镇水利站在事项');
    await t.press('4 分 · 较好');
    await t.waitForText('想对这个部门说句话吗');
    await t.press('跳过');
    await t.waitForText('已为湖泽镇水利站在事项');

    const rows = await store.db.select().from(summons).where(eq(summons.matterId, r.matter.id));
    expect(rows.map((x) => [x.departmentId === farm.dept.id ? 'nongban' : 'shuili', x.rating, x.ratedById]).sort()).toEqual([
      ['nongban', 5, town.id],
      ['shuili', 4, town.id],
    ]);
  }, 120_000);
});
