// The one inbound contract with a reading cursor, on a real store: villagers write to 微信客服,
// the messages are read page by page (kf/sync_msg against the stand-in) and each page is admitted
// with the cursor that follows it, in one transaction. The cursor never moves past what was not
// committed; a drain that read from a position another drain had already moved stores nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, like } from 'drizzle-orm';
import { createAdmission } from '../../../src/app/admission.js';
import { drainKf, type KfPage } from '../../../src/channels/wecom/kf-sync.js';
import { WecomApi } from '../../../src/channels/wecom/wecom-api.js';
import type { Admission, AdmitOutcome, Delivery } from '../../../src/ports/admission.js';
import { inbox, outbox, platformCursors } from '../../../src/store/schema.js';
import { testLogger } from '../../support/runtime.js';
import { openTestStore, type TestStore } from '../../support/store.js';
import { FakeWecom, TEST_CORP } from '../../support/wecom/fake-wecom.js';

let store: TestStore;
let fake: FakeWecom;
let api: WecomApi;
let admission: Admission;
let clockMs = Date.parse('2026-06-03T02:00:00Z');
let written = 0;

beforeAll(async () => {
  store = await openTestStore('postgres');
  fake = await FakeWecom.start({ now: () => clockMs });
  api = new WecomApi({ corpId: TEST_CORP.corpId, secret: TEST_CORP.kfSecret, secretName: 'kf', baseUrl: fake.url, now: () => clockMs });
  admission = createAdmission({ db: store.db, now: () => new Date(clockMs), logger: testLogger, outboxWritten: () => void written++ });
});
afterAll(async () => {
  await fake?.stop();
  await store?.close();
});

const deliveriesOf = (page: KfPage): Delivery[] => page.updates.map((update) => ({ deliveryId: update.eventId, update }));

/** Admits each page with the cursor it was read from and the one after it; records the outcomes. */
function committer(key: string, outcomes: AdmitOutcome[]) {
  return async (page: KfPage) => void outcomes.push(await admission.admit(deliveriesOf(page), { key, expected: page.from ?? null, next: page.next }));
}

async function villagersWrite(tag: string, n: number): Promise<string[]> {
  const texts = Array.from({ length: n }, (_, i) => `${tag}${i}`);
  for (const [i, t] of texts.entries()) {
    clockMs += 1000;
    await fake.villagerWrites(`wm${tag}${i % 3}`, t, { callback: false });
  }
  return texts;
}

async function inboxTexts(tag: string): Promise<string[]> {
  const rows = await store.db.select().from(inbox).where(like(inbox.id, 'wecom:kf:msg:%'));
  return rows
    .map((r) => (r.payload as { content?: { kind: string; text?: string } } | null)?.content)
    .flatMap((c) => (c?.kind === 'text' && c.text?.startsWith(tag) ? [c.text] : []))
    .sort();
}

const storedCursor = async (key: string) => (await store.db.select().from(platformCursors).where(eq(platformCursors.key, key)))[0]?.value ?? null;

describe('admitting 微信客服 pages with their cursor', () => {
  it('commits every message once, queues its work, and keeps the cursor where the last page ended', async () => {
    const key = 'wecom:kf:first';
    const texts = await villagersWrite('first', 12);
    const outcomes: AdmitOutcome[] = [];
    const before = written;
    const result = await drainKf({ api, cursor: (await admission.cursor(key)) ?? undefined, limit: 5, commit: committer(key, outcomes) });
    expect(result).toMatchObject({ pages: 3, more: false });
    expect(await inboxTexts('first')).toEqual([...texts].sort());
    expect(outcomes.every((o) => !o.moved)).toBe(true);
    expect(await admission.cursor(key)).toBe(result.cursor);
    expect(await storedCursor(key)).toBe(result.cursor);
    // Each message's work is queued with it (one outbox row each), and the relay was told.
    const rows = await store.db.select({ id: inbox.id, platform: inbox.platform }).from(inbox).where(like(inbox.id, 'wecom:kf:msg:%'));
    expect(new Set(rows.map((r) => r.platform))).toEqual(new Set(['wecom']));
    expect((await store.db.select().from(outbox)).length).toBeGreaterThanOrEqual(12);
    expect(written).toBeGreaterThan(before);
  });

  it('stores nothing for a page read from a position another process moved: the result says moved', async () => {
    const key = 'wecom:kf:moved';
    await admission.admit([], { key, expected: null, next: 'c1' });
    const texts = ['stale0', 'stale1'];
    // Two processes read from c1 at once: one stores its next position, the other is told it moved.
    const [first, second] = await Promise.all([
      admission.admit([], { key, expected: 'c1', next: 'c2' }),
      admission.admit([], { key, expected: 'c1', next: 'c2-other' }),
    ]);
    expect([first.moved, second.moved].filter(Boolean)).toHaveLength(1);
    // A page read from c1 now is stale: its messages are not kept (the page is another process's to commit).
    const stale = await admission.admit(
      texts.map((text, i) => ({ deliveryId: `wecom:kf:msg:stale-${i}`, update: { eventId: `wecom:kf:msg:stale-${i}`, platform: 'wecom', updateId: `stale-${i}`, at: new Date(clockMs).toISOString(), userId: 'wmstale', chatId: `kf:${TEST_CORP.openKfId}:wmstale`, chatType: 'private', content: { kind: 'text', text } } })),
      { key, expected: 'c1', next: 'c3' },
    );
    expect(stale).toEqual({ fresh: [], unreadable: [], moved: true });
    expect(await inboxTexts('stale')).toEqual([]);
    expect(['c2', 'c2-other']).toContain(await storedCursor(key));
  });

  it('two drains at once (two callbacks) commit each message once and the cursor ends after the last page', async () => {
    const key = 'wecom:kf:twice';
    // Start where the earlier tests left the log.
    await drainKf({ api, cursor: undefined, commit: committer(key, []) });
    const start = await admission.cursor(key);
    const texts = await villagersWrite('twice', 11);
    const outcomes: AdmitOutcome[] = [];
    const run = async () => drainKf({ api, cursor: (await admission.cursor(key)) ?? undefined, limit: 4, commit: committer(key, outcomes) });
    const [a, b] = await Promise.all([run(), run()]);
    expect(await inboxTexts('twice')).toEqual([...texts].sort());
    const end = await admission.cursor(key);
    expect(end).not.toBe(start);
    expect([a.cursor, b.cursor]).toContain(end);
    // Nothing is left past the stored cursor.
    expect(await drainKf({ api, cursor: end ?? undefined, commit: committer(key, []) })).toMatchObject({ messages: 0 });
  });

  it('sets aside a message the database refuses, commits the rest, and still moves the cursor', async () => {
    const key = 'wecom:kf:poison';
    const base = { platform: 'wecom' as const, at: new Date(clockMs).toISOString(), userId: 'wmpoison', chatId: `kf:${TEST_CORP.openKfId}:wmpoison`, chatType: 'private' as const };
    const d = (id: string, text: string): Delivery => ({ deliveryId: `wecom:kf:msg:${id}`, update: { ...base, eventId: `wecom:kf:msg:${id}`, updateId: id, content: { kind: 'text', text } } });
    const out = await admission.admit([d('p1', 'poison ok'), d('p2', 'poison \u0000 bad'), d('p3', 'poison fine')], { key, expected: null, next: 'after-poison' });
    expect(out.fresh.sort()).toEqual(['wecom:kf:msg:p1', 'wecom:kf:msg:p3']);
    expect(out.unreadable).toEqual(['wecom:kf:msg:p2']);
    expect(out.moved).toBeUndefined();
    expect(await storedCursor(key)).toBe('after-poison');
  });
});
