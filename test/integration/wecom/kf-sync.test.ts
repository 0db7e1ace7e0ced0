// Draining 微信客服 through kf/sync_msg against the stand-in: the cursor is stored with each
// committed page and never past it — a commit that fails mid-drain leaves the cursor after the
// last good page and the next drain brings in exactly the rest; two drains at once (two callbacks)
// commit each message once and never move the cursor back; an expired callback token is dropped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainKf, type KfPage } from '../../../src/channels/wecom/kf-sync.js';
import { WecomApi } from '../../../src/channels/wecom/wecom-api.js';
import type { WecomChatUpdate } from '../../../src/channels/wecom/to-chat-update.js';
import { FakeWecom, LIMITS, TEST_CORP } from '../../support/wecom/fake-wecom.js';

/** The inbox and the stored cursor, committed together; the cursor moves only from where the page began. */
class Store {
  cursor: string | undefined;
  readonly inbox = new Map<string, WecomChatUpdate>();
  readonly cursors: Array<string | undefined> = [];
  failOnCommit = 0;
  commits = 0;

  async commit(page: KfPage): Promise<void> {
    this.commits += 1;
    if (this.failOnCommit && this.commits === this.failOnCommit) throw new Error('database unavailable');
    await new Promise((r) => setImmediate(r));
    if (page.from !== this.cursor) return; // another drain moved on: this page is already in
    for (const u of page.updates) if (!this.inbox.has(u.eventId)) this.inbox.set(u.eventId, u);
    this.cursor = page.next;
    this.cursors.push(page.next);
  }

  texts(): string[] {
    return [...this.inbox.values()].map((u) => (u.content.kind === 'text' ? u.content.text : u.content.kind));
  }
}

let clockMs = Date.parse('2026-06-03T02:00:00Z');
let fake: FakeWecom;
let api: WecomApi;

beforeAll(async () => {
  fake = await FakeWecom.start({ now: () => clockMs });
  api = new WecomApi({ corpId: TEST_CORP.corpId, secret: TEST_CORP.kfSecret, secretName: 'kf', baseUrl: fake.url, now: () => clockMs });
});
afterAll(async () => {
  await fake.stop();
});

async function villagersWrite(n: number, tag: string): Promise<string[]> {
  const texts = Array.from({ length: n }, (_, i) => `${tag}${i}`);
  for (const [i, t] of texts.entries()) await fake.villagerWrites(`wm${tag}${i % 3}`, t, { callback: false });
  return texts;
}

/** Starts a store at the end of what earlier tests left in the log. */
async function storeAtEnd(): Promise<Store> {
  const s = new Store();
  await drainKf({ api, cursor: undefined, commit: async (p) => void (s.cursor = p.next) });
  return s;
}

describe('draining 微信客服', () => {
  it('a commit failing on the second page leaves the cursor after the first; the next drain brings exactly the rest', async () => {
    const store = await storeAtEnd();
    const texts = await villagersWrite(25, 'fault');
    store.failOnCommit = 2;
    const failed = await drainKf({ api, cursor: store.cursor, limit: 10, commit: (p) => store.commit(p) }).catch((e: Error) => e);
    expect(failed).toBeInstanceOf(Error);
    expect(store.texts()).toEqual(texts.slice(0, 10));
    const afterFirst = store.cursor;
    const rest = await drainKf({ api, cursor: store.cursor, limit: 10, commit: (p) => store.commit(p) });
    expect(rest).toMatchObject({ pages: 2, messages: 15, more: false });
    expect(store.texts()).toEqual(texts);
    expect(store.cursors[0]).toBe(afterFirst);
    expect(await drainKf({ api, cursor: store.cursor, commit: (p) => store.commit(p) })).toMatchObject({ messages: 0 });
  });

  it('two drains at once (two callbacks) commit every message once and never move the cursor back', async () => {
    const store = await storeAtEnd();
    const texts = await villagersWrite(23, 'twice');
    const run = () => drainKf({ api, cursor: store.cursor, limit: 5, commit: (p) => store.commit(p) });
    await Promise.all([run(), run()]);
    await run();
    expect(store.texts()).toEqual(texts);
    const order = store.cursors.map((c) => Number(/^c(\d+)$/.exec(Buffer.from(c!, 'base64url').toString())![1]));
    for (let i = 1; i < order.length; i++) expect(order[i]).toBeGreaterThanOrEqual(order[i - 1]!);
    expect(order.at(-1)! - order[0]!).toBeGreaterThan(0);
  });

  it("reads on without the callback's token once it is older than 10 minutes", async () => {
    const store = await storeAtEnd();
    const texts = await villagersWrite(3, 'late');
    const token = fake.issueSyncToken();
    clockMs += LIMITS.syncTokenMs + 1;
    const before = fake.calls.filter((c) => c.errcode === 95007).length;
    await drainKf({ api, cursor: store.cursor, token, commit: (p) => store.commit(p) });
    expect(store.texts()).toEqual(texts);
    expect(fake.calls.filter((c) => c.errcode === 95007).length - before).toBe(1);
  });

  it('stops after maxPages and says more remain', async () => {
    const store = await storeAtEnd();
    await villagersWrite(12, 'many');
    expect(await drainKf({ api, cursor: store.cursor, limit: 5, maxPages: 2, commit: (p) => store.commit(p) })).toMatchObject({ pages: 2, messages: 10, more: true });
    expect(await drainKf({ api, cursor: store.cursor, limit: 5, commit: (p) => store.commit(p) })).toMatchObject({ messages: 2, more: false });
  });
});
