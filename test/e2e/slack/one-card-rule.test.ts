// One card, one rule for its buttons, from the reader's side: a township cadre above a village
// matter has its card in Slack and on Telegram. When the alert reaches him on Telegram, when the
// card is redrawn after the matter moved, and when he presses 接管 and the card he pressed is
// redrawn, Telegram offers him exactly what his Slack card offers for the same state — and what
// the rule (cardActionsFor) says a cadre above, then the holder, may do.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardActionsFor } from '../../../src/domain/index.js';
import { intake } from '../../../src/services/intake-service.js';
import { performAction } from '../../../src/services/matter-actions.js';
import { matters, people } from '../../../src/store/schema.js';
import { newBackup, newOfficer, newPerson, newTree, newVillager, type Tree } from '../../support/factories.js';
import { FakeSlackApi, type SlackCall } from '../../support/slack/fake-slack-api.js';
import { cardsOf, linkSlack, startSlackHarness, type SlackHarness } from '../../support/slack/slack-harness.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { TelegramEmulator } from '../../support/telegram/emulator.js';
import { TelegramPerson } from '../../support/telegram/person.js';
import { waitFor } from '../../support/wait.js';

const TOWN = 'U0TOWN0001';

let store: TestStore;
let api: FakeSlackApi;
let emulator: TelegramEmulator;
let h: SlackHarness;
let tree: Tree;

beforeAll(async () => {
  store = await openTestStore('postgres');
  api = await FakeSlackApi.start();
  emulator = await TelegramEmulator.start();
  h = await startSlackHarness(store, api, { emulator });
  tree = await newTree(store.db);
});

afterAll(async () => {
  await h?.close();
  await emulator?.close();
  await api?.stop();
  await store?.close();
});

type Markup = { inline_keyboard?: Array<Array<{ callback_data: string }>> } | undefined;

/** The actions of `mx:<action>:<ref>` buttons, in the order shown. */
const actionsOf = (data: string[]): string[] => data.filter((d) => d.startsWith('mx:')).map((d) => d.split(':')[1] ?? '');
const slackActions = (call: SlackCall): string[] => {
  const blocks = (typeof call.args.blocks === 'string' ? JSON.parse(call.args.blocks) : call.args.blocks) as Array<{ type: string; elements?: Array<{ value?: string }> }>;
  return actionsOf(blocks.filter((b) => b.type === 'actions').flatMap((b) => (b.elements ?? []).map((e) => String(e.value ?? ''))));
};
/** A field of the Slack card ("*步骤*\n处置" → 处置). */
const slackField = (call: SlackCall, label: string): string => {
  const blocks = (typeof call.args.blocks === 'string' ? JSON.parse(call.args.blocks) : call.args.blocks) as Array<{ fields?: Array<{ text: string }> }>;
  const field = blocks.flatMap((b) => b.fields ?? []).find((f) => f.text.startsWith(`*${label}*\n`));
  return field?.text.slice(label.length + 3) ?? '';
};
const telegramActions = (body: Record<string, unknown>): string[] => {
  const markup = (typeof body.reply_markup === 'string' ? JSON.parse(body.reply_markup) : body.reply_markup) as Markup;
  return actionsOf((markup?.inline_keyboard ?? []).flat().map((b) => b.callback_data));
};

describe('one card rule, on every platform and every path', () => {
  it('a township cadre sees the same buttons on Slack and on Telegram: notice, redrawn card, pressed card', async () => {
    const officer = await newOfficer(store.db, tree.unit, '李冬梅');
    const backup = await newBackup(store.db, tree.unit, '刘建国');
    const cadreTg = new TelegramPerson(emulator, { userId: 890_001, firstName: '何建军', languageCode: 'zh-hans' });
    const cadre = await newPerson(store.db, { name: '何建军', role: 'grid_leader', at: tree.township, title: '湖泽镇网格长', telegram: String(cadreTg.userId) });
    await linkSlack(store.db, cadre.id, TOWN);
    await newVillager(store.db, tree.unit, '罗秀英', { telegram: '890100' });
    const chat = String(cadreTg.userId);
    const ctx = h.runtime.ctx;
    const matterNow = async (id: string) => (await store.db.select().from(matters).where(eq(matters.id, id)))[0]!;
    const prefer = (platform: 'slack' | 'telegram') => store.db.update(people).set({ preferredPlatform: platform }).where(eq(people.id, cadre.id));
    const climb = async (id: string) => {
      const r = await performAction(ctx, { matter: id, actorId: null, request: { action: 'escalate' } });
      if (!r.ok) throw new Error(r.code);
    };

    // A small matter at the unit: routed to the officer, then it climbs to the village, its ladder's top.
    const r = await intake(ctx, { eventId: `telegram:update:card-rule-1`, platform: 'telegram', externalUserId: '890100', kind: 'report', category: 'help', size: 'small', text: '村口的路灯坏了三天了。', receivedAt: ctx.now().toISOString() });
    if (r.status !== 'created') throw new Error(r.status);
    const { id, ref } = r.matter;
    await waitFor(async () => (await matterNow(id)).assigneeId === officer.id || null, 'routing to the officer');
    await climb(id);
    await waitFor(async () => (await matterNow(id)).level === 'village' || null, 'the climb to the village');

    // At its top it alerts the township: once in the cadre's Slack DM, once on his Telegram.
    await prefer('slack');
    await climb(id);
    const slackCard = await waitFor(async () => (await cardsOf(store.db, id)).find((c) => c.personId === cadre.id) ?? null, 'the cadre’s Slack card');
    await prefer('telegram');
    await climb(id);
    const notice = await waitFor(() => emulator.callsOf('sendMessage', chat).find((c) => String(c.body.text).includes(ref) && String(c.body.text).includes('【督办提醒】')) ?? null, 'the alert on Telegram');
    const card = cadreTg.messages().find((m) => m.text.includes('【督办提醒】'))!;

    /** The Slack card as drawn last, once `check` holds for it. */
    const slackNow = (check: (c: SlackCall) => boolean, what: string) =>
      waitFor(() => {
        const draws = [...api.called('chat.postMessage').filter((c) => c.args.channel === TOWN && FakeSlackApi.textOf(c).includes(ref)), ...api.called('chat.update').filter((c) => c.args.ts === slackCard.ts)];
        const last = draws.at(-1);
        return last && check(last) ? last : null;
      }, what);
    /** Telegram's edits of the alert card, oldest first. */
    const edits = () => emulator.callsOf('editMessageText', chat).filter((c) => Number(c.body.message_id) === card.messageId);

    // 1. The notice: what a cadre above may do on a climbed matter he does not hold.
    const cadreSet = cardActionsFor({ step: 'supervise', state: 'open' }, ['cadre_above'], 'private');
    expect(cadreSet).toEqual(['takeover', 'transfer', 'supervise', 'whistle', 'mark_size', 'set_topic']);
    expect(telegramActions(notice.body)).toEqual(cadreSet);
    expect(slackActions(await slackNow((c) => slackActions(c).length > 0, 'the Slack card with buttons'))).toEqual(cadreSet);

    // 2. The matter moves (the officer hands it to his backup): both cards are redrawn; 吹哨 goes
    // until the backup handles it, on Telegram as in Slack.
    const moved = await performAction(ctx, { matter: id, actorId: officer.id, request: { action: 'transfer', toPersonId: backup.id, reason: '我明天去县里开会' } });
    expect(moved.ok).toBe(true);
    const dispatched = cardActionsFor({ step: 'dispatch', state: 'open' }, ['cadre_above'], 'private');
    expect(dispatched).not.toContain('whistle');
    const redrawn = await waitFor(() => edits().find((e) => String(e.body.text).includes('—— 现状：已派单待接单') && String(e.body.text).includes('刘建国')) ?? null, 'the Telegram card naming the backup');
    expect(telegramActions(redrawn.body)).toEqual(dispatched);
    expect(slackActions(await slackNow((c) => slackField(c, '步骤') === '分流' && slackField(c, '承办人').includes('刘建国'), 'the Slack card naming the backup'))).toEqual(dispatched);

    // 3. He presses 接管 on his Telegram card: the card he pressed says so and offers what the
    // holder may do; the redraw that follows, and his Slack card, offer the same.
    const before = edits().length;
    const latest = cadreTg.messages().find((m) => m.messageId === card.messageId)!;
    await cadreTg.pressData(latest.buttons.flat().find((b) => b.data === `mx:takeover:${ref}`)!.data, latest);
    await waitFor(async () => ((await matterNow(id)).assigneeId === cadre.id && (await matterNow(id)).step === 'handle') || null, 'the takeover');
    const holderSet = cardActionsFor({ step: 'handle', state: 'open' }, ['assignee', 'cadre_above'], 'private');
    expect(holderSet).toEqual(['reply', 'transfer', 'escalate', 'whistle', 'settle', 'mark_size', 'set_topic']);
    // The pressed card's own edit ends with what he did; the redraw adds where the matter stands under it.
    const lastLine = (e: { body: Record<string, unknown> }) => String(e.body.text).split('\n').at(-1) ?? '';
    const pressed = await waitFor(() => edits().slice(before).find((e) => lastLine(e).startsWith('✅')) ?? null, () => `the pressed card’s edit (edits: ${JSON.stringify(edits().slice(before).map(lastLine))})`);
    // (Taking over is a transfer to himself, then 接单: the redraw wanted is the one after both.)
    const refreshed = await waitFor(() => edits().slice(before).find((e) => String(e.body.text).includes('✅') && lastLine(e).startsWith('—— 现状：处置中') && lastLine(e).includes('何建军办理')) ?? null, 'the redraw after the takeover');
    expect(telegramActions(pressed.body)).toEqual(holderSet);
    expect(telegramActions(refreshed.body)).toEqual(holderSet);
    expect(slackActions(await slackNow((c) => slackField(c, '步骤') === '处置' && slackField(c, '承办人').includes('何建军'), 'the Slack card naming him, handling it'))).toEqual(holderSet);
  }, 120_000);
});
