// The desk's sign-in rules against the real store: a link works once and for ten minutes, only a
// staff member gets one or keeps a session, only hashes are stored, and sessions end when revoked.
import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ServiceContext } from '../../../src/ports/context.js';
import { deskLinkLive, deskViewer, endAllDeskSessions, endDeskSession, issueDeskLink, redeemDeskLink } from '../../../src/services/desk-sign-in.js';
import { deskLinks, deskSessions, roles } from '../../../src/store/schema.js';
import { TestClock } from '../../support/clock.js';
import { newGridLeader, newTree, newVillager, type Tree } from '../../support/factories.js';
import { testLogger } from '../../support/runtime.js';
import { openTestStore, type TestStore } from '../../support/store.js';

let store: TestStore;
let tree: Tree;
let clock: TestClock;
let ctx: ServiceContext;
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

beforeAll(async () => {
  store = await openTestStore('postgres');
});
beforeEach(async () => {
  await store.reset();
  tree = await newTree(store.db);
  clock = new TestClock();
  ctx = { db: store.db, now: clock.now, logger: testLogger, outboxWritten: () => {} };
});
afterAll(async () => {
  await store?.close();
});

describe('desk sign-in', () => {
  it('a link works once, stores only its hash, and opens a session that ends when signed out', async () => {
    const leader = await newGridLeader(store.db, tree.village, '张国华');
    const link = await issueDeskLink(ctx, leader.id);
    if (!link.ok) throw new Error('no link');
    const rows = await store.db.select().from(deskLinks);
    expect(rows.map((r) => r.tokenHash)).toEqual([sha(link.token)]);
    expect(JSON.stringify(rows)).not.toContain(link.token);
    expect(await deskLinkLive(ctx, link.token)).toBe(true);
    expect(await deskLinkLive(ctx, link.token)).toBe(true);

    const [a, b] = await Promise.all([redeemDeskLink(ctx, link.token), redeemDeskLink(ctx, link.token)]);
    // Two presses at once: one session.
    expect([a, b].filter(Boolean)).toHaveLength(1);
    const session = (a ?? b)!;
    expect(await deskLinkLive(ctx, link.token)).toBe(false);
    expect((await store.db.select().from(deskSessions)).map((s) => s.tokenHash)).toEqual([sha(session.sessionToken)]);
    expect((await deskViewer(ctx, session.sessionToken))?.person.id).toBe(leader.id);

    await endDeskSession(ctx, session.sessionToken);
    expect(await deskViewer(ctx, session.sessionToken)).toBeNull();
  });

  it('refuses a link after ten minutes, a malformed token, and a villager', async () => {
    const leader = await newGridLeader(store.db, tree.village, '张国华');
    const link = await issueDeskLink(ctx, leader.id);
    if (!link.ok) throw new Error('no link');
    clock.advance(10 * 60_000 + 1000);
    expect(await redeemDeskLink(ctx, link.token)).toBeNull();
    for (const bad of ['', 'x', `${link.token}=`, "' or 1=1 --".padEnd(43, 'a'), '../'.repeat(15)]) expect(await redeemDeskLink(ctx, bad)).toBeNull();
    const villager = await newVillager(store.db, tree.unit, '罗秀英');
    expect(await issueDeskLink(ctx, villager.id)).toEqual({ ok: false, code: 'not_staff' });
  });

  it('a person who lost their post can neither use a link nor keep a session; revoking all ends every session', async () => {
    const leader = await newGridLeader(store.db, tree.village, '张国华');
    const l1 = await issueDeskLink(ctx, leader.id);
    const l2 = await issueDeskLink(ctx, leader.id);
    const l3 = await issueDeskLink(ctx, leader.id);
    const l4 = await issueDeskLink(ctx, leader.id);
    if (!l1.ok || !l2.ok || !l3.ok || !l4.ok) throw new Error('no link');
    const s1 = (await redeemDeskLink(ctx, l1.token))!;
    const s2 = (await redeemDeskLink(ctx, l2.token))!;
    expect(await endAllDeskSessions(ctx, leader.id)).toBe(2);
    expect(await deskViewer(ctx, s1.sessionToken)).toBeNull();
    expect(await deskViewer(ctx, s2.sessionToken)).toBeNull();

    const s4 = (await redeemDeskLink(ctx, l4.token))!;
    expect(await deskViewer(ctx, s4.sessionToken)).not.toBeNull();
    await store.db.delete(roles).where(eq(roles.personId, leader.id));
    expect(await redeemDeskLink(ctx, l3.token)).toBeNull();
    expect(await deskViewer(ctx, s4.sessionToken)).toBeNull();
  });

  it('a session lasts twelve hours', async () => {
    const leader = await newGridLeader(store.db, tree.village, '张国华');
    const link = await issueDeskLink(ctx, leader.id);
    if (!link.ok) throw new Error('no link');
    const s = (await redeemDeskLink(ctx, link.token))!;
    clock.advance(11 * 3600_000);
    expect(await deskViewer(ctx, s.sessionToken)).not.toBeNull();
    clock.advance(3600_000 + 1000);
    expect(await deskViewer(ctx, s.sessionToken)).toBeNull();
  });
});
