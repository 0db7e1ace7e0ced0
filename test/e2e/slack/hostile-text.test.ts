// The hostile-strings table through Slack, with the queues on Redis and on BullMQ's PostgreSQL
// backend: a villager typing in the DM and answering in the flow's modal, an officer replying in a
// matter card's thread. Each gives a clean matter (or reply) or a polite answer; Slack always gets
// 200, nobody gets the apology, and no one's words reach the logs.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { intake } from '../../../src/services/intake-service.js';
import { performAction } from '../../../src/services/matter-actions.js';
import { matters, messages } from '../../../src/store/schema.js';
import { newOfficer, newTree, newVillager, type Tree } from '../../support/factories.js';
import { badLogLines, HOSTILE_STRINGS, type HostileString } from '../../support/hostile-strings.js';
import { captureLogs, type CapturedLogs } from '../../support/log-capture.js';
import { QUEUE_KINDS } from '../../support/runtime.js';
import { FakeSlackApi } from '../../support/slack/fake-slack-api.js';
import { messageEvent, viewSubmission } from '../../support/slack/signed-requests.js';
import { cardsOf, linkSlack, startSlackHarness, type SlackHarness } from '../../support/slack/slack-harness.js';
import { SlackPerson } from '../../support/slack/slack-person.js';
import { openTestStore, type TestStore } from '../../support/store.js';

import { waitFor } from '../../support/wait.js';

const APOLOGY = '抱歉，刚才出了点问题';
const BLANK = '没有能看到的文字';
const WAIT = 45_000;

let store: TestStore;
let api: FakeSlackApi;
let n = 0;

beforeAll(async () => {
  store = await openTestStore('postgres');
  api = await FakeSlackApi.start();
});
afterAll(async () => {
  await api?.stop();
  await store?.close();
});

describe.each(QUEUE_KINDS)('hostile text through Slack (queues on %s)', (queue) => {
  let h: SlackHarness;
  let logs: CapturedLogs;
  let tree: Tree;
  const statuses: number[] = [];

  beforeAll(async () => {
    await store.reset();
    api.reset();
    logs = captureLogs();
    h = await startSlackHarness(store, api, { queue, logger: logs.logger });
    tree = await newTree(store.db);
    // Linked, so her cards go to Slack (an officer with no platform gets them in the service log).
    await linkSlack(store.db, (await newOfficer(store.db, tree.unit, '李冬梅')).id, `U0HOSTLI${queue.length}`);
  });
  afterAll(async () => {
    await h?.close();
  });

  const send = async (...args: Parameters<SlackHarness['send']>) => {
    const res = await h.send(...args);
    statuses.push(res.status);
    return res;
  };

  /** A villager linked in Slack, at the describe step of a report. */
  async function villagerDescribing(): Promise<{ p: SlackPerson; id: string }> {
    const user = `U0HOST${String(++n).padStart(4, '0')}`;
    const row = await newVillager(store.db, tree.unit, '王秀英');
    await linkSlack(store.db, row.id, user);
    const p = new SlackPerson(h, user).mark();
    await p.say('反映问题');
    await p.press('⚠️ 安全隐患', WAIT);
    await p.waitForText('现在有没有人身危险', WAIT);
    await p.press('没有，但要尽快处理', WAIT);
    await p.waitForText('请说一说是什么事', WAIT);
    return { p, id: row.id };
  }

  async function expectOutcome(c: HostileString, p: SlackPerson, reporterId: string): Promise<void> {
    const o = c.outcome;
    if (o.kind === 'blank') await p.waitForText(BLANK, WAIT);
    else if (o.kind === 'too_long') await p.waitForText('请控制在 4000 个字以内', WAIT);
    else {
      await p.waitForText('收到了', WAIT);
      await p.press('✅ 说完了', WAIT);
      await p.waitForText('事情发生在哪里', WAIT);
      await p.say('跳过');
      await p.waitForText('请您核对一下', WAIT);
      await p.press('📨 提交', WAIT);
      await p.waitForText('受理编号', WAIT);
      const [m] = await waitFor(async () => {
        const l = await store.db.select().from(matters).where(eq(matters.reporterId, reporterId));
        return l.length ? l : null;
      }, `the matter of "${c.name}"`, WAIT);
      expect(m!.summary, c.name).toBe(o.text);
      const words = await store.db.select().from(messages).where(and(eq(messages.matterId, m!.id), eq(messages.direction, 'in')));
      expect(words.map((w) => w.text), c.name).toEqual([o.text]);
    }
    if (o.kind !== 'matter') expect(await store.db.select().from(matters).where(eq(matters.reporterId, reporterId)), c.name).toHaveLength(0);
    expect(p.messages().filter((m) => m.text.includes(APOLOGY)), c.name).toEqual([]);
  }

  it('typed in the DM: each string gives a clean matter or a polite answer', { timeout: 180_000 }, async () => {
    await Promise.all(
      HOSTILE_STRINGS.map(async (c) => {
        const { p, id } = await villagerDescribing();
        statuses.push((await h.send(messageEvent({ user: p.userId, channel: p.dm, text: c.raw }))).status);
        await expectOutcome(c, p, id);
      }),
    );
  });

  it('answered in the flow’s modal: nothing visible is refused in the modal, the rest as typed', { timeout: 180_000 }, async () => {
    await Promise.all(
      HOSTILE_STRINGS.map(async (c) => {
        const { p, id } = await villagerDescribing();
        const opened = () => api.called('views.open').filter((v) => v.args.view && JSON.stringify(v.args).includes('gl_flow'));
        const before = opened().length;
        await p.press('填写', WAIT);
        // Presses of several villagers interleave: take the newest modal opened for this villager after this press
        // (a modal submitted by someone it was not opened for is refused).
        const mine = (v: { args: Record<string, any> }) => String(v.args.view?.private_metadata ?? '').includes(`"u":"${p.userId}"`);
        const call = await waitFor(() => opened().slice(before).filter(mine).at(-1) ?? null, 'the answer modal', WAIT);
        const res = await send(viewSubmission({ user: p.userId, view: call.args.view as Record<string, any>, values: { text: c.raw } }));
        if (c.outcome.kind === 'blank') {
          // Slack shows the error under the field; the modal stays open and nothing is queued.
          const body = (await res.json()) as { response_action?: string; errors?: Record<string, string> };
          expect(body.response_action, c.name).toBe('errors');
          expect(body.errors?.text, c.name).toContain('内容是空的');
          expect(await store.db.select().from(matters).where(eq(matters.reporterId, id))).toHaveLength(0);
          return;
        }
        await expectOutcome(c, p, id);
      }),
    );
  });

  it('replied in a matter card’s thread: relayed clean to the villager, or refused politely', { timeout: 180_000 }, async () => {
    const officer = `U0HOSTOFF${queue.length}`;
    const holder = await newOfficer(store.db, tree.otherUnit, '张建国');
    await linkSlack(store.db, holder.id, officer);
    await newVillager(store.db, tree.otherUnit, '罗秀英', { telegram: '1001' });
    const r = await intake(h.runtime.ctx, { eventId: `telegram:update:host-${queue}`, platform: 'telegram', externalUserId: '1001', kind: 'report', category: 'dispute', text: '邻居在我家田边堆柴草，说了不听。', receivedAt: new Date().toISOString() });
    if (r.status !== 'created') throw new Error(r.status);
    const [card] = await waitFor(async () => {
      const cards = await cardsOf(store.db, r.matter.id);
      return cards.length ? cards : null;
    }, 'the card', WAIT);
    expect((await performAction(h.runtime.ctx, { matter: r.matter.ref, actorId: holder.id, request: { action: 'take' } })).ok).toBe(true);
    // The flows answer a thread reply in the officer's DM with the app.
    const op = new SlackPerson(h, officer);
    for (const c of HOSTILE_STRINGS) {
      op.mark();
      const reply = messageEvent({ user: officer, channel: card!.channel, threadTs: card!.ts, text: c.raw });
      await send(reply);
      const o = c.outcome;
      if (o.kind === 'matter') {
        await waitFor(() => h.telegram.to('1001').some((t) => t.includes(o.text)), `the reply "${c.name}" on Telegram`, WAIT);
        const out = await store.db.select().from(messages).where(and(eq(messages.matterId, r.matter.id), eq(messages.direction, 'out')));
        expect(out.map((m) => m.text), c.name).toContain(o.text);
      } else {
        const refusal = await op.waitForText(o.kind === 'blank' ? BLANK : /请控制在 \d+ 个字以内|内容太长了/, WAIT);
        expect(refusal.text, c.name).not.toContain(APOLOGY);
      }
    }
    expect(h.telegram.to('1001').filter((t) => t.includes(APOLOGY))).toEqual([]);
  });

  it('never answered Slack with anything but 200, and logged no one’s words', () => {
    expect(statuses.length).toBeGreaterThan(HOSTILE_STRINGS.length * 2);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(logs.lines.length).toBeGreaterThan(0);
    expect(badLogLines(logs.lines).map((l) => l.slice(0, 400))).toEqual([]);
  });
});
