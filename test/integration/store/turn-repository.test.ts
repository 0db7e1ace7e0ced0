// The chat turn's own statements (fixed texts, rows mapped by hand) read and write exactly what the
// query-builder functions they stand in for do, on Postgres and on PGlite.
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { outboxJob } from '../../../src/ports/jobs.js';
import { chatOutputsOf } from '../../../src/store/repositories/delivery-repository.js';
import { loadFlowState } from '../../../src/store/repositories/flow-repository.js';
import { ancestry, findNode, nodeWithLine } from '../../../src/store/repositories/grid-repository.js';
import { senderByIdentity } from '../../../src/store/repositories/people-repository.js';
import { endTurn, IN_ORDER_WINDOW_S, loadTurn, startTurn } from '../../../src/store/repositories/turn-repository.js';
import { deliveries, identities, inbox, outbox, processedEvents, roles } from '../../../src/store/schema.js';
import { newOfficer, newTree, newVillager, type Tree } from '../../support/factories.js';
import { openTestStore, STORE_KINDS, type TestStore } from '../../support/store.js';

describe.each(STORE_KINDS)('the chat turn’s statements on %s', (kind) => {
  let store: TestStore;
  let tree: Tree;
  beforeAll(async () => {
    store = await openTestStore(kind);
  }, 180_000);
  afterAll(async () => {
    await store?.close();
  });
  beforeEach(async () => {
    await store.reset();
    tree = await newTree(store.db);
  });

  it('start: marks the inbox row handled and records the event once; a second time changes nothing', async () => {
    await store.db.insert(inbox).values({ id: 'in-1', platform: 'telegram', queue: 'chat', payload: { a: 1 } });
    const at = new Date('2026-03-04T05:06:07.089Z');
    const first = await store.db.transaction((tx) => startTurn(tx, { inboxId: 'in-1', eventId: 'ev-1', at, lockKey: 'chat:telegram:42' }));
    const again = await store.db.transaction((tx) => startTurn(tx, { inboxId: 'in-1', eventId: 'ev-1', at: new Date(), lockKey: 'chat:telegram:42' }));
    expect([first, again]).toEqual([true, false]);
    const [row] = await store.db.select().from(inbox).where(eq(inbox.id, 'in-1'));
    expect(row).toMatchObject({ status: 'handled', doneAt: at });
    expect(await store.db.select().from(processedEvents).where(eq(processedEvents.id, 'ev-1'))).toHaveLength(1);
    // Without an inbox row or a lock.
    expect(await store.db.transaction((tx) => startTurn(tx, { inboxId: null, eventId: 'ev-2', at, lockKey: null }))).toBe(true);
  });

  it('read: the same sender, flow state and identity as the query-builder functions; nothing for a stranger', async () => {
    const officer = await newOfficer(store.db, tree.unit, '李冬梅', { telegram: '4201' });
    // A second role, at the village.
    await store.db.insert(roles).values({ personId: officer.id, gridNodeId: tree.village.id, role: 'grid_leader', title: null });
    const seen = new Date('2026-03-04T05:06:07.089Z');
    await store.db.update(identities).set({ lastSeenAt: seen }).where(eq(identities.externalId, '4201'));
    await endTurn(store.db, {
      flowState: { kind: 'save', row: { platform: 'telegram', externalId: '4201', flow: 'report', stepName: 'describe', data: { parts: [{ text: '路灯' }], n: 2 }, expiresAt: new Date('2026-03-05T00:00:00.000Z'), chatId: '4201', token: 'tk', locale: 'zh-CN', updatedAt: seen } },
      outputs: [],
      jobs: [],
    });
    const read = await loadTurn(store.db, 'telegram', '4201', 'chat:telegram:4201');
    const expected = await senderByIdentity(store.db, 'telegram', '4201');
    const byNode = (a: { node: { id: string } }, b: { node: { id: string } }) => a.node.id.localeCompare(b.node.id);
    expect(read.sender!.person).toEqual(expected!.person);
    expect([...read.sender!.placements].sort(byNode)).toEqual([...expected!.placements].sort(byNode));
    expect(read.sender!.placements).toHaveLength(2);
    expect(read.flowState).toEqual(await loadFlowState(store.db, 'telegram', '4201'));
    expect(read.flowState!.data).toEqual({ parts: [{ text: '路灯' }], n: 2 });
    expect(read.identity).toEqual({ personId: officer.id, lastSeenAt: seen, unreachableAt: null, overtaken: false });
    expect([read.held, read.waitingCopies]).toEqual([false, false]);

    const stranger = await loadTurn(store.db, 'telegram', '9999', null);
    expect(stranger).toEqual({ sender: undefined, identity: undefined, flowState: undefined, held: false, waitingCopies: false, behindMs: null });
  });

  it('read: tells whether an update of the same person admitted before this one still waits, within the window', async () => {
    const me = 'chat:telegram:4401';
    const row = (id: string, conversation: string | null, extra: Partial<typeof inbox.$inferInsert> = {}) => ({ id, platform: 'telegram' as const, queue: 'chat', payload: { a: 1 }, conversation, ...extra });
    const behind = (inboxId: string) => store.db.transaction(async (tx) => (await loadTurn(tx, 'telegram', '4401', null, inboxId)).behindMs);
    // Admitted one after another (seq): an earlier one of theirs waits, so the later one is behind it.
    await store.db.insert(inbox).values(row('u-1', me));
    await store.db.insert(inbox).values(row('u-2', me));
    expect(await behind('u-2')).toEqual(expect.any(Number));
    // The first is behind nobody; nor is anyone behind someone else's update.
    expect(await behind('u-1')).toBeNull();
    await store.db.insert(inbox).values(row('other-1', 'chat:telegram:4402'));
    await store.db.insert(inbox).values(row('u-3', me));
    await store.db.update(inbox).set({ status: 'handled' }).where(eq(inbox.id, 'u-1'));
    await store.db.update(inbox).set({ status: 'handled' }).where(eq(inbox.id, 'u-2'));
    expect(await behind('u-3')).toBeNull();
    await store.db.update(inbox).set({ status: 'handled' }).where(eq(inbox.id, 'u-3'));
    // One given up does not hold the rest back, nor does one stuck longer than the window.
    await store.db.insert(inbox).values(row('u-4', me, { status: 'failed' }));
    await store.db.insert(inbox).values(row('u-5', me, { receivedAt: new Date(Date.now() - (IN_ORDER_WINDOW_S + 60) * 1000) }));
    await store.db.insert(inbox).values(row('u-6', me));
    expect(await behind('u-6')).toBeNull();
    // Without its inbox row (a test's direct turn), nothing is asked.
    expect((await loadTurn(store.db, 'telegram', '4401', null)).behindMs).toBeNull();
  });

  it('read: tells what waits for the person (held in their queue or their chat’s, broadcast copies) and an identity overtaken', async () => {
    const villager = await newVillager(store.db, tree.unit, '王秀英', { telegram: '4301' });
    await store.db.update(identities).set({ lastSeenAt: new Date('2026-03-04T05:00:00Z') }).where(eq(identities.externalId, '4301'));
    await store.db.insert(identities).values({ personId: villager.id, platform: 'slack', externalId: 'U1', lastSeenAt: new Date('2026-03-04T06:00:00Z') });
    expect(await loadTurn(store.db, 'telegram', '4301', null)).toMatchObject({ held: false, waitingCopies: false, identity: { overtaken: true } });
    await store.db.insert(deliveries).values({ recipient: 'chat:telegram:4301', template: 'chat', output: { kind: 'message', text: 'x' }, chatPlatform: 'telegram', chatId: '4301', status: 'window_held' });
    expect(await loadTurn(store.db, 'telegram', '4301', 'chat:telegram:4301')).toMatchObject({ held: true, waitingCopies: false });
    expect(await loadTurn(store.db, 'telegram', '4301', null)).toMatchObject({ held: false });
    await store.db.insert(deliveries).values({ recipient: `person:${villager.id}`, personId: villager.id, template: 'routed', params: {}, status: 'window_held' });
    await store.db.insert(deliveries).values({ recipient: `person:${villager.id}`, personId: villager.id, template: 'broadcast', params: {}, status: 'window_waiting' });
    expect(await loadTurn(store.db, 'telegram', '4301', null)).toMatchObject({ held: true, waitingCopies: true });
  });

  it('end: the flow state saved or cleared, the answers in order in the right queue, and their send jobs, in one statement', async () => {
    const villager = await newVillager(store.db, tree.unit, '王秀英', { telegram: '4401' });
    const out = (text: string) => ({ kind: 'message', text });
    const rows = ['一', '二', '三'].map((t) => ({ id: randomUUID(), platform: 'telegram' as const, chatId: '4401', userId: '4401', eventId: 'ev-9', personId: villager.id, output: out(t) }));
    await endTurn(store.db, {
      flowState: { kind: 'save', row: { platform: 'telegram', externalId: '4401', flow: 'report', stepName: 'category', data: {}, expiresAt: null, chatId: '4401', token: 't1', locale: null, updatedAt: new Date() } },
      outputs: rows,
      jobs: [outboxJob('send', { recipient: `person:${villager.id}` })],
    });
    const written = await chatOutputsOf(store.db, 'ev-9');
    expect(written.map((r) => [r.id, r.recipient, r.template, r.output, r.status, r.chatPlatform, r.chatId, r.userId])).toEqual(
      rows.map((r) => [r.id, `person:${villager.id}`, 'chat', r.output, 'pending', 'telegram', '4401', '4401']),
    );
    const jobs = await store.db.select().from(outbox);
    expect(jobs.map((j) => [j.queue, j.job, j.payload, j.runAt])).toEqual([['send', 'send', { recipient: `person:${villager.id}` }, null]]);
    // Saved again (a conflict: updated), then cleared.
    await endTurn(store.db, { flowState: { kind: 'save', row: { platform: 'telegram', externalId: '4401', flow: 'report', stepName: 'describe', data: { a: 1 }, expiresAt: null, chatId: '4401', token: 't2', locale: 'en', updatedAt: new Date() } }, outputs: [], jobs: [] });
    expect(await loadFlowState(store.db, 'telegram', '4401')).toMatchObject({ stepName: 'describe', data: { a: 1 }, token: 't2', locale: 'en' });
    await endTurn(store.db, { flowState: { kind: 'clear', platform: 'telegram', externalId: '4401' }, outputs: [], jobs: [] });
    expect(await loadFlowState(store.db, 'telegram', '4401')).toBeUndefined();
    expect(await store.db.select().from(identities).where(and(eq(identities.externalId, '4401'), eq(identities.platform, 'telegram')))).toHaveLength(1);
  });

  it('a node with its line: what findNode and ancestry give', async () => {
    const { node, line } = await nodeWithLine(store.db, tree.unit.id);
    expect(node).toEqual(await findNode(store.db, tree.unit.id));
    expect(line).toEqual(await ancestry(store.db, tree.unit));
    expect(line.map((n) => n.id)).toEqual([tree.unit.id, tree.village.id, tree.township.id, tree.county.id]);
    expect(await nodeWithLine(store.db, randomUUID())).toEqual({ node: undefined, line: [] });
  });
});
