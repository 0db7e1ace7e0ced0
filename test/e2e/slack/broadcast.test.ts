// The same /broadcast on Slack: a bare `/grid broadcast` opens a modal (words, place, people,
// button, when), refused beside its fields when blank, whose submission brings the preview with
// its count and the confirm button to the DM; with the words after it (`/grid broadcast 今晚…`) the
// cadre composes in the DM. Either way they watch one progress message updated in place to the
// end; the villagers on Slack get the notice with its buttons; one presses 不再接收通知 and gets
// no second notice. The modal also takes the words in the other languages and narrows to the
// people using one language; the preview and the release follow them.
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { broadcasts, people } from '../../../src/store/schema.js';
import { newPerson, newTree, newVillager, type Tree } from '../../support/factories.js';
import { FakeSlackApi } from '../../support/slack/fake-slack-api.js';
import { linkSlack, startSlackHarness, type SlackHarness } from '../../support/slack/slack-harness.js';
import { SlackPerson } from '../../support/slack/slack-person.js';
import { viewSubmission } from '../../support/slack/signed-requests.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { waitFor } from '../../support/wait.js';

describe('/grid broadcast in Slack', () => {
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

  async function compose(c: SlackPerson, words: string): Promise<void> {
    c.mark();
    // With the words after it, /grid broadcast composes in the DM (bare, it opens the modal).
    await c.command(`broadcast ${words}`);
    await c.waitForText('要不要配一张图片');
    await c.press('跳过');
    await c.waitForText('发给哪里的人');
    await c.press('水川村');
    await c.waitForText('发给哪些人');
    await c.press('村民');
    await c.waitForText('要不要加个按钮');
    await c.press('👌 收到');
    await c.waitForText('什么时候发');
    await c.press('⚡ 现在就发');
    await c.waitForText('请再看一遍');
    await c.press('✅ 确认发送');
  }

  it('/grid broadcast opens the modal; a blank one is refused beside its field; submitted, the preview with its count comes in the DM and, confirmed, the villagers get it', async () => {
    const cadre = await newPerson(store.db, { name: '周文华', role: 'cadre', at: tree.village, title: '水川村党支部书记' });
    const v1 = await newVillager(store.db, tree.unit, '王秀英');
    const v2 = await newVillager(store.db, tree.otherUnit, '罗秀英');
    for (const [p, u] of [[cadre, 'U0CADRE001'], [v1, 'U0VILLAGE1'], [v2, 'U0VILLAGE2']] as const) await linkSlack(store.db, p.id, u);
    const c = new SlackPerson(h, 'U0CADRE001');
    const a = new SlackPerson(h, 'U0VILLAGE1');

    c.mark();
    await c.command('broadcast');
    const opened = await waitFor(() => api.called('views.open')[0] ?? null, 'the broadcast modal opened');
    const view = opened.args.view as { callback_id: string; blocks: Array<{ block_id: string; element: { options?: Array<{ value: string; text: { text: string } }> } }> };
    // The words, then the same in the two other languages (optional), …, only those using one language.
    expect(view.blocks.map((b) => b.block_id)).toEqual(['text', 'version_zh-TW', 'version_en', 'place', 'who', 'lang', 'button', 'when', 'at']);
    const optionsOf = (block: string) => view.blocks.find((b) => b.block_id === block)!.element.options!;
    expect(optionsOf('place').map((o) => o.text.text)).toEqual(expect.arrayContaining(['水川村', '第三组', '第四组']));
    expect(optionsOf('when').map((o) => o.text.text)).toContain('🎉 每年过节时发：中秋节（八月十五）');
    const place = optionsOf('place').find((o) => o.text.text === '水川村')!.value;
    // Nothing was said in the DM: the modal is the answer.
    expect(c.messages()).toHaveLength(0);

    // Blank words, and a time that is not one: refused beside the fields, in her language.
    const blank = await h.send(viewSubmission({ user: c.userId, view: opened.args.view as Record<string, any>, values: { text: '  ', place: { selected: place }, who: { selected: 'residents' }, button: { selected: 'ack' }, when: { selected: 'now' }, at: '明天吧' } }));
    expect(await blank.json()).toEqual({ response_action: 'errors', errors: { text: '请写上通知内容。', at: expect.stringContaining('没看懂这个时间') } });

    const sent = await h.send(
      viewSubmission({ user: c.userId, view: opened.args.view as Record<string, any>, values: { text: '端午节快乐！今晚七点村委会门口放电影。', place: { selected: place }, who: { selected: 'residents' }, button: { selected: 'ack' }, when: { selected: 'now' }, at: '' } }),
    );
    expect(sent.status).toBe(200);
    const preview = await c.waitForText('请再看一遍');
    expect(preview.text).toContain('端午节快乐！今晚七点村委会门口放电影。');
    expect(preview.text).toContain('发给：水川村的村民，共 2 人。');
    expect(a.messages().some((m) => m.text.includes('端午节快乐'))).toBe(false);
    await c.press('✅ 确认发送');
    await c.waitForText('📢 通知开始发送，共 2 人');
    const got = await a.waitForText('端午节快乐！');
    expect(got.buttons.flat().map((x) => x.label)).toEqual(['👌 收到', '🔕 不再接收通知']);
    await c.waitForText('通知发完了', 30_000);
  }, 120_000);

  it('the modal’s English version reaches the English reader; narrowed to English, only she is counted and sent it', async () => {
    const cadre = await newPerson(store.db, { name: '周文华', role: 'cadre', at: tree.village, title: '水川村党支部书记' });
    const v1 = await newVillager(store.db, tree.unit, '王秀英');
    const v2 = await newVillager(store.db, tree.otherUnit, 'Maria Lopez', { locale: 'en' });
    for (const [p, u] of [[cadre, 'U0CADRE001'], [v1, 'U0VILLAGE1'], [v2, 'U0VILLAGE2']] as const) await linkSlack(store.db, p.id, u);
    const c = new SlackPerson(h, 'U0CADRE001');
    const a = new SlackPerson(h, 'U0VILLAGE1');
    const b = new SlackPerson(h, 'U0VILLAGE2');
    const words = '周六上午卫生院免费体检。';
    const english = 'Free health checks at the clinic on Saturday morning.';

    const submit = async (lang: string) => {
      c.mark();
      const before = api.called('views.open').length;
      await c.command('broadcast');
      const opened = await waitFor(() => api.called('views.open')[before] ?? null, 'the broadcast modal opened');
      const view = opened.args.view as { blocks: Array<{ block_id: string; element: { options?: Array<{ value: string; text: { text: string } }> } }> };
      const optionsOf = (block: string) => view.blocks.find((x) => x.block_id === block)!.element.options!;
      expect(optionsOf('lang').map((o) => o.text.text)).toEqual(['全部，不分语言', '简体中文', '繁體中文', 'English']);
      const place = optionsOf('place').find((o) => o.text.text === '水川村')!.value;
      const sent = await h.send(
        viewSubmission({
          user: c.userId,
          view: opened.args.view as Record<string, any>,
          values: { text: words, 'version_zh-TW': '', version_en: english, place: { selected: place }, who: { selected: 'residents' }, lang: { selected: lang }, button: { selected: 'none' }, when: { selected: 'now' }, at: '' },
        }),
      );
      expect(sent.status).toBe(200);
      return c.waitForText('请再看一遍');
    };

    const preview = await submit('all');
    expect(preview.text).toContain(`🌐 English版本：\n${english}`);
    expect(preview.text).toContain('各版本收到的人数：简体中文 1 人、English 1 人。');
    expect(preview.text).toContain('发给：水川村的村民，共 2 人。');
    await c.press('✅ 确认发送');
    await c.waitForText('📢 通知开始发送，共 2 人');
    expect((await b.waitForText(english)).text).not.toContain(words);
    expect((await a.waitForText(words)).text).not.toContain(english);
    await c.waitForText('通知发完了', 30_000);

    const narrowed = await submit('en');
    expect(narrowed.text).toContain('发给：水川村的村民里用English的人，共 1 人。');
    expect(narrowed.text).toContain('各版本收到的人数：简体中文 0 人、English 1 人。');
    await c.press('✅ 确认发送');
    await c.waitForText('📢 通知开始发送，共 1 人');
    await waitFor(() => b.messages().filter((m) => m.text.includes(english)).length === 2, 'her second copy');
    await c.waitForText('通知发完了', 30_000);
    expect(a.messages().filter((m) => m.text.includes(words))).toHaveLength(1);
    const rows = await store.db.select().from(broadcasts);
    expect(rows.map((r) => r.locale).sort()).toEqual(['en', null].sort());
  }, 120_000);

  it('composes, confirms and counts up in place; a villager who presses 不再接收通知 gets no second notice', async () => {
    const cadre = await newPerson(store.db, { name: '周文华', role: 'cadre', at: tree.village, title: '水川村党支部书记' });
    const v1 = await newVillager(store.db, tree.unit, '王秀英');
    const v2 = await newVillager(store.db, tree.otherUnit, '罗秀英');
    for (const [p, u] of [[cadre, 'U0CADRE001'], [v1, 'U0VILLAGE1'], [v2, 'U0VILLAGE2']] as const) await linkSlack(store.db, p.id, u);
    const c = new SlackPerson(h, 'U0CADRE001');
    const a = new SlackPerson(h, 'U0VILLAGE1');
    const b = new SlackPerson(h, 'U0VILLAGE2');

    await compose(c, '端午节快乐！今晚七点村委会门口放电影。');
    const progress = await c.waitForText('📢 通知开始发送，共 2 人');
    const got = await a.waitForText('端午节快乐！');
    expect(got.buttons.flat().map((x) => x.label)).toEqual(['👌 收到', '🔕 不再接收通知']);
    const hers = await b.waitForText('端午节快乐！');
    await waitFor(() => c.messages().find((m) => m.ts === progress.ts)?.text.includes('发送完毕：已送到 2 / 2 人'), 'the progress updated in place to the end', 30_000);
    await c.waitForText('通知发完了', 30_000);

    // 罗秀英 presses the button under it: no more notices.
    b.mark();
    await b.press('🔕 不再接收通知');
    await waitFor(async () => (await store.db.select().from(people).where(eq(people.id, v2.id)))[0]?.broadcastsStoppedAt, 'her notices stopped');
    expect(hers.text).toContain('村里通知');

    await compose(c, '明天上午九点在村委会开村民大会。');
    await c.waitForText('📢 通知开始发送，共 1 人');
    await a.waitForText('明天上午九点');
    await waitFor(() => c.messages().some((m) => m.text.includes('发送完毕：已送到 1 / 1 人')), 'the second finished', 30_000);
    expect(b.messages().some((m) => m.text.includes('明天上午九点'))).toBe(false);
  }, 120_000);
});
