// /grid stats from a township cadre's side in Slack: the figures for a period chosen with a
// button or typed equal `gridline stats --json` for the same days; a question the FAQ answered in
// a Slack DM (答疑) and an errand the officer filed from Slack (代办) are counted; bad days refused.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { insertFaqEntries } from '../../../src/store/repositories/roster-repository.js';
import { faqAnswers } from '../../../src/store/schema.js';
import { newOfficer, newPerson, newTree, newVillager, type Tree } from '../../support/factories.js';
import { FakeSlackApi } from '../../support/slack/fake-slack-api.js';
import { linkSlack, startSlackHarness, type SlackHarness } from '../../support/slack/slack-harness.js';
import { SlackPerson } from '../../support/slack/slack-person.js';
import { cliStats, missingLines, seedHistory } from '../../support/stats-seed.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { waitFor } from '../../support/wait.js';

describe('/grid stats in Slack', () => {
  let store: TestStore;
  let api: FakeSlackApi;
  let h: SlackHarness;
  let tree: Tree;

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
  });
  afterEach(async () => {
    await h?.close();
  });

  it('shows the CLI’s figures for this month and for typed days, with 答疑 and 代办 done in Slack', async () => {
    const officer = await newOfficer(store.db, tree.unit, '李冬梅');
    const villager = await newVillager(store.db, tree.unit, '王秀英');
    await newVillager(store.db, tree.unit, '罗秀英');
    const cadre = await newPerson(store.db, { name: '周文华', role: 'cadre', at: tree.township, title: '湖泽镇党委副书记' });
    for (const [p, u] of [[officer, 'U0OFFICER1'], [villager, 'U0VILLAGE1'], [cadre, 'U0CADRE001']] as const) await linkSlack(store.db, p.id, u);
    await insertFaqEntries(store.db, [{ code: 'dibao', question: '怎么申请低保？', answer: '由本人或家属向村委会提出申请，带上户口簿、身份证和家庭收入情况说明。', keywords: ['低保', '最低生活保障'] }]);
    const o = new SlackPerson(h, 'U0OFFICER1');
    const v = new SlackPerson(h, 'U0VILLAGE1');
    const c = new SlackPerson(h, 'U0CADRE001');

    // 答疑 in a Slack DM.
    v.mark();
    await v.command('ask 低保怎么申请');
    await v.waitForText('【怎么申请低保？】');
    await v.press('👍 有帮助，谢谢');
    await v.waitForText('能帮上忙就好');
    await waitFor(async () => ((await store.db.select().from(faqAnswers)).length === 1 ? true : null), 'the answer recorded');

    // 代办 from Slack.
    o.mark();
    await o.command('patrol');
    await o.press('👵 替村民反映');
    await o.press('罗秀英（第三组）');
    await o.press('🙋 生活求助');
    await o.waitForText('请说一说是什么事');
    await o.say('罗奶奶想办养老金资格认证，腿脚不便。');
    await o.press('✅ 说完了');
    await o.waitForText('事情发生在哪里');
    await o.say('跳过');
    await o.press('📨 提交');
    await o.waitForText('已为罗秀英登记，受理编号');
    await h.idle();
    // The history written straight to the store, after chat has numbered its matters.
    await seedHistory(store.db, tree, { officer, villager });

    c.mark();
    await c.command('stats');
    const all = await c.waitForText('全部时间');
    expect(all.buttons.map((b) => b.label)).toEqual(expect.arrayContaining(['本月', '上月', '今年', '全部时间', '📅 自选日期']));
    await c.press('本月');
    const june = await c.waitForText('本月（2026-06-01 至 2026-06-30）');
    const juneCli = await cliStats(store.url!, '--grid', tree.township.code, '--from', '2026-06-01', '--to', '2026-06-30');
    expect(missingLines(june.text, juneCli)).toEqual([]);
    expect(juneCli).toMatchObject({ faqAnswers: 1, errands: 1 });
    expect(june.text).toContain('答疑 1 次　代办 1 件');
    expect(june.text).toContain('　县水利局：吹哨 1 次，报到 1 次（迟到 0 次），销号 1 次，平均评分 4.5（评了 2 次）');

    await c.command('stats 2026/5/1-2026/5/31');
    const may = await c.waitForText('2026-05-01 至 2026-05-31');
    const mayCli = await cliStats(store.url!, '--grid', tree.township.code, '--from', '2026-05-01', '--to', '2026-05-31');
    expect(missingLines(may.text, mayCli)).toEqual([]);
    expect(may.text).toContain('　县水利局：吹哨 1 次，报到 1 次（迟到 0 次），销号 0 次，平均评分 3.0（评了 1 次）');

    await c.command('stats 2026-13-01');
    await c.waitForText('“2026-13-01”不是有效的日期');
    await c.command('stats 2026-06-30 2026-06-01');
    await c.waitForText('起始日期 2026-06-30 晚于截止日期 2026-06-01');
  }, 240_000);
});
