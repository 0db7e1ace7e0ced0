// The flow conformance suite: every flow, written once in src/flows, run the same way through the
// three adapters — Telegram (the real adapter on the emulator), Slack (signed requests, the Web API
// stand-in) and WeCom (encrypted callbacks, its API stand-in: villagers on 微信客服, staff in the
// app with template cards) — in one deployment. Each script talks as a person would and checks what
// the store holds afterwards. Where a platform lacks something (Slack has no contact or location
// button, WeChat has no reply-to), the script uses what all have: typing 跳过 skips on any. Officers
// and cadres press their cards' buttons by label on any platform. No flow is exempt. At the end the
// matter events each platform's run left are compared with the others'.
import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Platform } from '../../../src/domain/types.js';
import { deliveries, faqEntries, identities, matterEvents, matters, messages, people } from '../../../src/store/schema.js';
import { newDepartmentWithLiaison } from '../../support/alert-factories.js';
import { newBackup, newGridLeader, newNode, newOfficer, newTree, newVillager, type PersonRow, type Tree } from '../../support/factories.js';
import { FakeSlackApi } from '../../support/slack/fake-slack-api.js';
import { linkSlack, startSlackHarness, type SlackHarness } from '../../support/slack/slack-harness.js';
import { SlackPerson } from '../../support/slack/slack-person.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { TelegramEmulator } from '../../support/telegram/emulator.js';
import { TelegramPerson } from '../../support/telegram/person.js';
import { replyTo } from '../../support/telegram-flows.js';
import { waitFor, waitWhileMoving } from '../../support/wait.js';
import { WecomCallbackClient } from '../../support/wecom/callback-client.js';
import { FakeWecom } from '../../support/wecom/fake-wecom.js';
import { KfVillager, linkWecom } from '../../support/wecom/wecom-bot.js';

/** What a script sees of a bot message: its text and every label it offers. */
interface Seen {
  text: string;
  labels: string[];
}

/** One person on one platform, driven the same way whatever the platform. */
interface FlowPerson {
  platform: Platform;
  externalId: string;
  mark(): void;
  say(text: string): Promise<void>;
  command(name: string, args?: string): Promise<void>;
  press(label: string | RegExp): Promise<void>;
  waitForText(pattern: string | RegExp): Promise<Seen>;
  sendPhoto(caption?: string): Promise<void>;
  /** Answers one of the bot's messages (Telegram's reply-to, a reply in the message's thread in Slack). */
  replyTo(pattern: string | RegExp, text: string): Promise<void>;
  /** The texts of every message the bot posted to the person (edits applied, not counted again). */
  posted(): string[];
}

class OnTelegram implements FlowPerson {
  readonly platform = 'telegram' as const;
  readonly externalId: string;
  constructor(private readonly p: TelegramPerson) {
    this.externalId = String(p.userId);
  }
  mark() {
    this.p.mark();
  }
  say(text: string) {
    return this.p.say(text);
  }
  command(name: string, args = '') {
    return this.p.command(`/${name}${args ? ` ${args}` : ''}`);
  }
  async press(label: string | RegExp) {
    await this.p.press(label);
  }
  async waitForText(pattern: string | RegExp): Promise<Seen> {
    const m = await this.p.waitForText(pattern);
    return { text: m.text, labels: [...m.buttons.flat().map((b) => b.label), ...(m.keyboard ?? []).flat().map((b: { label: string }) => b.label)] };
  }
  async sendPhoto(caption?: string) {
    await this.p.sendPhoto(caption ? { caption } : {});
  }
  async replyTo(pattern: string | RegExp, text: string) {
    const test = (t: string) => (typeof pattern === 'string' ? t.includes(pattern) : pattern.test(t));
    const m = [...this.p.messages()].reverse().find((x) => test(x.text))!;
    await replyTo(emulator, this.p, m.messageId, text);
  }
  posted() {
    return this.p.messages().filter((m) => m.method === 'sendMessage').map((m) => m.text);
  }
}

class OnSlack implements FlowPerson {
  readonly platform = 'slack' as const;
  readonly externalId: string;
  constructor(readonly p: SlackPerson) {
    this.externalId = p.userId;
  }
  mark() {
    this.p.mark();
  }
  say(text: string) {
    return this.p.say(text);
  }
  command(name: string, args = '') {
    return this.p.command(`${name}${args ? ` ${args}` : ''}`);
  }
  async press(label: string | RegExp) {
    await this.p.press(label);
  }
  async waitForText(pattern: string | RegExp): Promise<Seen> {
    const m = await this.p.waitForText(pattern);
    return { text: m.text, labels: m.buttons.map((b) => b.label) };
  }
  sendPhoto(caption?: string) {
    return this.p.sendPhoto(caption);
  }
  async replyTo(pattern: string | RegExp, text: string) {
    const test = (t: string) => (typeof pattern === 'string' ? t.includes(pattern) : pattern.test(t));
    const m = [...this.p.messages()].reverse().find((x) => test(x.text))!;
    await this.p.sayInThread(m.ts, text);
  }
  posted() {
    return this.p.messages().map((m) => m.text);
  }
}

/** The message sent right after one, if one comes soon (the card or menu a long text is followed by). */
async function followedBy<T>(next: () => T | undefined): Promise<T | undefined> {
  try {
    return await waitFor(() => next() ?? null, 'the next message', 3000, 50);
  } catch {
    return undefined;
  }
}

const matching = (pattern: string | RegExp, text: string) => (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text));

/**
 * A villager on WeChat writing to the 微信客服 account. A poster's code comes with a scan (an
 * enter_session with scene_param, answered through its welcome code); other commands are typed.
 * WeChat has no reply-to: a villager answers the officer from 我的事项 (open the matter, 补充情况).
 */
class OnWecomKf implements FlowPerson {
  readonly platform = 'wecom' as const;
  readonly externalId: string;
  constructor(readonly p: KfVillager) {
    this.externalId = p.externalUserId;
  }
  mark() {
    this.p.mark();
  }
  say(text: string) {
    return this.p.say(text);
  }
  async command(name: string, args = '') {
    if (name === 'start' && args) await fake.villagerEnters(this.externalId, args);
    else await this.p.say(`/${name}${args ? ` ${args}` : ''}`);
  }
  async press(label: string | RegExp) {
    await this.p.press(label);
  }
  async waitForText(pattern: string | RegExp): Promise<Seen> {
    const m = await this.p.waitFor(pattern);
    if (m.buttons.length) return { text: m.text, labels: m.buttons.map((b) => b.label) };
    // A text too long for a menu's head (1024 bytes) goes first, its menu (with no head) right after it.
    const i = this.p.messages().findIndex((x) => x.at === m.at && x.text === m.text);
    const next = Buffer.byteLength(m.text) > 1024 ? await followedBy(() => this.p.messages()[i + 1]) : undefined;
    return { text: m.text, labels: next && !next.text ? next.buttons.map((b) => b.label) : [] };
  }
  async sendPhoto() {
    // WeChat sends a picture without a caption.
    const mediaId = fake.putMedia('image', randomBytes(2048), 'photo.jpg', 'image/jpeg');
    await fake.villagerWrites(this.externalId, { msgtype: 'image', image: { media_id: mediaId } });
  }
  async replyTo(pattern: string | RegExp, text: string) {
    const ref = /【(\d{4}-\d{4})】/.exec([...this.p.messages()].reverse().find((m) => matching(pattern, m.text))!.text)![1]!;
    this.mark();
    await this.say('我的事项');
    const list = await this.waitForText('您反映的事项');
    await this.press(list.labels.find((l) => l.includes(ref)) ?? new RegExp(ref));
    await this.p.waitFor(`【${ref}】`);
    await this.press('补充情况');
    await this.p.waitFor('请把要补充的内容发过来');
    await this.say(text);
    await this.p.waitFor('收到了');
    await this.press(/发送/);
  }
  posted() {
    return this.p.messages().map((m) => m.text);
  }
}

/** What a member reads in the app: a message, or a card as it now is (redrawn in place by update_template_card). */
interface AppSeen extends Seen {
  at: number;
  /** Its place among the messages sent to the member. */
  index: number;
  taskId?: string;
  responseCode?: string;
}

/**
 * How long a member may wait with nothing new reaching them: WeCom lets the app write to one
 * member 30 times a minute, so after a burst of 5 the adapter sends one every 2.4 s
 * (src/channels/wecom/send-budget.ts). A wait behind a backlog lasts while the backlog moves.
 */
const PACED_MS = 60_000;

/** A member of the corp in the WeCom app: text, and template cards whose buttons come back as template_card_event. */
class OnWecomApp implements FlowPerson {
  readonly platform = 'wecom' as const;
  readonly externalId: string;
  private readonly client: WecomCallbackClient;
  /** The response codes of this member's presses, by the card pressed (a redraw names the press's code). */
  private readonly presses = new Map<string, string>();
  private from = { sent: 0, updates: 0 };
  constructor(readonly userId: string) {
    this.externalId = userId;
    this.client = new WecomCallbackClient({ url: fake.callbackUrl! });
  }
  private sent() {
    return fake.sent.filter((m) => m.touser === this.userId);
  }
  private updates() {
    return fake.cardUpdates.filter((u) => (u.body.userids as string[] | undefined)?.includes(this.userId));
  }
  private taskOf(u: (typeof fake.cardUpdates)[number]): string | undefined {
    return u.body.template_card?.task_id ?? this.presses.get(u.responseCode);
  }
  private static face(card: Record<string, any>): Pick<Seen, 'text' | 'labels'> {
    return { text: [card.main_title?.title, card.main_title?.desc, card.sub_title_text].filter(Boolean).join('\n'), labels: (card.button_list ?? []).map((b: { text: string }) => b.text) };
  }
  /** Every card as it now is, and every text, in the order they were last drawn. */
  private read(): AppSeen[] {
    const cards = new Map<string, AppSeen & { keys: Record<string, string> }>();
    const out: Array<AppSeen & { keys?: Record<string, string> }> = [];
    for (const [index, m] of this.sent().entries()) {
      if (m.msgtype !== 'template_card') {
        out.push({ text: String(m.body[m.msgtype]?.content ?? ''), labels: [], at: m.at, index });
        continue;
      }
      const c = m.body.template_card;
      const seen = { ...OnWecomApp.face(c), at: m.at, index, taskId: c.task_id, responseCode: m.responseCode!, keys: Object.fromEntries((c.button_list ?? []).map((b: { text: string; key: string }) => [b.text, b.key])) };
      cards.set(c.task_id, seen);
      out.push(seen);
    }
    for (const u of this.updates()) {
      const card = cards.get(this.taskOf(u) ?? '');
      if (!card) continue;
      if (u.body.template_card) {
        Object.assign(card, OnWecomApp.face(u.body.template_card), { keys: Object.fromEntries((u.body.template_card.button_list ?? []).map((b: { text: string; key: string }) => [b.text, b.key])) });
      } else card.labels = [];
      card.at = Math.max(card.at, u.at);
    }
    return out.sort((a, b) => a.at - b.at || a.index - b.index);
  }
  mark() {
    this.from = { sent: this.sent().length, updates: this.updates().length };
  }
  /** What has reached the member so far: it grows while their backlog goes out. */
  private readonly progress = () => this.sent().length + this.updates().length;
  async say(text: string) {
    const r = await this.client.text(this.userId, text);
    if (r.status !== 200) throw new Error(`callback answered ${r.status}`);
  }
  command(name: string, args = '') {
    return this.say(`/${name}${args ? ` ${args}` : ''}`);
  }
  async press(label: string | RegExp) {
    const is = (l: string) => (typeof label === 'string' ? l === label : label.test(l));
    const card = await waitWhileMoving(
      () => [...this.read()].reverse().find((m) => m.taskId && m.labels.some(is)) ?? null,
      () => `a WeCom card with "${label}" (have: ${JSON.stringify(this.read().map((m) => m.labels))})`,
      this.progress,
      PACED_MS,
    );
    const l = card.labels.find(is)!;
    const keys = (card as AppSeen & { keys: Record<string, string> }).keys;
    const code = fake.pressCode(card.responseCode!);
    this.presses.set(code, card.taskId!);
    const r = await this.client.pressButton(this.userId, { taskId: card.taskId!, eventKey: keys[l]!, responseCode: code });
    if (r.status !== 200) throw new Error(`callback answered ${r.status}`);
  }
  /** A message sent since the mark, or a card redrawn since, matching; a long text's buttons are on the card right after it. */
  async waitForText(pattern: string | RegExp): Promise<Seen> {
    const fresh = () => {
      const redrawn = new Set(this.updates().slice(this.from.updates).map((u) => this.taskOf(u)));
      return this.read().filter((m) => m.index >= this.from.sent || (m.taskId !== undefined && redrawn.has(m.taskId)));
    };
    const m = await waitWhileMoving(() => fresh().find((x) => matching(pattern, x.text)) ?? null, () => `${this.userId} to read ${pattern} (read: ${this.read().map((x) => x.text.slice(0, 50)).join(' | ')})`, this.progress, PACED_MS);
    if (m.taskId || m.labels.length) return m;
    // A text too long for a card (a title of 26 characters, 112 under it) goes first, its card right after it.
    const [title = '', ...rest] = m.text.trim().split('\n');
    const long = [...title].length > 26 || [...rest.join('\n').trim()].length > 112;
    const next = long ? await followedBy(() => this.sent()[m.index + 1]) : undefined;
    const card = next?.msgtype === 'template_card' ? this.read().find((x) => x.taskId === next.body.template_card.task_id) : undefined;
    return { text: m.text, labels: card?.labels ?? [] };
  }
  async sendPhoto() {
    const mediaId = fake.putMedia('image', randomBytes(2048), 'photo.jpg', 'image/jpeg');
    await this.client.image(this.userId, mediaId);
  }
  async replyTo() {
    throw new Error('a WeCom member answers from the card’s 回复');
  }
  posted() {
    return this.sent().map((m) => (m.msgtype === 'template_card' ? OnWecomApp.face(m.body.template_card).text : String(m.body[m.msgtype]?.content ?? '')));
  }
}

/**
 * WeCom ids of this run's own: the test corp's send budgets and flood counts in Redis, kept by
 * person, are shared with earlier runs and with the WeCom files running beside this one.
 */
const RUN = randomBytes(3).toString('hex');

let store: TestStore;
let fake: FakeWecom;
let api: FakeSlackApi;
let emulator: TelegramEmulator;
let h: SlackHarness;
let tree: Tree;
let officer: PersonRow;
let n = 0;

beforeAll(async () => {
  store = await openTestStore('postgres');
  api = await FakeSlackApi.start();
  emulator = await TelegramEmulator.start();
  fake = await FakeWecom.start();
  h = await startSlackHarness(store, api, { emulator, wecom: fake });
  tree = await newTree(store.db);
  officer = await newOfficer(store.db, tree.unit, '李冬梅');
  await store.db.insert(faqEntries).values({ code: 'dibao', question: '低保怎么申请？', answer: '带上户口本和收入证明，到村委会填申请表，村里评议后报镇民政办审核。', keywords: ['低保', '申请'] });
});

afterAll(async () => {
  await h?.close();
  await emulator?.close();
  await api?.stop();
  await fake?.stop();
  await store?.close();
});

const ADAPTERS: Array<{ name: Platform; make: () => FlowPerson }> = [
  { name: 'telegram', make: () => new OnTelegram(new TelegramPerson(emulator, { userId: 870_000 + ++n, firstName: `村民${n}`, languageCode: 'zh-hans' }).mark()) },
  { name: 'slack', make: () => new OnSlack(new SlackPerson(h, `U0VILL${String(++n).padStart(4, '0')}`)) },
  { name: 'wecom', make: () => new OnWecomKf(new KfVillager(fake, `wmConform${RUN}${String(++n).padStart(4, '0')}`).mark()) },
];

const matterOf = async (ref: string) => (await store.db.select().from(matters).where(eq(matters.ref, ref)))[0]!;
const eventsOf = async (id: string) => (await store.db.select().from(matterEvents).where(eq(matterEvents.matterId, id)).orderBy(matterEvents.id)).map((e) => e.action);

/**
 * What a script left on a matter, with what is each platform's own (message refs, chat ids, who
 * the people are) left out: its events in order, where it stands, and the script's outcome.
 */
interface Trail {
  events: string[];
  state: string;
  step: string;
  level: string;
  outcome?: Record<string, unknown>;
}

/** Each platform's trail per script (a matter's, or a flow's outcome): the same work must leave the same trail on all three. */
const trails: Record<string, Partial<Record<Platform, Trail | Record<string, unknown>>>> = {};

async function keepTrail(script: string, platform: Platform, ref: string, outcome?: Record<string, unknown>): Promise<void> {
  const m = await matterOf(ref);
  (trails[script] ??= {})[platform] = { events: await eventsOf(m.id), state: m.state, step: m.step, level: m.level, ...(outcome ? { outcome } : {}) };
}

/** What a flow left on the person who ran it (no matter of its own). */
function keepOutcome(script: string, platform: Platform, outcome: Record<string, unknown>): void {
  (trails[script] ??= {})[platform] = outcome;
}

async function personOf(p: FlowPerson) {
  const [row] = await store.db
    .select({ person: people })
    .from(identities)
    .innerJoin(people, eq(people.id, identities.personId))
    .where(and(eq(identities.platform, p.platform), eq(identities.externalId, p.externalId)));
  return row?.person;
}

/** register: a greeting, a language, the join code from a poster, a name, no phone. */
async function register(p: FlowPerson, name: string): Promise<void> {
  p.mark();
  await p.command('start', tree.unit.joinCode!);
  const welcome = await p.waitForText('先选一下语言');
  expect(welcome.labels).toEqual(['简体中文', '繁體中文', 'English']);
  await p.press('简体中文');
  const confirm = await p.waitForText('您要登记到');
  expect(confirm.text).toContain('第三组');
  await p.press('对，就是这里');
  await p.waitForText('请问怎么称呼您');
  await p.say(name);
  const phone = await p.waitForText('留个手机号');
  expect(phone.labels).toContain('跳过');
  await p.say('跳过');
  const done = await p.waitForText('登记好了');
  expect(done.text).toContain(name);
  expect(done.text).toContain('李冬梅');
}

describe.each(ADAPTERS)('flows through the $name adapter', ({ name: platform, make }) => {
  let p: FlowPerson;
  let villagerName: string;

  beforeEach(async () => {
    p = make();
    villagerName = { telegram: `王${n}英`, slack: `石${n}妹`, wecom: `陈${n}芳` }[platform as 'telegram' | 'slack' | 'wecom'];
  });

  it('register: joins a unit grid by its poster code', async () => {
    await register(p, villagerName);
    const person = await personOf(p);
    expect(person?.name).toBe(villagerName);
    expect(person?.locale).toBe('zh-CN');
    keepOutcome('register', platform, { locale: person?.locale, timezone: person?.timezone, preferredPlatform: person?.preferredPlatform });
  });

  it('language: switches to English and back', async () => {
    await register(p, villagerName);
    p.mark();
    await p.command('lang');
    await p.waitForText('请选择语言');
    await p.press('English');
    await p.waitForText("I'll write to you in English");
    expect((await personOf(p))?.locale).toBe('en');
    await p.command('lang');
    await p.waitForText('Choose a language');
    await p.press('简体中文');
    await p.waitForText('以后就用简体中文');
    expect((await personOf(p))?.locale).toBe('zh-CN');
    keepOutcome('language', platform, { locale: (await personOf(p))?.locale });
  });

  it('timezone: picks another zone and goes back to the village’s', async () => {
    await register(p, villagerName);
    p.mark();
    await p.command('tz');
    const pick = await p.waitForText('您在哪个时区');
    expect(pick.labels.some((l) => l.startsWith('东京'))).toBe(true);
    expect(pick.labels).toContain('跟村里一样');
    await p.press(/^东京/);
    await p.waitForText('以后告诉您的时间都按这个时区算');
    expect((await personOf(p))?.timezone).toBe('Asia/Tokyo');
    p.mark();
    await p.command('tz');
    await p.waitForText('您在哪个时区');
    await p.press('跟村里一样');
    await p.waitForText('以后告诉您的时间都按这个时区算');
    expect((await personOf(p))?.timezone).toBeNull();
    keepOutcome('timezone', platform, { timezone: (await personOf(p))?.timezone });
  });

  it('reach: someone linked on both platforms picks where notices go, and goes back to the one last used', async () => {
    await register(p, villagerName);
    const person = (await personOf(p))!;
    const other = platform === 'slack' ? 'telegram' : 'slack';
    await store.db.insert(identities).values({ personId: person.id, platform: other, externalId: `${other}-${person.id.slice(0, 8)}` });
    const otherName = other === 'slack' ? 'Slack' : 'Telegram';
    p.mark();
    await p.command('reach');
    const pick = await p.waitForText('以后的通知发到哪边');
    expect(pick.labels).toEqual(expect.arrayContaining([`发到 ${otherName}`, '✓ 哪边最近用过就发哪边']));
    await p.press(`发到 ${otherName}`);
    await p.waitForText(`以后通知都发到 ${otherName}`);
    expect((await store.db.select().from(people).where(eq(people.id, person.id)))[0]?.preferredPlatform).toBe(other);
    p.mark();
    await p.command('reach');
    await p.waitForText('以后的通知发到哪边');
    await p.press('哪边最近用过就发哪边');
    await p.waitForText('最近在哪边说话');
    expect((await store.db.select().from(people).where(eq(people.id, person.id)))[0]?.preferredPlatform).toBeNull();
  });

  it('report: a dispute in words and a photo, checked and submitted, with a receipt naming the officer', async () => {
    await register(p, villagerName);
    p.mark();
    await p.say('反映问题');
    const cats = await p.waitForText('是哪方面的事');
    expect(cats.labels).toEqual(expect.arrayContaining(['🤝 邻里纠纷', '⚠️ 安全隐患']));
    await p.press('🤝 邻里纠纷');
    await p.waitForText('请说一说是什么事');
    await p.say('邻居家的鸡天天跑到我家菜地里啄菜。');
    await p.waitForText('收到了（文字 1 段）');
    await p.sendPhoto('被啄坏的白菜');
    await h.idle();
    await p.press('✅ 说完了');
    await p.waitForText('事情发生在哪里');
    await p.say('跳过');
    const check = await p.waitForText('请您核对一下');
    expect(check.text).toContain('邻居家的鸡天天跑到我家菜地里啄菜。');
    expect(check.text).toContain('照片 1 张');
    const before = p.posted().length;
    await p.press('📨 提交');
    const receipt = await p.waitForText('已受理，受理编号');
    const ref = /(\d{4}-\d{4})/.exec(receipt.text)![1]!;
    const person = (await personOf(p))!;
    // 四个一: one message with the reference once, what was received, who handles it and by when.
    expect(receipt.text.split(ref)).toHaveLength(2);
    expect(receipt.text).toContain('邻居家的鸡天天跑到我家菜地里啄菜');
    expect(receipt.text).toMatch(/已交由第三组专职网格员李冬梅负责办理，.+前办结/);
    await waitFor(async () => {
      const ds = await store.db.select().from(deliveries).where(eq(deliveries.personId, person.id));
      return ds.length > 0 && ds.every((d) => d.status === 'sent' || d.status === 'superseded');
    }, 'everything owed to the villager');
    expect(p.posted().slice(before)).toEqual([receipt.text]);
    const m = await waitFor(async () => (await store.db.select().from(matters).where(eq(matters.ref, ref)))[0], 'the matter');
    expect(m.reporterId).toBe(person.id);
    expect(m.category).toBe('dispute');
    const [report] = await store.db.select().from(messages).where(and(eq(messages.matterId, m.id), eq(messages.direction, 'in')));
    expect(report!.attachments.map((a) => [a.kind, a.platform])).toEqual([['photo', platform]]);
    await keepTrail('report', platform, ref, { category: m.category, attachments: report!.attachments.map((a) => a.kind) });
  });

  it('ask: a question answered from the FAQ, and it helped', async () => {
    await register(p, villagerName);
    p.mark();
    await p.say('咨询');
    await p.waitForText('请问您想了解什么');
    await p.say('低保怎么申请');
    const answer = await p.waitForText('带上户口本和收入证明');
    expect(answer.text).toContain('低保怎么申请');
    await p.press('👍 有帮助，谢谢');
    await p.waitForText('能帮上忙就好');
  });

  it('mine: lists the person’s matters, opens one and adds to it', async () => {
    await register(p, villagerName);
    p.mark();
    await p.say('我的事项');
    await p.waitForText('您还没有反映过事项');
    // A matter filed for them by the officer (an elderly villager's way in).
    const person = (await personOf(p))!;
    const { intake } = await import('../../../src/services/intake-service.js');
    const filed = await intake(h.runtime.ctx, { eventId: `cli:conf-${platform}-${n}`, platform: 'cli', externalUserId: officer.id, kind: 'report', category: 'help', text: '屋顶漏雨，想请人来修。', onBehalfOf: person.id, receivedAt: h.runtime.ctx.now().toISOString() });
    if (filed.status !== 'created') throw new Error(filed.status);
    // Routed before the villager adds to it: the trail compared below is in one order on every platform.
    await waitFor(async () => (await store.db.select().from(matters).where(eq(matters.id, filed.matter.id)))[0]?.step === 'dispatch', 'routing');
    p.mark();
    await p.say('我的事项');
    const list = await p.waitForText('您反映的事项');
    const item = list.labels.find((l) => l.includes('屋顶漏雨'));
    expect(item).toBeTruthy();
    await p.press(item!);
    await p.waitForText(filed.matter.ref);
    await p.press('补充情况');
    await p.waitForText('请把要补充的内容发过来');
    await p.say('昨晚又漏了，堂屋地上全是水。');
    await p.waitForText('收到了');
    await p.press(/发送/);
    await waitFor(
      async () => (await store.db.select().from(messages).where(and(eq(messages.matterId, filed.matter.id), eq(messages.direction, 'in')))).some((x) => x.text?.includes('堂屋地上全是水')),
      'the addition stored',
    );
    await keepTrail('mine', platform, filed.matter.ref);
  });

  it('reply-to: answering the officer’s reply adds to the matter', async () => {
    await register(p, villagerName);
    const person = (await personOf(p))!;
    const { intake } = await import('../../../src/services/intake-service.js');
    const { performAction } = await import('../../../src/services/matter-actions.js');
    const filed = await intake(h.runtime.ctx, { eventId: `cli:conf-r-${platform}-${n}`, platform: 'cli', externalUserId: officer.id, kind: 'report', category: 'help', text: '院墙裂了一道缝。', onBehalfOf: person.id, receivedAt: h.runtime.ctx.now().toISOString() });
    if (filed.status !== 'created') throw new Error(filed.status);
    await waitFor(async () => (await store.db.select().from(matters).where(eq(matters.id, filed.matter.id)))[0]?.step === 'dispatch', 'routing');
    const r = await performAction(h.runtime.ctx, { matter: filed.matter.ref, actorId: officer.id, request: { action: 'reply', text: '明天上午来看，裂缝有多宽？' } });
    expect(r.ok).toBe(true);
    await p.waitForText('裂缝有多宽');
    await p.replyTo('裂缝有多宽', '大概两指宽，从上到下。');
    await waitFor(
      async () => (await store.db.select().from(messages).where(and(eq(messages.matterId, filed.matter.id), eq(messages.direction, 'in')))).some((x) => x.text?.includes('两指宽')),
      'the answer added to the matter',
    );
    await keepTrail('reply-to', platform, filed.matter.ref);
  });

  if (platform === 'slack') {
    it('free text can be answered in a modal as well as typed (Slack)', async () => {
      const s = (p as OnSlack).p;
      await register(p, villagerName);
      p.mark();
      await p.say('反映问题');
      await p.press('🙋 生活求助');
      await p.waitForText('请说一说是什么事');
      // The prompt offers a button that opens a modal for the words.
      await s.answerInModal('填写', '自来水管冻裂了，家里没水用。');
      await p.waitForText('收到了（文字 1 段）');
    });
  }
});

// ── officers and cadres: the same scripts on both platforms ─────────────────

let staffSeq = 0;

/** A person of the roster on the platform: Telegram by their id, Slack linked to a user, WeCom a member's UserID. */
async function onPlatform(platform: Platform, person: PersonRow, telegramId: number): Promise<FlowPerson> {
  await store.db.delete(identities).where(eq(identities.personId, person.id));
  if (platform === 'telegram') {
    await store.db.insert(identities).values({ personId: person.id, platform: 'telegram', externalId: String(telegramId), chatId: String(telegramId) });
    return new OnTelegram(new TelegramPerson(emulator, { userId: telegramId, firstName: person.name, languageCode: 'zh-hans' }).mark());
  }
  if (platform === 'wecom') {
    // A member of the corp, known by the roster's UserID.
    const user = `Staff${RUN}${telegramId}`;
    await linkWecom(store.db, person.id, { userId: user });
    return new OnWecomApp(user);
  }
  const user = `U0STAFF${String(telegramId).slice(-4)}`;
  await linkSlack(store.db, person.id, user);
  return new OnSlack(new SlackPerson(h, user));
}

/** A village of its own with one unit, its officer, backup, grid leader, a villager and a department. */
async function newVillage(platform: Platform) {
  const k = ++staffSeq;
  const village = await newNode(store.db, { name: `${platform}村${k}`, level: 'village', parent: tree.township });
  const unit = await newNode(store.db, { name: `${platform}组${k}`, level: 'unit', parent: village });
  const base = 880_000 + k * 10;
  const officerRow = await newOfficer(store.db, unit, `网格员${k}`);
  const backupRow = await newBackup(store.db, unit, `兼职${k}`);
  const leaderRow = await newGridLeader(store.db, village, `书记${k}`);
  const villagerRow = await newVillager(store.db, unit, `村民甲${k}`);
  const { dept, liaison: liaisonRow } = await newDepartmentWithLiaison(store.db, { code: `water${k}`, name: `水利站${k}`, at: village, liaison: `联络员${k}`, telegram: String(base + 9) });
  return {
    unit,
    village,
    dept,
    villagerRow,
    backupRow,
    leaderRow,
    officer: await onPlatform(platform, officerRow, base + 1),
    leader: await onPlatform(platform, leaderRow, base + 2),
    liaison: await onPlatform(platform, liaisonRow, base + 9),
  };
}

async function fileFor(villagerId: string, officerId: string, text: string) {
  const { intake } = await import('../../../src/services/intake-service.js');
  const filed = await intake(h.runtime.ctx, { eventId: `cli:staff-${++staffSeq}`, platform: 'cli', externalUserId: officerId, kind: 'report', category: 'help', text, onBehalfOf: villagerId, receivedAt: h.runtime.ctx.now().toISOString() });
  if (filed.status !== 'created') throw new Error(filed.status);
  await waitFor(async () => (await matterOf(filed.matter.ref)).step === 'dispatch', 'routing');
  return filed.matter;
}

/** A staff script on WeCom is paced by the app's 30 messages a minute per member (see PACED_MS). */
const STAFF_MS = 180_000;

// Each script works in a village of its own: they run at once (WeCom's are paced, not busy).
describe.concurrent.each(['telegram', 'slack', 'wecom'] as const)('officer and cadre work through the %s adapter', (platform) => {
  it('take, reply, mark_size, set_topic, whistle + report in + sign_off + rate_department, settle', async () => {
    const v = await newVillage(platform);
    const o = v.officer;
    const m = await fileFor(v.villagerRow.id, (await personOf(o))!.id, '村口路灯坏了三盏，晚上看不见路。');
    await o.waitForText(m.ref);
    await o.press('接单');
    await waitFor(async () => (await matterOf(m.ref)).step === 'handle', 'taken');

    o.mark();
    await o.press('回复');
    await o.waitForText('请写给群众的答复');
    await o.say('明天电工来换灯泡。');
    await o.waitForText('还有就接着发');
    await o.press('📨 发送');
    await o.waitForText('已发给群众');
    await waitFor(async () => (await store.db.select().from(messages).where(and(eq(messages.matterId, m.id), eq(messages.direction, 'out')))).some((x) => x.text?.includes('电工来换灯泡')), 'the reply stored');

    o.mark();
    await o.press('定大小事');
    await o.waitForText('定为大事还是小事');
    await o.press('🔺 大事');
    await o.waitForText('为什么定为');
    await o.press('涉及多户群众');
    await waitFor(async () => (await matterOf(m.ref)).size === 'big', 'marked big');

    o.mark();
    const before = (await matterOf(m.ref)).topic;
    if (platform === 'wecom') {
      // A WeCom card holds 6 buttons and its redraw keeps the first 6 (update_template_card): the
      // taken card has lost 选专题, the 7th. The matter's detail sends every action, 6 a card.
      await o.command('status', m.ref);
      await o.waitForText(`【${m.ref}】`);
    }
    await o.press('选专题');
    const topics = await o.waitForText('归哪个专题');
    // The last topic offered (the matter starts in the first).
    const other = topics.labels.filter((l) => !/取消|跳过|上一页|下一页/.test(l)).at(-1)!;
    await o.press(other);
    await waitFor(async () => (await matterOf(m.ref)).topic !== before, 'the topic set');
    if (platform === 'wecom') {
      // The detail's buttons ended with its turn; the card can be redrawn only by a press of its
      // own (a response code each), so the detail is opened again for 吹哨.
      o.mark();
      await o.command('status', m.ref);
      await o.waitForText(`【${m.ref}】`);
    }

    o.mark();
    await o.press('吹哨');
    await o.waitForText('要请哪个部门来协办');
    await o.press(v.dept.name);
    await o.waitForText('请写一下需要部门做什么');
    await o.say('请来看看线路。');
    await o.waitForText('已吹哨');
    await waitFor(async () => (await eventsOf(m.id)).includes('whistle'), 'the whistle');
    // The department's liaison reports in and signs off its part from the summons' buttons.
    await v.liaison.waitForText(m.ref);
    await v.liaison.press('报到');
    await waitFor(async () => (await eventsOf(m.id)).includes('report_in'), 'reported in');
    v.liaison.mark();
    await v.liaison.press('本部门办结');
    await v.liaison.waitForText('本部门办了什么');
    await v.liaison.say('换了线路保险。');
    await waitFor(async () => (await eventsOf(m.id)).includes('sign_off'), 'signed off');
    // The holder rates the department's part.
    o.mark();
    await o.press(`评价${v.dept.name}`);
    await o.waitForText('协同处置打分');
    await o.press('5 分 · 很好');
    await o.waitForText('想对这个部门说句话吗');
    await o.say('跳过');
    await waitFor(async () => (await eventsOf(m.id)).includes('rate_department'), 'the department rated');

    o.mark();
    await o.press('办结');
    await o.waitForText('办理结果');
    await o.say('路灯已全部换好。');
    await o.waitForText('已办结');
    const done = await matterOf(m.ref);
    expect(done.state).toBe('settled');
    expect(await eventsOf(m.id)).toEqual(expect.arrayContaining(['take', 'reply', 'mark_size', 'set_topic', 'whistle', 'report_in', 'sign_off', 'rate_department', 'settle']));
    await keepTrail('settle', platform, m.ref);
  }, STAFF_MS);

  it('transfer, escalate (上报) from the desk, supervise (督办) and take over (transfer then take) by a cadre', async () => {
    const v = await newVillage(platform);
    const o = v.officer;
    const officerId = (await personOf(o))!.id;
    const m = await fileFor(v.villagerRow.id, officerId, '水渠堵了，田里放不进水。');
    await o.waitForText(m.ref);
    // 转办 to the backup, with no reason.
    o.mark();
    await o.press('转办');
    await o.waitForText('转给谁办理');
    await o.press(/^兼职/);
    await o.waitForText('转办的原因');
    await o.say('跳过');
    await waitFor(async () => (await matterOf(m.ref)).assigneeId === v.backupRow.id, 'transferred to the backup');

    // A second matter: the officer opens it from /mine (the desk) and escalates it.
    const m2 = await fileFor(v.villagerRow.id, officerId, '桥栏杆松了，孩子上学要过。');
    await o.waitForText(m2.ref);
    o.mark();
    await o.command('mine');
    const desk = await o.waitForText('您手上');
    await o.press(desk.labels.find((l) => l.includes(m2.ref) || l.includes('桥栏杆'))!);
    await o.waitForText(m2.ref);
    o.mark();
    await o.press('上报');
    await o.waitForText('为什么要上报');
    await o.say('需要镇里出钱修。');
    await waitFor(async () => (await matterOf(m2.ref)).level !== 'unit', 'escalated');

    // The village's leader hears of the escalated matter (its card carries a 督办 of its own), then
    // presses the holder of the first matter (督办) from its detail and takes it over.
    const c = v.leader;
    await c.waitForText(m2.ref);
    c.mark();
    await c.command('status', m.ref);
    await c.waitForText(m.ref);
    await c.press('督办');
    await c.waitForText('督办事项');
    await c.press('请今天之内办结。');
    await waitFor(async () => (await eventsOf(m.id)).includes('supervise'), 'supervised');
    c.mark();
    await c.command('status', m.ref);
    await c.waitForText(m.ref);
    await c.press('我来接手');
    await waitFor(async () => {
      const row = await matterOf(m.ref);
      return row.assigneeId === v.leaderRow.id && row.step === 'handle';
    }, 'taken over: transferred, then taken');
    const events = await eventsOf(m.id);
    expect(events.slice(-2)).toEqual(['transfer', 'take']);
    await keepTrail('take over', platform, m.ref);
    await keepTrail('escalate', platform, m2.ref);
  }, STAFF_MS);

  it('patrol: an officer files for a villager of the grid', async () => {
    const v = await newVillage(platform);
    const o = v.officer;
    o.mark();
    await o.command('patrol');
    await o.waitForText('要记录什么');
    await o.press('👵 替村民反映');
    await o.waitForText('替哪位村民反映');
    await o.press(new RegExp(v.villagerRow.name));
    await o.waitForText('是哪方面的事');
    await o.press('🙋 生活求助');
    await o.waitForText('请说一说是什么事');
    await o.say('老人家水缸漏了，想请人补。');
    await o.waitForText('收到了');
    await o.press('✅ 说完了');
    await o.waitForText('事情发生在哪里');
    await o.say('跳过');
    await o.waitForText('请您核对一下');
    await o.press('📨 提交');
    const m = await waitFor(async () => (await store.db.select().from(matters).where(eq(matters.reporterId, v.villagerRow.id)))[0], 'the matter filed for the villager');
    expect(m.summary).toContain('水缸漏了');
  }, STAFF_MS);

  it.runIf(platform === 'wecom')('a press’s notice (Telegram’s toast, Slack’s ephemeral) reaches a WeCom member as words: a stale button says so', async () => {
    const v = await newVillage(platform);
    const o = v.officer;
    const m = await fileFor(v.villagerRow.id, (await personOf(o))!.id, '井盖丢了一个。');
    await o.waitForText(m.ref);
    o.mark();
    await o.command('status', m.ref);
    await o.waitForText(`【${m.ref}】`);
    // Another command ends the detail's turn: its buttons are stale now.
    o.mark();
    await o.command('mine');
    await o.waitForText('您手上');
    o.mark();
    await o.press('选专题');
    await o.waitForText('这个按钮已经过期了');
  }, STAFF_MS);

  it('stats: a cadre picks a period with a button, and types days', async () => {
    const v = await newVillage(platform);
    const l = v.leader;
    l.mark();
    await l.command('stats');
    const all = await l.waitForText('全部时间');
    expect(all.labels).toEqual(expect.arrayContaining(['本月', '上月', '今年', '📅 自选日期']));
    await l.press('上月');
    await l.waitForText('上月（2026-05-01 至 2026-05-31）');
    await l.command('stats', '2026-02-30');
    await l.waitForText('“2026-02-30”不是有效的日期');
    await l.command('stats', '2026-3-1 至 2026-3-31');
    await l.waitForText('2026-03-01 至 2026-03-31');
  }, STAFF_MS);

  it('broadcast: a grid leader sends a notice to the staff of the village, who get it', async () => {
    const v = await newVillage(platform);
    const l = v.leader;
    l.mark();
    // The words after the command (a bare /grid broadcast opens Slack's modal instead).
    await l.command('broadcast', '明早八点村委会开网格员例会。');
    await l.waitForText('要不要配一张图片');
    await l.press('跳过');
    await l.waitForText('发给哪里的人');
    await l.press(v.village.name);
    await l.waitForText('发给哪些人');
    await l.press('网格员和干部');
    await l.waitForText('要不要加个按钮');
    await l.press('👌 收到');
    await l.waitForText('什么时候发');
    await l.press('⚡ 现在就发');
    // The officer is the one reachable on this platform (the backup and the villager have no account here).
    await l.waitForText('共 1 人');
    v.officer.mark();
    await l.press('✅ 确认发送');
    await l.waitForText('通知开始发送，共 1 人');
    await v.officer.waitForText('明早八点村委会开网格员例会');
  }, STAFF_MS);
});

describe.each(ADAPTERS)('triage through the $name adapter', ({ name: platform, make }) => {
  it('a message outside any flow is asked about and kept for the report or the question', async () => {
    const p = make();
    await register(p, `赵${n}`);
    p.mark();
    await p.say('低保怎么申请');
    await p.waitForText('收到您的消息了');
    await p.press('❓ 问个问题');
    await p.waitForText('带上户口本和收入证明');
    const person = (await personOf(p))!;
    expect(await store.db.select().from(matters).where(eq(matters.reporterId, person.id))).toHaveLength(0);
    keepOutcome('triage', platform, { matters: 0 });
  });
});

describe('the conformance suite', () => {
  it('every script leaves the same matter events, states and outcomes on the three platforms', () => {
    const ran = [...new Set(Object.values(trails).flatMap((t) => Object.keys(t)))] as Platform[];
    // Run alone (-t), some platforms did not run: nothing to compare then.
    if (ran.length < 2) return;
    // The whole file ran: every script that leaves a trail left one (the comparison is not vacuous).
    if (ran.length === 3) expect(Object.keys(trails).sort()).toEqual(['escalate', 'language', 'mine', 'register', 'reply-to', 'report', 'settle', 'take over', 'timezone', 'triage']);
    for (const [script, t] of Object.entries(trails)) {
      expect({ script, platforms: Object.keys(t).sort() }).toEqual({ script, platforms: [...ran].sort() });
      for (const platform of ran) expect({ script, platform, trail: t[platform] }).toEqual({ script, platform, trail: t[ran[0]!] });
    }
  });

  it('sent nothing to a villager on 微信客服 outside their window (what it could not send was held)', async () => {
    await h.idle();
    expect(fake.windowRefusals).toEqual([]);
  });

  it('covers every flow in the engine: villagers’, officers’ and cadres’', async () => {
    const covered = new Set(['register', 'language', 'timezone', 'reach', 'report', 'ask', 'mine', 'triage', 'desk', 'reply', 'transfer', 'escalate', 'settle', 'supervise', 'whistle', 'sign_off', 'rate_department', 'patrol', 'mark_size', 'set_topic', 'stats', 'broadcast']);
    expect([...h.runtime.engine.flows.keys()].filter((f) => !covered.has(f))).toEqual([]);
  });
});
