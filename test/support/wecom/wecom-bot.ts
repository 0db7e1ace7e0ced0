// The real service pieces (runtime, workers, the HTTP server with /wecom/callback, the WeCom
// adapter) pointed at the WeCom stand-in, and the two kinds of people who use it: a member of the
// corp in the app (an officer: text and template cards), and a villager on WeChat writing to the
// 微信客服 account (text and msgmenus, within the window).
import { eq } from 'drizzle-orm';
import { createRuntime, type Runtime, type RuntimeOptions } from '../../../src/app/runtime.js';
import { createAppServer, type HttpServer } from '../../../src/app/http.js';
import { kfChatId } from '../../../src/channels/wecom/to-chat-update.js';
import type { Db } from '../../../src/store/db.js';
import { identities } from '../../../src/store/schema.js';
import { daytimeClock, type TestClock } from '../clock.js';
import { waitIdle } from '../idle.js';
import { TEST_REDIS_URL, type TestStore } from '../store.js';
import type { Store } from '../../../src/store/db.js';
import { testLogger, uniquePrefix } from '../runtime.js';
import { freePort } from '../telegram/emulator.js';
import { waitFor } from '../wait.js';
import { WecomCallbackClient } from './callback-client.js';
import { TEST_CORP, type FakeWecom, type SentAppMessage, type SentKfMessage } from './fake-wecom.js';

export interface WecomBot {
  runtime: Runtime;
  http: HttpServer;
  callbackUrl: string;
  client: WecomCallbackClient;
  clock: TestClock;
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/** The stores a service runs on (or is starting on): one at a time (startWecomBot says why). */
const running = new WeakSet<object>();

export interface WecomBotOptions {
  queue?: 'redis' | 'postgres';
  clock?: TestClock;
  wecom?: Partial<NonNullable<RuntimeOptions['wecom']>>;
}

/**
 * Starts the service on `store`, with queues of its own. One per store at a time: two on one
 * database would both relay every outbox row into their own queues under the same job id, and the
 * second job takes the first one's claim for its own retry, so each message goes out twice.
 */
export async function startWecomBot(store: TestStore | Store, fake: FakeWecom, opts: WecomBotOptions = {}): Promise<WecomBot> {
  if (running.has(store)) throw new Error('a WeCom service already runs on this store: stop it first (bot.stop()), as two would send every message twice');
  running.add(store);
  try {
    return await startOn(store, fake, opts);
  } catch (err) {
    running.delete(store);
    throw err;
  }
}

async function startOn(store: TestStore | Store, fake: FakeWecom, opts: WecomBotOptions): Promise<WecomBot> {
  const port = await freePort();
  const clock = opts.clock ?? daytimeClock();
  const runtime = await createRuntime({
    store,
    // The test corp's shared budgets, tokens and nonces under a name of this run's own: test files
    // running at once never see each other's.
    queue: opts.queue === 'postgres' ? { kind: 'postgres' } : { kind: 'redis', url: TEST_REDIS_URL, prefix: uniquePrefix(), shared: `${uniquePrefix()}:` },
    logger: testLogger,
    relayIntervalMs: 200,
    now: clock.now,
    wecom: { ...wecomSettings(fake), ...opts.wecom },
  });
  runtime.startWorkers({ concurrency: 4 });
  const http = createAppServer({ runtime, logger: testLogger, adminToken: 'test-admin-token' });
  await http.listen({ host: '127.0.0.1', port });
  const callbackUrl = `http://127.0.0.1:${port}/wecom/callback`;
  fake.callbackUrl = callbackUrl;
  let stopped = false;
  return {
    runtime,
    http,
    callbackUrl,
    client: new WecomCallbackClient({ url: callbackUrl }),
    clock,
    idle: () => waitIdle(runtime),
    async stop() {
      if (stopped) return;
      stopped = true;
      fake.callbackUrl = null;
      try {
        await http.close();
        await runtime.close();
      } finally {
        running.delete(store);
      }
    },
  };
}

/** The runtime's WeCom settings for the test corp on the stand-in. */
export function wecomSettings(fake: FakeWecom): NonNullable<RuntimeOptions['wecom']> {
  return {
    corpId: TEST_CORP.corpId,
    agentId: TEST_CORP.agentId,
    secret: TEST_CORP.secret,
    kfSecret: TEST_CORP.kfSecret,
    token: TEST_CORP.token,
    encodingAESKey: TEST_CORP.encodingAESKey,
    kfAccount: TEST_CORP.openKfId,
    apiUrl: fake.url,
    // The stand-in's own day limit is 200 (one account); the service's day bucket is set wide here.
    licensedAccounts: 1000,
  };
}

/** What a person read: a text, a card (its title and text) or a menu (its head), with what they may press. */
export interface Seen {
  text: string;
  buttons: Array<{ label: string; data: string }>;
  /** A card: its task id and the code its send returned. */
  card?: { taskId: string; responseCode: string };
  at: number;
}

function appSeen(m: SentAppMessage): Seen {
  if (m.msgtype === 'template_card') {
    const c = m.body.template_card;
    return {
      text: [c.main_title?.title, c.main_title?.desc, c.sub_title_text].filter(Boolean).join('\n'),
      buttons: (c.button_list ?? []).map((b: { text: string; key: string }) => ({ label: b.text, data: b.key })),
      card: { taskId: c.task_id, responseCode: m.responseCode! },
      at: m.at,
    };
  }
  return { text: String(m.body[m.msgtype]?.content ?? `[${m.msgtype}]`), buttons: [], at: m.at };
}

function kfSeen(m: SentKfMessage): Seen {
  if (m.msgtype === 'msgmenu') {
    const menu = m.body.msgmenu;
    return { text: String(menu.head_content ?? ''), buttons: (menu.list ?? []).filter((i: any) => i.type === 'click').map((i: any) => ({ label: i.click.content, data: i.click.id })), at: m.at };
  }
  return { text: String(m.body[m.msgtype]?.content ?? `[${m.msgtype}]`), buttons: [], at: m.at };
}

const matches = (pattern: string | RegExp, text: string) => (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text));

/** An officer (or any member) in the app. `bot`: where their callbacks go (a harness, or a spawned service's client). */
export class AppMember {
  private from = 0;
  constructor(
    readonly fake: FakeWecom,
    readonly bot: Pick<WecomBot, 'client'>,
    readonly userId: string,
  ) {}

  messages(): Seen[] {
    return this.fake.sent.filter((s) => s.touser === this.userId).map(appSeen);
  }

  /** Later waits look only at what comes after this. */
  mark(): this {
    this.from = this.messages().length;
    return this;
  }

  async waitFor(pattern: string | RegExp, timeoutMs = 20_000): Promise<Seen> {
    return waitFor(() => this.messages().slice(this.from).reverse().find((m) => matches(pattern, m.text)) ?? null, () => `${this.userId} to read ${pattern} (read: ${this.messages().map((m) => m.text.slice(0, 50)).join(' | ')})`, timeoutMs);
  }

  /** The newest card carrying a button labelled `label` (after the mark). */
  async card(label: string, timeoutMs = 20_000): Promise<Seen> {
    return waitFor(() => this.messages().slice(this.from).reverse().find((m) => m.card && m.buttons.some((b) => b.label === label)) ?? null, `a card with ${label} for ${this.userId}`, timeoutMs);
  }

  async say(text: string) {
    const r = await this.bot.client.text(this.userId, text);
    if (r.status !== 200) throw new Error(`callback answered ${r.status}`);
  }

  /** Presses a button of a card, as WeCom sends it (a fresh response code for the press). */
  async press(card: Seen, label: string) {
    const b = card.buttons.find((x) => x.label === label);
    if (!b || !card.card) throw new Error(`no button ${label} on that card (${card.buttons.map((x) => x.label).join(', ')})`);
    const r = await this.bot.client.pressButton(this.userId, { taskId: card.card.taskId, eventKey: b.data, responseCode: this.fake.pressCode(card.card.responseCode) });
    if (r.status !== 200) throw new Error(`callback answered ${r.status}`);
  }
}

/** A villager on WeChat writing to the 微信客服 account. */
export class KfVillager {
  private from = 0;
  constructor(
    readonly fake: FakeWecom,
    readonly externalUserId: string,
  ) {}

  get chatId(): string {
    return kfChatId(TEST_CORP.openKfId, this.externalUserId);
  }

  messages(): Seen[] {
    return this.fake.kfSent.filter((s) => s.touser === this.externalUserId).map(kfSeen);
  }

  mark(): this {
    this.from = this.messages().length;
    return this;
  }

  async waitFor(pattern: string | RegExp, timeoutMs = 20_000): Promise<Seen> {
    return waitFor(() => this.messages().slice(this.from).reverse().find((m) => matches(pattern, m.text)) ?? null, () => `the villager to read ${pattern} (read: ${this.messages().map((m) => m.text.slice(0, 50)).join(' | ')})`, timeoutMs);
  }

  async say(text: string) {
    await this.fake.villagerWrites(this.externalUserId, text);
  }

  /**
   * Reports a matter through the menus, as a villager does (反映问题 → a category, and for a hazard
   * "not in danger now" → the words → 说完了 → no place → 提交), and returns the receipt.
   */
  async report(category: string, words: string): Promise<Seen> {
    await this.say('反映问题');
    await this.waitFor('是哪方面的事');
    await this.press(category);
    if (category.includes('安全隐患')) {
      await this.waitFor('现在有没有人身危险');
      await this.press('没有，但要尽快处理');
    }
    await this.waitFor('请说一说是什么事');
    await this.say(words);
    await this.waitFor('收到了');
    await this.press('✅ 说完了');
    await this.waitFor('事情发生在哪里');
    await this.say('跳过');
    await this.waitFor('请您核对一下');
    this.mark();
    await this.press('📨 提交');
    return this.waitFor('受理编号');
  }

  /** Clicks an item of the newest menu offering `label` (whenever it came): WeChat sends its text with the item's id. */
  async press(label: string | RegExp, timeoutMs = 20_000) {
    const menu = await waitFor(() => this.messages().reverse().find((m) => m.buttons.some((b) => matches(label, b.label))) ?? null, () => `a menu with ${label} (read: ${this.messages().map((m) => m.text.slice(0, 50)).join(' | ')})`, timeoutMs);
    const item = menu.buttons.find((b) => matches(label, b.label))!;
    await this.fake.villagerWrites(this.externalUserId, { msgtype: 'text', text: { content: item.label, menu_id: item.data } });
  }
}

/** Gives a roster person their WeCom identity: a member's userid, or a villager's 微信客服 chat. */
export async function linkWecom(db: Db, personId: string, who: { userId: string } | { externalUserId: string }): Promise<void> {
  const externalId = 'userId' in who ? who.userId : who.externalUserId;
  const chatId = 'userId' in who ? who.userId : kfChatId(TEST_CORP.openKfId, who.externalUserId);
  await db.delete(identities).where(eq(identities.personId, personId));
  await db.insert(identities).values({ personId, platform: 'wecom', externalId, chatId });
}
